// Replay results -> report data (versioned, JSON-safe): what `stacklab replay --json`, the
// stack-trace analyzer of `stacklab analyze` and the HTML report read. Nothing here computes anything
// the replay did not; the text and the views of this data are src/report's (replay-report.ts).

import type { Diagnostic } from '../base/diag.ts';
import type { LiveFrame } from '../kernel/all-stacks-tracer.ts';
import type { StackEvent } from '../kernel/machine.ts';
import type { Chain } from './chain.ts';
import type { OwnEraCheck } from './own-era.ts';
import type { ReplayDynamic, ReplayResult, StackVerdict } from './replay.ts';
import type { ReplayTableOutput } from './replay-table.ts';
import { type StackRangeData, stackRanges } from './stack-ranges.ts';

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

/**
 * The same data with every input line it names moved by `delta`: the analysis of an identical table
 * printed `delta` lines further down a log.
 */
export function movedReplayData(d: ReplayReportData, delta: number): ReplayReportData {
  if (delta === 0) return d;
  const m = d.ownEra?.firstMismatch;
  return {
    ...d,
    ownEra: d.ownEra && m ? { ...d.ownEra, firstMismatch: { ...m, line: m.line + delta } } : d.ownEra,
    diagnostics: d.diagnostics.map((x) => (x.line === undefined ? x : { ...x, line: x.line + delta })),
  };
}
