// A day's console log made of real pieces (test/fixtures, copies of ../shared/data/real and of
// published reports; see each file's "# " header for its provenance), for the whole-log scanner:
// dmesg noise from the arm64 6.1 QEMU boot, the same stack_trace table cat'ed and printed with dmesg
// timestamps, a table printed just before an overflow report, DEBUG_STACK_USAGE lines, an OOM
// report, /proc snapshots before and after, a 6.12+ kstack histogram, checkstack.pl output, a stack-end panic,
// and a table the end of the log cuts. The only changes are mechanical: "# " header lines dropped,
// dmesg prefixes added where a piece is "printed" (noted at each piece). What each piece is, and so
// the items a reader must find, is known by construction.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** A fixture's lines without its "# " provenance header. */
function piece(path: string): string[] {
  const lines = readFileSync(join(FIXTURES, path), 'utf8').replace(/\r/g, '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.filter((l) => !l.startsWith('# '));
}

/** As printk would show each line: "[  sss.uuuuuu] text", from `t` seconds on. */
function printed(lines: readonly string[], t: number): string[] {
  return lines.map((l, i) => `[${(t + i * 1e-6).toFixed(6).padStart(12)}] ${l}`);
}

export interface ExpectedItem {
  /** The analyzer that must explain it. */
  readonly kind: string;
  readonly line: number;
  readonly endLine: number;
  readonly cut?: boolean;
}

export interface MixedLog {
  readonly text: string;
  readonly items: readonly ExpectedItem[];
  /** Item numbers (1-based) of the two copies of one table. */
  readonly sameTable: readonly [number, number];
  /** Item numbers of the table printed right before the overflow report, and of the report. */
  readonly beside: readonly [number, number];
}

export function mixedLog(): MixedLog {
  const noise = piece('logs/dmesg-arm64-6.1-fork-256M.txt');
  const out: string[] = [];
  const items: ExpectedItem[] = [];
  const add = (lines: readonly string[], kind?: string, cut = false) => {
    const line = out.length + 1;
    out.push(...lines);
    if (kind) items.push({ kind, line, endLine: out.length, ...(cut ? { cut } : {}) });
  };
  let n = 0;
  const quiet = (count: number) => {
    add(noise.slice(n, n + count));
    n += count;
  };
  const fork = 'arm64-6.1-qemu/fork-256M';
  quiet(40);
  add(piece(`${fork}/stack_trace.txt`), 'stack-trace');
  quiet(12);
  // The same table again, as a script would print it into the console log: with timestamps.
  add(printed(piece(`${fork}/stack_trace.txt`), 130), 'stack-trace');
  quiet(8);
  add(piece(`${fork}/meminfo-before.txt`), 'meminfo');
  add(piece(`${fork}/buddyinfo-before.txt`), 'buddyinfo');
  quiet(3);
  add(piece(`${fork}/pagetypeinfo-before.txt`), 'pagetypeinfo');
  quiet(3);
  add(piece(`${fork}/vmstat-before.txt`), 'vmstat');
  quiet(20);
  // A table printed just before an overflow report (print_max_stack() style), then the report.
  add(printed(piece('arm64-6.1-qemu/udp-512M/stack_trace.txt'), 140), 'stack-trace');
  add(piece('published/ovf-arm64-001.txt'), 'overflow-report');
  quiet(10);
  add(piece('published/ovf-arm-001.txt'), 'stack-usage');
  quiet(10);
  add(piece('published/paf-004.txt'), 'page-alloc-failure');
  quiet(10);
  add(piece(`${fork}/meminfo-after.txt`), 'meminfo');
  add(piece(`${fork}/buddyinfo-after.txt`), 'buddyinfo');
  quiet(2);
  add(piece('arm64-6.12-qemu/fork-512M/vmstat-after.txt'), 'vmstat');
  quiet(5);
  // `grep kstack /proc/vmstat` on 6.12+ (the author's prompt lines kept: they are no item).
  add(piece('published/ovf-x86_64-003.txt'), 'stack-usage');
  quiet(5);
  add(piece('published/chk-003.txt'), 'checkstack');
  quiet(5);
  add(piece('variants/ovf-stack-end-x86_64-5.15.txt'), 'overflow-report');
  quiet(5);
  // The log ends in the middle of a table: the header and 10 of its 25 rows.
  add(piece('published/st-x86_64-017.txt').slice(0, 12), 'stack-trace', true);
  return { text: `${out.join('\n')}\n`, items, sameTable: [1, 2], beside: [7, 8] };
}
