// The depth input of dynamic stacks (`--depths FILE`): a task high-water file, a kstack_* histogram
// (/proc/vmstat or DEBUG_STACK_USAGE output) or a `stacklab run --json` result (result.perTask), read
// into how many stack pages each task touches.
import { type Diagnostic, diag } from '../base/diag.ts';
import type { ParseOutput } from '../base/result.ts';
import {
  depthsFromHighWater,
  depthsFromKstack,
  depthTasks,
  type StackDepths,
} from '../device/stack-depths.ts';
import { parseStackUsage, sniffStackUsage } from '../formats/stack-usage.ts';
import { parseTaskHighWater, sniffTaskHighWater } from '../formats/task-highwater.ts';

const EXPECTED =
  'a taskstack_highwater.txt (capture-arm64.sh), kstack_* lines of /proc/vmstat, or a stacklab run --json result';

export function readStackDepths(text: string, file: string): ParseOutput<StackDepths> {
  const name = file.replace(/^.*\//, '');
  const fail = (d: Diagnostic, more: readonly Diagnostic[] = []): ParseOutput<StackDepths> => ({
    value: undefined,
    diagnostics: [...more, d],
  });
  const empty = (what: string) =>
    diag('depths/empty', 'error', `${file}: no ${what} to take depths from`, { file, line: 1 }, EXPECTED);
  if (sniffTaskHighWater(text)) {
    const r = parseTaskHighWater(text, file);
    if (!r.value) return { value: undefined, diagnostics: r.diagnostics };
    const live = r.value.stacks.filter((s) => s.state === 'live-task');
    if (live.length === 0) return fail(empty('live task stacks'), r.diagnostics);
    const src = `${live.length} live task stacks of ${name} (high-water marks, exact)`;
    return {
      value: depthsFromHighWater(
        name,
        src,
        live.map((s) => s.highWaterBytes),
      ),
      diagnostics: r.diagnostics,
    };
  }
  if (/^\s*\{/.test(text)) return fromRunJson(text, file, name);
  if (sniffStackUsage(text)) {
    const r = parseStackUsage(text, file);
    const h = r.value?.histogram ?? [];
    if (h.length === 0) return fail(empty('kstack_* buckets'), r.diagnostics);
    const d = depthsFromKstack(
      name,
      `the kstack_* histogram of ${name} (each bucket counted at its largest page count)`,
      h.map((b) => ({ upToBytes: b.bytes, tasks: b.tasks })),
    );
    if (depthTasks(d) === 0) return fail(empty('tasks in the kstack_* buckets'), r.diagnostics);
    return { value: d, diagnostics: r.diagnostics };
  }
  return fail(diag('depths/unknown', 'error', `${file}: not a depth input`, { file, line: 1 }, EXPECTED));
}

function fromRunJson(text: string, file: string, name: string): ParseOutput<StackDepths> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return {
      value: undefined,
      diagnostics: [
        diag('depths/bad-json', 'error', `${file}: ${(e as Error).message}`, { file, line: 1 }, EXPECTED),
      ],
    };
  }
  const d = doc as { kind?: unknown; result?: { perTask?: unknown } };
  const tasks = d?.kind === 'stacklab.run' ? d.result?.perTask : undefined;
  if (!Array.isArray(tasks) || tasks.length === 0)
    return {
      value: undefined,
      diagnostics: [
        diag(
          'depths/no-tasks',
          'error',
          `${file}: no result.perTask in a stacklab.run document`,
          { file, line: 1 },
          EXPECTED,
        ),
      ],
    };
  const hw: number[] = [];
  for (const [i, t] of tasks.entries()) {
    const v = (t as { highWater?: unknown })?.highWater;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      return {
        value: undefined,
        diagnostics: [
          diag(
            'depths/bad-task',
            'error',
            `${file}: field result.perTask[${i}].highWater is not a number of bytes`,
            { file, line: 1 },
            'a number >= 0',
          ),
        ],
      };
    hw.push(v);
  }
  return {
    value: depthsFromHighWater(
      name,
      `${hw.length} simulated tasks of ${name} (result.perTask high-water marks)`,
      hw,
    ),
    diagnostics: [],
  };
}
