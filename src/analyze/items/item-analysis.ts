// `stacklab analyze` over a whole log: each item the scanner (log-scanner.ts) delimits is explained
// by the analyzer that recognises its text, and reduced to a small record (kind, lines, one-line
// headline, the numbers the summary needs). Full analyses are kept only when asked (--json), so
// that a log of thousands of tables costs thousands of small records.

import { type Diagnostic, diag } from '../../base/diag.ts';
import type { ProcCountsExplanation } from '../analyzers/proc-counts.ts';
import { analyzers } from '../index.ts';
import { type Analysis, type AnalyzeOptions, analysisJson } from '../registry.ts';
import { movedReplayData, type ReplayReportData } from '../replay-data.ts';
import type { ItemFamily, ItemKey, ScannedItem } from './item.ts';

/** Which analyzers may explain an item of each family (tried in the registry's order). */
const FAMILY_ANALYZERS: Record<ItemFamily, readonly string[]> = {
  'stack-trace': ['stack-trace'],
  report: ['overflow-report', 'page-alloc-failure'],
  'stack-usage': ['stack-usage'],
  vmstat: ['vmstat', 'stack-usage'],
  meminfo: ['meminfo'],
  buddyinfo: ['buddyinfo'],
  pagetypeinfo: ['pagetypeinfo'],
  checkstack: ['checkstack'],
  'gcc-su': ['gcc-su'],
  kscan: ['irq-highwater', 'task-highwater'],
  'proc-counts': ['interrupts', 'softirqs'],
};

export interface TableFacts {
  readonly entries: number;
  readonly maxDepth: number;
  readonly sourceEra: string;
  /** Same functions in the same order (offsets and sizes aside): the same chain. */
  readonly chain: string;
  /** Same rows, byte for byte once log prefixes are gone: the same table. */
  readonly table: string;
  /** Per profile, the smallest margin of any stack (negative: short). */
  readonly margins: readonly { profile: string; stack: string; margin: number }[];
}

export interface ItemRecord {
  /** 1-based number of the item in the input (what --item takes). */
  readonly n: number;
  /** The analyzer that explained it: stack-trace, overflow-report, meminfo ... */
  readonly kind: string;
  readonly line: number;
  readonly endLine: number;
  readonly cut: boolean;
  /** Lines inside the item that are not of its kind, by line number. */
  readonly oddLines: readonly number[];
  /** The analyzer's first line, without the file name. */
  readonly headline: string;
  readonly table?: TableFacts;
  /** /proc/interrupts and /proc/softirqs: the counts, for the deltas of a before/after pair. */
  readonly counts?: ProcCountsExplanation;
  /** Only when analyses are kept: the analysis as --json shows it. */
  readonly analysis?: unknown;
}

export interface ItemAnalysis {
  readonly record: ItemRecord;
  /**
   * The analysis, its lines the input's: of this item, or of the identical table analysed first,
   * `delta` lines above it (placed() moves its diagnostics; record.analysis is moved already).
   */
  readonly output: Analysis;
  readonly delta: number;
}

/**
 * An item's one-line headline from its analysis (the first line of its text, src/report's): given by
 * the caller, so that analysis stays free of rendering.
 */
export type HeadlineOf = (kind: string, data: unknown) => string;

/** Tables seen this often are explained once: a CI log prints the same table hundreds of times. */
const CACHE_LIMIT = 256;

/** Explains items one at a time; keeps per-table analyses of identical tables once. */
export class LogItemAnalyzer {
  /** Per distinct table: its analysis and its facts, which every record of that table shares. */
  private readonly cache = new Map<
    string,
    { kind: string; line: number; output: Analysis; json: unknown; headline: string; facts?: TableFacts }
  >();
  private count = 0;
  /** Items no analyzer could use, as notices (code analyze/item-unusable). */
  readonly diagnostics: Diagnostic[] = [];
  /** Lines of scanned items that no analyzer took: they count as skipped text. */
  droppedLines = 0;
  /** A --profile / --set problem an analyzer found: not the input's fault, the run's. */
  profileError: Diagnostic | undefined;

  constructor(
    private readonly file: string,
    private readonly options: AnalyzeOptions,
    private readonly keepAnalyses: boolean,
    private readonly headlineOf: HeadlineOf,
  ) {}

  /** The item's analysis, or null when no analyzer recognises it (its lines are then skipped text). */
  add(item: ScannedItem): ItemAnalysis | null {
    const key = item.family === 'stack-trace' ? (item.key ?? null) : null;
    let hit = key ? this.cache.get(key.same) : undefined;
    if (hit === undefined) {
      const text = `${item.lines.join('\n')}\n`;
      const a = analyzers().find((x) => FAMILY_ANALYZERS[item.family].includes(x.id) && x.sniff(text));
      if (a === undefined) {
        this.droppedLines += item.endLine - item.line + 1;
        return null;
      }
      const out = a.run(text, this.file, { ...this.options, firstLine: item.line });
      if ('error' in out) {
        if (out.error.code.startsWith('profile/')) this.profileError ??= out.error;
        this.droppedLines += item.endLine - item.line + 1;
        this.diagnostics.push(
          diag(
            'analyze/item-unusable',
            'notice',
            `${a.id} at lines ${item.line}-${item.endLine}: ${out.error.message}`,
            {
              file: this.file,
              line: Math.max(item.line, out.error.loc?.line ?? item.line),
            },
          ),
        );
        return null;
      }
      hit = {
        kind: a.id,
        line: item.line,
        output: out,
        json: this.keepAnalyses ? analysisJson(a, out.data) : undefined,
        headline: this.headlineOf(a.id, out.data),
        ...(key && a.id === 'stack-trace' ? { facts: tableFacts(out.data as ReplayReportData, key) } : {}),
      };
      if (key) {
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(key.same, hit);
      }
    }
    const output = hit.output;
    const delta = item.line - hit.line;
    const record: ItemRecord = {
      n: ++this.count,
      kind: hit.kind,
      line: item.line,
      endLine: item.endLine,
      cut: item.cut,
      oddLines: item.oddLines,
      headline: hit.headline,
      ...(key && hit.kind === 'stack-trace'
        ? { table: hit.facts ?? tableFacts(output.data as ReplayReportData, key) }
        : {}),
      ...(hit.kind === 'interrupts' || hit.kind === 'softirqs'
        ? { counts: output.data as ProcCountsExplanation }
        : {}),
      ...(this.keepAnalyses
        ? { analysis: delta === 0 ? hit.json : movedReplayData(hit.json as ReplayReportData, delta) }
        : {}),
    };
    return { record, output, delta };
  }

  /** The diagnostics of an item's analysis, at their lines in the input. */
  placed(a: ItemAnalysis): readonly Diagnostic[] {
    if (a.delta === 0) return a.output.diagnostics;
    return a.output.diagnostics.map((d) =>
      d.loc?.line === undefined ? d : { ...d, loc: { ...d.loc, line: d.loc.line + a.delta } },
    );
  }
}

function tableFacts(d: ReplayReportData, key: ItemKey): TableFacts {
  return {
    entries: d.input.entries,
    maxDepth: d.input.maxDepth,
    sourceEra: d.input.sourceEra,
    chain: key.chain,
    table: key.same,
    margins: d.profiles.flatMap((p) => {
      const worst = p.verdicts.reduce<(typeof p.verdicts)[number] | undefined>(
        (w, v) => (w === undefined || v.margin < w.margin ? v : w),
        undefined,
      );
      return worst ? [{ profile: p.profile, stack: worst.stack, margin: worst.margin }] : [];
    }),
  };
}
