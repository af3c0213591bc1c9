// The text of each analyzer's explanation (src/analyze/index.ts lists the analyzers), one renderer
// per analyzer id in one map: `stacklab analyze` prints it, the log summary takes its first line as
// an item's headline, the report page's drop zone shows it. A test checks that every analyzer has one.
import { assertExists } from '../../base/assert.ts';
import { renderCheckstack } from './checkstack.ts';
import { renderFuncStackTrace } from './func-stack-trace.ts';
import { renderGccSu } from './gcc-su.ts';
import { renderMeminfo, renderVmstat } from './memory.ts';
import { renderPageAllocFailure, renderZones } from './mm.ts';
import { renderProcCounts } from './proc-counts.ts';
import { renderOverflow, renderStackTrace, renderStackUsage } from './stack.ts';
import { renderIrqHighWater, renderTaskHighWater } from './stack-pricing.ts';

/** An explanation's text; `file` names the input in its first line, as every analyzer's text did. */
export type AnalysisRenderer = (data: unknown, file: string) => string;

const RENDERERS: Readonly<Record<string, AnalysisRenderer>> = Object.freeze({
  'page-alloc-failure': renderPageAllocFailure,
  pagetypeinfo: renderZones,
  buddyinfo: renderZones,
  'irq-highwater': renderIrqHighWater,
  'task-highwater': renderTaskHighWater,
  checkstack: renderCheckstack,
  'func-stack-trace': renderFuncStackTrace,
  'gcc-su': renderGccSu,
  meminfo: renderMeminfo,
  vmstat: renderVmstat,
  interrupts: renderProcCounts,
  softirqs: renderProcCounts,
  'overflow-report': renderOverflow,
  'stack-trace': renderStackTrace,
  'stack-usage': renderStackUsage,
});

/** Whether an analyzer id has a text renderer. */
export function hasAnalysisText(id: string): boolean {
  return Object.hasOwn(RENDERERS, id);
}

/** The text of analyzer `id`'s explanation `data` of `file`. */
export function renderAnalysis(id: string, data: unknown, file: string): string {
  return assertExists(RENDERERS[id], `no text renderer for analyzer ${id}`)(data, file);
}

/**
 * The first line of an explanation's text, without the "FILE: " it starts with; when that only names
 * the format ("/proc/meminfo"), with the line after it, which says what it holds. What the log
 * summary lists for an item.
 */
export function analysisHeadline(text: string, file: string): string {
  const lines = text.split('\n', 3);
  const first = lines[0] ?? '';
  const own = first.startsWith(`${file}: `) ? first.slice(file.length + 2) : first;
  const next = (lines[1] ?? '').trim().replace(/:$/, '');
  const line = own.length <= 30 && next !== '' ? `${own}: ${next}` : own;
  // A copy, not a slice: a slice would keep the whole analysis text alive for as long as the record.
  return line.split('').join('');
}
