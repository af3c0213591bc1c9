// Reads /proc/interrupts (kernel/irq/proc.c show_interrupts(), arch_show_interrupts() for IPIs) and
// /proc/softirqs (fs/proc/softirqs.c): a header of CPU columns, then one row per interrupt or
// softirq vector with a count per CPU. Two snapshots give rates.
//
//              CPU0       CPU1
//    11:       3040       1345 GIC-0  27 Level     arch_timer
//  IPI0:         61         46       Rescheduling interrupts
//        NET_RX:      31552          0
import { type Diagnostic, diag } from '../base/diag.ts';
import { takeNumber } from '../base/number.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';
import { stripLogPrefix } from './log-prefix.ts';

export interface CountRow {
  /** "11", "IPI0", "NET_RX", "Err". */
  readonly id: string;
  /** Per-CPU counts. */
  readonly counts: readonly number[];
  /** What follows the counts: chip, hwirq, trigger and action names ("GIC-0 27 Level arch_timer"). */
  readonly desc: string;
  readonly line: number;
}

export interface PerCpuCounts {
  readonly kind: 'interrupts' | 'softirqs';
  readonly cpus: number;
  readonly rows: readonly CountRow[];
}

const MAX_LINE = 4096;

export function sniffProcCounts(text: string): 'interrupts' | 'softirqs' | null {
  const head = splitLines(text.slice(0, 8192)).map((l) => stripLogPrefix(l.text));
  const h = head.findIndex((l) => /^\s*CPU0(\s+CPU\d+)*\s*$/.test(l));
  if (h < 0) return null;
  const next = head.slice(h + 1, h + 4).join('\n');
  if (/^[ \t]*(HI|TIMER|NET_TX|NET_RX):\s+\d/m.test(next)) return 'softirqs';
  if (/^[ \t]*\w+:\s+\d/m.test(next)) return 'interrupts';
  return null;
}

/** "   12   34  GICv3  27 Level  arch_timer": the decimal words first, then the rest as printed. One pass. */
function countsAndDesc(rest: string): { words: string[]; desc: string } {
  const words: string[] = [];
  let i = 0;
  for (;;) {
    let j = i;
    while (j < rest.length && (rest[j] === ' ' || rest[j] === '\t')) j++;
    let k = j;
    while (k < rest.length && rest.charCodeAt(k) >= 0x30 && rest.charCodeAt(k) <= 0x39) k++;
    if (k === j || j === i || (k < rest.length && rest[k] !== ' ' && rest[k] !== '\t')) break;
    words.push(rest.slice(j, k));
    i = k;
  }
  return { words, desc: rest.slice(i).trim() };
}

export function parseProcCounts(text: string, file = '<input>', firstLine = 1): ParseOutput<PerCpuCounts> {
  const diagnostics: Diagnostic[] = [];
  const rows: CountRow[] = [];
  let cpus = 0;
  let kind: PerCpuCounts['kind'] = 'interrupts';
  for (const l of splitLines(text, firstLine)) {
    if (l.text.length > MAX_LINE) {
      diagnostics.push(
        diag('proc-counts/long-line', 'data-loss', `line of ${l.text.length} characters skipped`, {
          file,
          line: l.no,
        }),
      );
      continue;
    }
    const body = stripLogPrefix(l.text);
    if (body.trim() === '') continue;
    if (/^\s*CPU0(\s+CPU\d+)*\s*$/.test(body)) {
      cpus = body.trim().split(/\s+/).length;
      continue;
    }
    // "NAME:" then the counts (leading decimal words), then the description.
    const m = /^\s*([A-Za-z0-9_]+):(.*)$/.exec(body);
    const { words, desc } = m ? countsAndDesc(m[2]!) : { words: [], desc: '' };
    if (!m || cpus === 0) {
      diagnostics.push(
        diag('proc-counts/bad-row', 'data-loss', `not a counter row: "${body.trim().slice(0, 60)}"`, {
          file,
          line: l.no,
        }),
      );
      continue;
    }
    const loc = { file, line: l.no };
    const counts = words.map((w) =>
      takeNumber(w, { code: 'proc-counts/bad-number', what: `${m[1]} count` }, loc, diagnostics),
    );
    if (counts.some((c) => c === undefined)) continue;
    if (['HI', 'TIMER', 'NET_RX', 'NET_TX', 'RCU', 'SCHED'].includes(m[1]!)) kind = 'softirqs';
    // "Err:" and "MIS:" carry one total, not one count per CPU.
    if (counts.length !== cpus && counts.length !== 1) {
      diagnostics.push(
        diag('proc-counts/cpu-count', 'data-loss', `${m[1]}: ${counts.length} counts for ${cpus} CPUs`, {
          file,
          line: l.no,
        }),
      );
      continue;
    }
    rows.push({ id: m[1]!, counts: counts as number[], desc, line: l.no });
  }
  if (cpus === 0 || rows.length === 0) {
    diagnostics.push(
      diag(
        'proc-counts/empty',
        'error',
        'no CPU header or no rows',
        { file, line: firstLine },
        '"CPU0 CPU1 ..." then "NAME: count count ..." rows',
      ),
    );
    return { value: undefined, diagnostics };
  }
  return { value: { kind, cpus, rows }, diagnostics };
}

type Counted = { readonly rows: readonly Pick<CountRow, 'id' | 'desc' | 'counts'>[] };

/**
 * after - before per row and CPU, as they are (negative where a counter went down: a reboot between
 * the copies); rows matched by id, those of one copy only or of other widths left out.
 */
export function rowDeltas(before: Counted, after: Counted): { id: string; desc: string; delta: number[] }[] {
  const prev = new Map(before.rows.map((r) => [r.id, r]));
  const out: { id: string; desc: string; delta: number[] }[] = [];
  for (const r of after.rows) {
    const b = prev.get(r.id);
    if (b === undefined || b.counts.length !== r.counts.length) continue;
    out.push({ id: r.id, desc: r.desc, delta: r.counts.map((c, i) => c - b.counts[i]!) });
  }
  return out;
}

/** rowDeltas with a counter that went down read as no increase. */
export function countDeltas(
  before: PerCpuCounts,
  after: PerCpuCounts,
): { id: string; desc: string; delta: number[] }[] {
  return rowDeltas(before, after).map((d) => ({ ...d, delta: d.delta.map((x) => Math.max(0, x)) }));
}
