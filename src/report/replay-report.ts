// Replay results -> report data (versioned, JSON-safe) -> text. The HTML report and --json read
// the same data; nothing here computes anything the replay did not.

import type { Chain } from '../analyze/chain.ts';
import type { OwnEraCheck } from '../analyze/own-era.ts';
import type { ReplayDynamic, ReplayResult, StackVerdict } from '../analyze/replay.ts';
import type { ReplayTableOutput } from '../analyze/replay-table.ts';
import type { Diagnostic } from '../base/diag.ts';
import { padLeft } from '../base/text.ts';
import type { FoldedLine } from '../formats/folded-stacks.ts';
import type { LiveFrame } from '../kernel/all-stacks-tracer.ts';
import type { StackEvent } from '../kernel/machine.ts';
import { type StackRangeData, stackRanges } from './stack-layout.ts';

export const REPORT_VERSION = '1.0';

export interface SegmentData {
  readonly stack: string;
  readonly first: string;
  readonly last: string;
  readonly frames: number;
  readonly bytes: number;
}

export interface StackVerdictData extends StackVerdict {
  /** What the kernel does about it, in words. */
  readonly how: string;
}

export interface ProfileReplayData {
  readonly profile: string;
  readonly title: string;
  readonly ownEra: boolean;
  /** Own era only: the ftrace output equals the input table byte for byte. */
  readonly reproducesInput: boolean | null;
  readonly verdicts: readonly StackVerdictData[];
  readonly combinedMax: number;
  /** The stacks' address ranges (task 0, CPU 0), where the frames are drawn. */
  readonly stacks: readonly StackRangeData[];
  /** stacklab's tracer: each stack's deepest point with the backtrace unwound across stacks (innermost first). */
  readonly deepest: readonly {
    readonly stack: string;
    readonly depth: number;
    readonly backtrace: readonly string[];
  }[];
  readonly segments: readonly SegmentData[];
  readonly frames: readonly LiveFrame[];
  readonly ftrace: {
    readonly text: string;
    readonly entries: number;
    readonly firstRow: string | null;
    readonly maxDepth: number;
    readonly stackMaxSize: number;
    readonly samplesIgnored: number;
    readonly deepestIgnored: number;
    readonly stackEndCorrupted: boolean;
  };
  readonly events: readonly { type: string; stack: string; frame: string; report?: string; what?: string }[];
  readonly notes: readonly string[];
  /** Dynamic stacks (stackAllocation `dynamic`): the chain's stack faults, pages mapped, pool left. */
  readonly dynamic?: ReplayDynamic;
}

export interface ReplayReportData {
  readonly version: string;
  readonly kind: 'stacklab.replay';
  readonly input: {
    readonly file: string;
    readonly entries: number;
    readonly maxDepth: number;
    readonly sourceEra: string;
    readonly sourceWhy: string;
  };
  readonly reading: readonly string[];
  /**
   * Own-era exactness: whether the table came back byte for byte under the era it was read as, the
   * first row that did not (counting from the outermost) with the reason, and every reading tried.
   */
  readonly ownEra: OwnEraCheck | null;
  readonly profiles: readonly ProfileReplayData[];
  readonly diagnostics: readonly { code: string; severity: string; message: string; line?: number }[];
}

/** Report data for a replay of a whole table file. */
export function replayTableData(file: string, r: ReplayTableOutput): ReplayReportData {
  return buildReplayData(file, r.canonicalInput, r.chain, r.results, r.diagnostics, r.ownEra);
}

export function buildReplayData(
  file: string,
  inputText: string | null,
  chain: Chain,
  results: readonly ReplayResult[],
  diagnostics: readonly Diagnostic[],
  ownEra: OwnEraCheck | null = null,
): ReplayReportData {
  return {
    version: REPORT_VERSION,
    kind: 'stacklab.replay',
    input: {
      file,
      entries: chain.entries,
      maxDepth: chain.maxDepth,
      sourceEra: chain.source.id,
      sourceWhy: chain.source.why,
    },
    reading: chain.reading,
    ownEra,
    profiles: results.map((r) => profileData(r, inputText)),
    diagnostics: diagnostics.map((d) => ({
      code: d.code,
      severity: d.severity,
      message: d.message,
      ...(d.loc?.line !== undefined ? { line: d.loc.line } : {}),
    })),
  };
}

function profileData(r: ReplayResult, inputText: string | null): ProfileReplayData {
  const t = r.ftrace.table;
  return {
    profile: r.profile.id,
    title: r.profile.title,
    ownEra: r.ownEra,
    reproducesInput: r.ownEra && inputText !== null ? r.ftrace.text === inputText : null,
    verdicts: r.verdicts.map((v) => ({ ...v, how: verdictHow(r, v) })),
    combinedMax: r.combinedMax,
    stacks: stackRanges(r.profile),
    deepest: [r.task, r.irq, r.overflow]
      .filter((s) => s !== undefined)
      .map((s) => ({ stack: s.stackName, depth: s.maxDepth, backtrace: s.backtrace })),
    segments: segmentsOf(r.placement),
    frames: r.placement,
    ftrace: {
      text: r.ftrace.text,
      entries: t?.rows.length ?? 0,
      firstRow: t?.rows[0]?.location.text ?? null,
      maxDepth: t?.rows[0]?.depth ?? 0,
      stackMaxSize: r.ftrace.maxSize,
      samplesIgnored: r.ftrace.samplesOffTaskStack,
      deepestIgnored: r.ftrace.deepestIgnored,
      stackEndCorrupted: r.ftrace.stackEndCorrupted,
    },
    events: r.events.map(eventData),
    notes: r.notes,
    ...(r.dynamic ? { dynamic: r.dynamic } : {}),
  };
}

function eventData(e: StackEvent): ProfileReplayData['events'][number] {
  if (e.type === 'overflow-panic' || e.type === 'stack-end-panic')
    return { type: e.type, stack: e.stack.name, frame: e.frame, report: e.report };
  if (e.type === 'dynamic-stack-panic') return { type: e.type, stack: e.stack.name, frame: e.frame };
  return { type: e.type, stack: e.stack.name, frame: e.frame, what: e.what };
}

function verdictHow(r: ReplayResult, v: StackVerdict): string {
  const p = r.profile;
  if (v.fits) return `fits, ${v.margin} B to spare`;
  const panic = r.events.find((e) => e.type === 'overflow-panic');
  if (panic) {
    return p.overflowDetection === 'arm64-vmap-sp-bit'
      ? 'overflows: the guard page faults, kernel_ventry sees SP bit THREAD_SHIFT set, panic_bad_stack() on the overflow stack'
      : 'overflows: the guard page faults, double fault, "kernel stack overflow (double-fault)"';
  }
  if (v.stack === 'irq') return 'overflows the IRQ stack into whatever lies below it: silent corruption';
  const later = p.SCHED_STACK_END_CHECK
    ? 'schedule() panics "corrupted stack end detected inside scheduler" (SCHED_STACK_END_CHECK)'
    : 'nothing notices until an oops prints "Thread overran stack, or stack corrupted"';
  return `overflows silently by ${-v.margin} B: thread_info and STACK_END_MAGIC are overwritten; ${later}`;
}

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

/** Consecutive frames on the same stack, outermost first. */
export function segmentsOf(frames: readonly LiveFrame[]): SegmentData[] {
  const out: SegmentData[] = [];
  for (const f of frames) {
    const last = out[out.length - 1];
    if (last && last.stack === f.stackName) {
      out[out.length - 1] = { ...last, last: f.name, frames: last.frames + 1, bytes: last.bytes + f.size };
    } else {
      out.push({ stack: f.stackName, first: f.name, last: f.name, frames: 1, bytes: f.size });
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
