// Own-era exactness as a contract: a table is read under each candidate era in turn and replayed on
// that era's profile until one gives it back byte for byte. When none does, the answer says which
// row comes back wrong first (counting from the outermost row, since every Depth is measured from
// the top of the stack and an error there shifts everything inside it), why, and which readings
// were tried. A shorter table is never printed silently.
import type { Diagnostic } from '../base/diag.ts';
import { splitLines } from '../base/text.ts';
import type { StackTraceRow, StackTraceTable } from '../formats/ftrace-stack-trace.ts';
import type { KernelProfile } from '../model/profile.ts';
import { type Chain, rebuildChain } from './chain.ts';
import { type ReplayOptions, type ReplayResult, replayChain } from './replay.ts';
import type { SourceEra } from './source-era.ts';

/** One row of the input that the own-era replay does not give back. */
export interface RowMismatch {
  /** Row index as printed ("N)"). */
  readonly row: number;
  /** 1-based line of the row in the input. */
  readonly line: number;
  /** The row as t_show() prints it. */
  readonly expected: string;
  /** What the replay printed for that row, or null when its table has no such row. */
  readonly got: string | null;
  readonly reason: string;
}

/** A reading that was tried, and how far it got. */
export interface ReadingTried {
  readonly era: string;
  readonly why: string;
  readonly exact: boolean;
  /** The first row (from the outermost) it gets wrong, when not exact. */
  readonly firstMismatchRow: number | null;
  readonly rowsWrong: number;
}

export interface OwnEraCheck {
  /** False when stacklab has no profile for the table's architecture (32-bit arm, ppc64): nothing to compare. */
  readonly replayed: boolean;
  /** The chosen reading's own-era replay prints the input table byte for byte. */
  readonly exact: boolean;
  /** The input's rows differ from t_show()'s layout only in whitespace (a mail client collapsed it). */
  readonly whitespaceNormalised: boolean;
  /** The first row it gets wrong, counting from the outermost; null when exact or not replayable. */
  readonly firstMismatch: RowMismatch | null;
  readonly rowsWrong: number;
  readonly tried: readonly ReadingTried[];
}

export interface OwnEraReading {
  readonly chain: Chain;
  /** The profile the reading replays under (its era's; replayChain turns signing on for a pointer-authentication reading). */
  readonly profile: KernelProfile | null;
  readonly result: ReplayResult | null;
  readonly check: OwnEraCheck;
}

/** The row text t_show() prints ("%3ld) %8d   %5d   %pS"). */
export function rowText(r: {
  index: number;
  depth: number;
  size: number;
  location: { text: string };
}): string {
  return `${String(r.index).padStart(3)}) ${String(r.depth).padStart(8)}   ${String(r.size).padStart(5)}   ${r.location.text}`;
}

/**
 * Reads `table` under each of `candidates` (best first) and replays it on that era: the first exact
 * one wins; otherwise the one that gets the most rows right (the first candidate on a tie).
 */
export function chooseOwnEra(
  table: StackTraceTable,
  text: string,
  file: string,
  candidates: readonly SourceEra[],
  opts: ReplayOptions = {},
  firstLine = 1,
): OwnEraReading {
  const readings: {
    chain: Chain;
    profile: KernelProfile | null;
    result: ReplayResult | null;
    wrong: RowMismatch[];
  }[] = [];
  for (const era of candidates) {
    const chain = rebuildChain(table, file, era);
    const profile = era.profile;
    const result = profile ? replayChain(chain, profile, opts) : null;
    const wrong = result ? compareRows(table, result, chain.diagnostics) : [];
    readings.push({ chain, profile, result, wrong });
    if (result && wrong.length === 0) break;
  }
  const replayable = readings.filter((r) => r.result !== null);
  const best =
    replayable.find((r) => r.wrong.length === 0) ??
    [...replayable].sort((a, b) => a.wrong.length - b.wrong.length)[0] ??
    readings[0]!;
  const tried: ReadingTried[] = readings
    .filter((r) => r.result !== null)
    .map((r) => ({
      era: r.chain.source.id + (r.chain.source.pointerAuth ? ' (pointer authentication)' : ''),
      why: r.chain.source.why,
      exact: r.wrong.length === 0,
      firstMismatchRow: r.wrong[0]?.row ?? null,
      rowsWrong: r.wrong.length,
    }));
  return {
    chain: best.chain,
    profile: best.profile,
    result: best.result,
    check: {
      replayed: best.result !== null,
      exact: best.result !== null && best.wrong.length === 0,
      whitespaceNormalised: whitespaceNormalised(text, table, firstLine),
      firstMismatch: best.wrong[0] ?? null,
      rowsWrong: best.wrong.length,
      tried,
    },
  };
}

/**
 * The rows the replay gets wrong, outermost first, aligned from the outermost row (the stack's top
 * is where both tables start). Each carries the reason: the reading's own note about that row when
 * it made one, else what differs.
 */
export function compareRows(
  table: StackTraceTable,
  result: ReplayResult,
  diagnostics: readonly Diagnostic[],
): RowMismatch[] {
  const input = table.rows;
  const output = result.ftrace.table?.rows ?? [];
  const out: RowMismatch[] = [];
  for (let back = 1; back <= input.length; back++) {
    const want = input[input.length - back]!;
    const i = output.length - back;
    const o = output[i];
    const expected = rowText(want);
    if (o === undefined) {
      out.push({
        row: want.index,
        line: want.line,
        expected,
        got: null,
        reason: reasonFor(want, undefined, diagnostics, output.length, input.length),
      });
      continue;
    }
    // Compared without the row number: a table with rows missing inside still matches outside them.
    const got = rowText({ index: want.index, depth: o.depth, size: sizeOf(output, i), location: o.location });
    if (got !== expected)
      out.push({
        row: want.index,
        line: want.line,
        expected,
        got,
        reason: reasonFor(want, o, diagnostics, output.length, input.length),
      });
  }
  if (output.length > input.length && input[0]) {
    const extra = output.length - input.length;
    out.push({
      row: 0,
      line: input[0].line,
      expected: rowText(input[0]),
      got: rowText({ ...output[0]!, index: 0, size: sizeOf(output, 0) }),
      reason: `the replay printed ${extra} row(s) more than the table, inside row 0: the scan found return addresses the kernel's did not`,
    });
  }
  return out;
}

function sizeOf(rows: readonly { depth: number }[], i: number): number {
  return i + 1 < rows.length ? rows[i]!.depth - rows[i + 1]!.depth : (rows[i]?.depth ?? 0);
}

function reasonFor(
  want: StackTraceRow,
  got: { depth: number; location: { text: string } } | undefined,
  diagnostics: readonly Diagnostic[],
  gotRows: number,
  wantRows: number,
): string {
  const own = diagnostics.find((d) => d.loc?.line === want.line && d.code.startsWith('replay/'));
  if (own) return `${own.message} [${own.code}]`;
  if (got === undefined)
    return `the replayed table has ${gotRows} rows, the input ${wantRows}: its scan found no return address for this row (the chain lost the frames from here inward)`;
  if (got.location.text !== want.location.text)
    return `the replayed stack held ${got.location.text} here: a frame outside this row is laid out differently than the table implies`;
  return `found ${got.depth > want.depth ? got.depth - want.depth : want.depth - got.depth} B ${got.depth > want.depth ? 'deeper' : 'shallower'} than the table's Depth ${want.depth}: the frames between this row and the next one out are not the sizes the table implies`;
}

/** Whether the input's row lines match t_show()'s layout only after collapsing whitespace. */
function whitespaceNormalised(text: string, table: StackTraceTable, firstLine: number): boolean {
  const lines = splitLines(text);
  const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
  for (const r of table.rows) {
    const raw = (lines[r.line - firstLine]?.text ?? '').trimEnd();
    const want = rowText(r).trimStart();
    if (raw.endsWith(want)) continue;
    if (squash(raw).endsWith(squash(want))) return true;
  }
  return false;
}
