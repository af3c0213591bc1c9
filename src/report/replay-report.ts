// Replay report data (src/analyze/replay-data.ts) -> text and folded stacks. The HTML report and
// --json read the same data; nothing here computes anything the replay did not.

import type { OwnEraCheck } from '../analyze/own-era.ts';
import type { ProfileReplayData, ReplayReportData } from '../analyze/replay-data.ts';
import { padLeft } from '../base/text.ts';
import type { FoldedLine } from '../formats/folded-stacks.ts';

/**
 * Folded stacks of a replay, one line per frame with its own bytes as the count, so a flame graph's
 * widths are stack bytes: "linux-6.1;irq_stack[cpu0];...;gic_handle_irq 48".
 */
export function foldedOf(d: ReplayReportData): FoldedLine[] {
  const out: FoldedLine[] = [];
  for (const p of d.profiles) {
    const path: string[] = [p.profile];
    let stack = '';
    for (const f of p.frames) {
      if (f.stackName !== stack) {
        stack = f.stackName;
        path.push(stack);
      }
      path.push(f.name);
      if (f.size > 0) out.push({ frames: [...path], count: f.size });
    }
  }
  return out;
}

/** Text for one profile's replay. */
export function renderProfileReplay(
  p: ProfileReplayData,
  opts: { frames?: boolean; ftrace?: boolean } = {},
): string {
  let s = `== ${p.profile}: ${p.title}\n`;
  if (p.reproducesInput !== null)
    s += p.reproducesInput
      ? '   own era: the ftrace output below is the input table, byte for byte\n'
      : '   own era: the ftrace output below DIFFERS from the input table (the rows above say which and why)\n';
  s += `   ${'stack'.padEnd(8)} ${padLeft('size', 6)} ${padLeft('used', 6)} ${padLeft('margin', 7)}  verdict\n`;
  for (const v of p.verdicts)
    s += `   ${(v.stack === 'task' ? 'task' : 'IRQ').padEnd(8)} ${padLeft(v.size, 6)} ${padLeft(v.used, 6)} ${padLeft(v.margin, 7)}  ${v.how}\n`;
  s += `   combined depth across stacks: ${p.combinedMax} B\n`;
  for (const d of p.deepest) {
    const bt = d.backtrace;
    const shown = bt.length <= 6 ? bt : [...bt.slice(0, 4), '...', ...bt.slice(-2)];
    s += `   deepest on ${d.stack} (${d.depth} B), unwound across stacks: ${shown.map(fnName).join(' < ')} (${bt.length} frames)\n`;
  }
  s += '   where the frames run (outermost first):\n';
  for (const g of p.segments)
    s += `     ${g.stack.padEnd(22)} ${padLeft(g.bytes, 5)} B  ${g.frames} frame(s): ${g.first}${g.frames > 1 ? ` ... ${g.last}` : ''}\n`;
  if (opts.frames) {
    s += '   frames (depth on their own stack, size):\n';
    for (const f of p.frames)
      s += `     ${f.stack.padEnd(8)} ${padLeft(f.depth, 6)} ${padLeft(f.size, 5)}  ${f.name}\n`;
  }
  for (const e of p.events) {
    if (e.report) s += `   simulated kernel output:\n${indent(e.report, '     ')}`;
    else s += `   ${e.type}: ${e.what} on ${e.stack} by ${e.frame}\n`;
  }
  if (opts.ftrace !== false) {
    s += `   ftrace stack_trace (stack_max_size ${p.ftrace.stackMaxSize}):\n${indent(p.ftrace.text, '   ')}`;
    if (p.ftrace.samplesIgnored > 0)
      s += `   (${p.ftrace.samplesIgnored} sample(s) on the IRQ stack ignored, "we do not handle interrupt stacks yet")\n`;
  }
  for (const n of p.notes) s += `   note: ${n}\n`;
  return s;
}

export function renderReplayText(d: ReplayReportData, opts: { frames?: boolean } = {}): string {
  let s = `${d.input.file}: ${d.input.entries} entries, max ${d.input.maxDepth} B, printed by ${d.input.sourceEra} (${d.input.sourceWhy})\n`;
  for (const r of d.reading) s += `  - ${r}\n`;
  if (d.ownEra) s += renderOwnEra(d.input.sourceEra, d.ownEra);
  s += '\n';
  s += renderComparison(d.profiles);
  for (const p of d.profiles) s += `\n${renderProfileReplay(p, opts)}`;
  return s;
}

/** Whether the table came back under its own era; if not, the first row that did not and why. */
export function renderOwnEra(era: string, c: OwnEraCheck): string {
  const ws = c.whitespaceNormalised
    ? ' (compared after normalising whitespace: this copy collapsed runs of spaces)'
    : '';
  let s = '';
  if (!c.replayed)
    s += `  own era ${era}: stacklab has no profile for it, so the table is not replayed under its own kernel\n`;
  else if (c.exact) s += `  own era ${era}: the table comes back byte for byte${ws}\n`;
  else if (c.firstMismatch) {
    const m = c.firstMismatch;
    s += `  own era ${era}: NOT byte for byte${ws}; ${c.rowsWrong} row(s) differ, the first from the outside is row ${m.row} (line ${m.line}):\n`;
    s += `      table:  ${m.expected}\n`;
    s += `      replay: ${m.got ?? '(no such row: the replayed table is shorter)'}\n`;
    s += `      why:    ${m.reason}\n`;
  }
  if (!c.exact && c.tried.length > 0)
    s += `  readings tried: ${c.tried.map((t) => `${t.era} (${t.exact ? 'exact' : `${t.rowsWrong} row(s) wrong, first row ${t.firstMismatchRow}`})`).join(', ')}\n`;
  return s;
}

/** The side-by-side table: one column per profile. */
export function renderComparison(ps: readonly ProfileReplayData[]): string {
  const get = (p: ProfileReplayData, stack: 'task' | 'irq') => p.verdicts.find((v) => v.stack === stack);
  const rows: [string, (p: ProfileReplayData) => string][] = [
    ['THREAD_SIZE', (p) => String(get(p, 'task')?.size ?? '-')],
    ['task stack used', (p) => String(get(p, 'task')?.used ?? '-')],
    ['IRQ stack used', (p) => String(get(p, 'irq')?.used ?? '-')],
    ['combined depth', (p) => String(p.combinedMax)],
    ['task margin', (p) => String(get(p, 'task')?.margin ?? '-')],
    ['fits', (p) => (p.verdicts.every((v) => v.fits) ? 'yes' : 'NO')],
    ['ftrace entries', (p) => String(p.ftrace.entries)],
    ['ftrace max Depth', (p) => String(p.ftrace.maxDepth)],
    ['deeper IRQ samples ignored', (p) => String(p.ftrace.samplesIgnored)],
  ];
  const head = ['', ...ps.map((p) => p.profile)];
  const body = rows.map(([n, f]) => [n, ...ps.map(f)]);
  const widths = head.map((_, c) => Math.max(...[head, ...body].map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    `${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')}\n`;
  return line(head) + body.map(line).join('');
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');
}

/** "gic_handle_irq+0x38/0x88" -> "gic_handle_irq". */
function fnName(loc: string): string {
  const i = loc.indexOf('+0x');
  return i > 0 ? loc.slice(0, i) : loc;
}
