// Reads the stack high-water files of shared/tools/capture-arm64.sh (`stackwork kscan`): for each
// /proc/vmallocinfo area of THREAD_SIZE + 4096 bytes (a stack and its guard page) made by one of the
// named callers, the deepest use, read through /proc/kcore as THREAD_SIZE minus the offset of the
// lowest non-zero word (stacks are allocated zeroed and grow down). Columns after the state are the
// vmallocinfo line's tail (mm/vmalloc.c s_show(): caller, pages=, vmalloc, N0=).
//
//   # kscan patterns=alloc_thread_stack_node|kernel_clone|fork_idle|copy_process|dup_task_struct size=16384  columns: ...
//   0xffff800008028000 0xffff80000802d000 20480 5096 11288 live-task kernel_clone+0xa0/0x4b0 pages=4 vmalloc N0=4
//   0xffff800008048000 0xffff80000804d000 20480 2592 13792 live-task kernel_clone+0xa0/0x4b0 pages=4 vmalloc N0=4
//   # summary-live-task-stacks count=55 p50=1712 p90=3024 max=5096
//
// States: live-task (STACK_END_MAGIC in the lowest word), freed-task(vm_stack-header) (a stack in the
// RCU-delayed free or the per-CPU cache), zero-bottom, irq-or-unknown (IRQ stacks have neither mark).
import { type Diagnostic, diag } from '../base/diag.ts';
import { takeNumber } from '../base/number.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';

export interface HighWaterStack {
  readonly start: string;
  readonly end: string;
  /** The vmalloc area: THREAD_SIZE plus the guard page. */
  readonly areaBytes: number;
  /** Deepest use of the stack, bytes. */
  readonly highWaterBytes: number;
  readonly state: string;
  /** The vmallocinfo tail: the allocating caller and its page counts. */
  readonly caller: string;
  readonly line: number;
}

export interface TaskHighWater {
  /** `size=` of the header: THREAD_SIZE of the scanned stacks, bytes. */
  readonly stackBytes: number;
  /** `patterns=` of the header: the callers scanned (task stacks: kernel_clone, ...). */
  readonly patterns: string;
  readonly stacks: readonly HighWaterStack[];
}

const HEADER = /^# kscan patterns=(\S+) size=(\d+)/;
const ROW = /^(0x[0-9a-fA-F]+) (0x[0-9a-fA-F]+) (\d+) (\d+) (-?\d+) (\S+)(?: (.*))?$/;
/** A kscan file's first line and its stack rows (what a log's item scanner delimits them by). */
export const KSCAN_HEADER = HEADER;
export const KSCAN_ROW = ROW;

export function sniffTaskHighWater(text: string): boolean {
  return HEADER.test(text.slice(0, 512));
}

export function parseTaskHighWater(
  text: string,
  file = '<input>',
  firstLine = 1,
): ParseOutput<TaskHighWater> {
  const diagnostics: Diagnostic[] = [];
  const stacks: HighWaterStack[] = [];
  let stackBytes: number | undefined;
  let patterns = '';
  for (const l of splitLines(text, firstLine)) {
    const t = l.text.trim();
    if (t === '') continue;
    const loc = { file, line: l.no };
    const h = HEADER.exec(t);
    if (h) {
      patterns = h[1]!;
      stackBytes = takeNumber(
        h[2]!,
        { code: 'highwater/bad-number', what: 'size', min: 4096, max: 1 << 24 },
        loc,
        diagnostics,
      );
      continue;
    }
    if (t.startsWith('#')) continue;
    const m = ROW.exec(t);
    if (!m) {
      diagnostics.push(
        diag(
          'highwater/bad-row',
          'data-loss',
          `not a kscan row: "${t.slice(0, 60)}"`,
          loc,
          '"START END AREA_BYTES HIGHWATER_BYTES LOWEST_OFFSET STATE CALLER"',
        ),
      );
      continue;
    }
    const spec = (what: string) => ({ code: 'highwater/bad-number', what, max: 1 << 24 });
    const area = takeNumber(m[3]!, spec('area bytes'), loc, diagnostics);
    const hw = takeNumber(m[4]!, spec('high-water bytes'), loc, diagnostics);
    if (area === undefined || hw === undefined) continue;
    stacks.push({
      start: m[1]!,
      end: m[2]!,
      areaBytes: area,
      highWaterBytes: hw,
      state: m[6]!,
      caller: m[7] ?? '',
      line: l.no,
    });
  }
  if (stackBytes === undefined) {
    diagnostics.push(
      diag(
        'highwater/no-header',
        'error',
        'no "# kscan patterns=... size=N" header line',
        { file, line: firstLine },
        'the first line of a stackwork kscan file',
      ),
    );
    return { value: undefined, diagnostics };
  }
  for (const s of stacks)
    if (s.highWaterBytes > stackBytes)
      diagnostics.push(
        diag(
          'highwater/too-deep',
          'notice',
          `high-water mark ${s.highWaterBytes} B is more than size=${stackBytes}`,
          { file, line: s.line },
          `at most ${stackBytes}`,
        ),
      );
  return { value: { stackBytes, patterns, stacks }, diagnostics };
}
