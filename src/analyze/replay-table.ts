// stack_trace text -> table -> chain -> one replay per profile -> report data.
import { type Diagnostic, diag } from '../base/diag.ts';
import { err, ok, type Result } from '../base/result.ts';
import { parseFtraceStackTrace, type StackTraceTable } from '../formats/ftrace-stack-trace.ts';
import type { KernelProfile } from '../model/profile.ts';
import type { Chain } from './chain.ts';
import { chooseOwnEra, type OwnEraCheck } from './own-era.ts';
import { type ReplayResult, replayChain } from './replay.ts';
import { candidateSourceEras, sourceEraFor } from './source-era.ts';

/** @kernel STACK_TRACE_ENTRIES kernel/trace/trace_stack.c: the most rows a table can have. */
export const STACK_TRACE_ENTRIES = 500;
/**
 * Replays check the stack at every simulated call, as check_stack() does, so cost grows with the
 * square of the rows. Twice the kernel's cap leaves room for patched kernels and stays in seconds.
 */
const MAX_REPLAY_ROWS = 2 * STACK_TRACE_ENTRIES;

export interface ReplayTableOptions {
  /** Source era (a profile id) when detection from symbols is not wanted. */
  readonly source?: string;
  readonly kstackOffset?: number;
  /** Which table of a file with several (0-based; default the first). */
  readonly tableIndex?: number;
  /** Also replay under the table's own era when `profiles` does not hold it (the CLI default). */
  readonly withOwnEra?: boolean;
  /** The number of the text's first line in its input (a table cut out of a log). */
  readonly firstLine?: number;
}

export interface ReplayTableOutput {
  readonly table: StackTraceTable;
  readonly chain: Chain;
  readonly results: readonly ReplayResult[];
  /** The input table as t_show() prints it: what an own-era replay must give back. */
  readonly canonicalInput: string;
  /** Whether the table comes back byte for byte under its own era, and if not which row first does not, and why. */
  readonly ownEra: OwnEraCheck;
  /** Oddities of the input (parser and chain), to report on stderr. */
  readonly diagnostics: readonly Diagnostic[];
}

export function replayStackTraceText(
  text: string,
  file: string,
  profiles: readonly KernelProfile[],
  opts: ReplayTableOptions = {},
): Result<ReplayTableOutput> {
  const parsed = parseFtraceStackTrace(text, file, opts.firstLine);
  const fatal = parsed.diagnostics.find((d) => d.severity === 'error');
  if (!parsed.value || fatal)
    return err(fatal ?? diag('stack-trace/unusable', 'error', 'no usable table', { file }));
  const tables = parsed.value.tables;
  const index = opts.tableIndex ?? 0;
  const table = tables[index];
  if (!table)
    return err(
      diag('replay/no-such-table', 'error', `the file holds ${tables.length} table(s), no table ${index}`, {
        file,
      }),
    );
  if (table.rows.length === 0)
    return err(
      diag(
        'replay/empty-table',
        'error',
        table.disabled ? 'the stack tracer was disabled: the table has no rows' : 'the table has no rows',
        { file, line: table.line },
        'at least one "N) DEPTH SIZE LOCATION" row',
      ),
    );
  if (table.rows.length > MAX_REPLAY_ROWS)
    return err(
      diag(
        'replay/too-many-rows',
        'error',
        `the table has ${table.rows.length} rows; the kernel prints at most ${STACK_TRACE_ENTRIES} (STACK_TRACE_ENTRIES), and replaying this many would take minutes`,
        { file, line: table.line },
        `a stack_trace table of at most ${MAX_REPLAY_ROWS} rows`,
      ),
    );
  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  if (tables.length > 1)
    diagnostics.push(
      diag(
        'replay/several-tables',
        'notice',
        `${tables.length} tables in the file: replaying table ${index} (--table N picks another)`,
        {
          file,
          line: table.line,
        },
      ),
    );
  const given = opts.source === undefined ? null : sourceEraFor(opts.source);
  if (opts.source !== undefined && given === null)
    return err(diag('replay/unknown-source', 'error', `no built-in profile "${opts.source}"`, { file }));
  const candidates = given ? [given] : candidateSourceEras(table);
  const reading = chooseOwnEra(table, text, file, candidates, {}, opts.firstLine);
  const chain = reading.chain;
  const own = chain.source.profile;
  if (own && chain.maxDepth > own.THREAD_SIZE)
    diagnostics.push(
      diag(
        'replay/deeper-than-thread-size',
        'notice',
        `the table is ${chain.maxDepth} B deep, more than ${own.id}'s THREAD_SIZE (${own.THREAD_SIZE}): it came from a kernel with bigger stacks (KASAN doubles them); try --set THREAD_SIZE=${2 ** Math.ceil(Math.log2(chain.maxDepth + 1))}`,
        { file, line: table.line },
      ),
    );
  const withOwn =
    opts.withOwnEra && own !== null && !profiles.some((p) => p.id === own.id) ? [...profiles, own] : profiles;
  const kstack = opts.kstackOffset === undefined ? {} : { kstackOffset: opts.kstackOffset };
  // The own era's replay was run to check the reading: the same profile object replays the same.
  const results = withOwn.map((p) =>
    p === own && reading.result !== null ? reading.result : replayChain(chain, p, kstack),
  );
  if (!reading.check.exact && reading.check.firstMismatch)
    diagnostics.push(
      diag(
        'replay/not-exact',
        'notice',
        `under its own era (${chain.source.id}) the table does not come back byte for byte: row ${reading.check.firstMismatch.row} first (${reading.check.rowsWrong} row(s) differ): ${reading.check.firstMismatch.reason}`,
        { file, line: reading.check.firstMismatch.line },
      ),
    );
  return ok({
    table,
    chain,
    results,
    canonicalInput: canonicalText(table),
    ownEra: reading.check,
    diagnostics: [...diagnostics, ...chain.diagnostics],
  });
}

/** The input table as t_show() would print it (so prefixed or re-indented copies still compare). */
/** The first table of `text` as t_show() prints it (log prefixes gone, the layout fixed), if it has one. */
export function canonicalTableText(text: string, file: string): string | undefined {
  const t = parseFtraceStackTrace(text, file).value?.tables[0];
  return t === undefined ? undefined : canonicalText(t);
}

function canonicalText(t: StackTraceTable): string {
  let s = `        Depth    Size   Location    (${t.declaredEntries} entries)\n        -----    ----   --------\n`;
  for (const r of t.rows)
    s += `${String(r.index).padStart(3)}) ${String(r.depth).padStart(8)}   ${String(r.size).padStart(5)}   ${r.location.text}\n`;
  return s;
}
