// Writes speedscope's file format (https://www.speedscope.app/file-format-schema.json), "sampled"
// profiles: one sample per stack, weighted. stacklab weights by stack bytes, so speedscope's flame
// graph widths are bytes of stack.
//
//   {"$schema":"https://www.speedscope.app/file-format-schema.json","shared":{"frames":[{"name":"f"}]},
//    "profiles":[{"type":"sampled","name":"...","unit":"bytes","startValue":0,"endValue":48,
//                 "samples":[[0]],"weights":[48]}]}
import type { FoldedLine } from './folded-stacks.ts';

export function printSpeedscope(
  name: string,
  profiles: readonly { name: string; lines: readonly FoldedLine[] }[],
): string {
  const frames: { name: string }[] = [];
  const index = new Map<string, number>();
  const id = (n: string) => {
    let i = index.get(n);
    if (i === undefined) {
      i = frames.length;
      frames.push({ name: n });
      index.set(n, i);
    }
    return i;
  };
  const out = profiles.map((p) => {
    const samples = p.lines.map((l) => l.frames.map(id));
    const weights = p.lines.map((l) => l.count);
    const total = weights.reduce((a, b) => a + b, 0);
    return { type: 'sampled', name: p.name, unit: 'bytes', startValue: 0, endValue: total, samples, weights };
  });
  return `${JSON.stringify({
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    name,
    exporter: 'stacklab',
    activeProfileIndex: 0,
    shared: { frames },
    profiles: out,
  })}\n`;
}
