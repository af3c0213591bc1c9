// The analyzers of `stacklab analyze`, one list in sniffing order, as src/cli/commands/index.ts lists
// the commands: a file's first analyzer whose sniff() accepts it explains it (the whole-log scanner
// asks the ones of an item's family). Each returns data; its text is src/report's, by the same id
// (report/analysis-text/index.ts). A new kind of input is a new file in analyzers/, a line here and
// a renderer there.
import { checkstackAnalyzer } from './analyzers/checkstack.ts';
import { funcStackTraceAnalyzer } from './analyzers/func-stack-trace.ts';
import { gccSuAnalyzer } from './analyzers/gcc-su.ts';
import { irqHighWaterAnalyzer } from './analyzers/irq-highwater.ts';
import { meminfoAnalyzer, vmstatAnalyzer } from './analyzers/memory.ts';
import { buddyinfoAnalyzer, pageAllocFailureAnalyzer, pagetypeinfoAnalyzer } from './analyzers/mm.ts';
import { interruptsAnalyzer, softirqsAnalyzer } from './analyzers/proc-counts.ts';
import { overflowAnalyzer, stackTraceAnalyzer, stackUsageAnalyzer } from './analyzers/stack.ts';
import { taskHighWaterAnalyzer } from './analyzers/task-highwater.ts';
import type { Analyzer } from './registry.ts';

// Order matters where two sniffs could accept one text: the narrow formats first, the stack_trace
// and DEBUG_STACK_USAGE readers (which also find their lines inside logs) last.
const ANALYZERS: readonly Analyzer[] = Object.freeze([
  pageAllocFailureAnalyzer,
  pagetypeinfoAnalyzer,
  buddyinfoAnalyzer,
  irqHighWaterAnalyzer,
  taskHighWaterAnalyzer,
  checkstackAnalyzer,
  funcStackTraceAnalyzer,
  gccSuAnalyzer,
  meminfoAnalyzer,
  vmstatAnalyzer,
  interruptsAnalyzer,
  softirqsAnalyzer,
  overflowAnalyzer,
  stackTraceAnalyzer,
  stackUsageAnalyzer,
]);

export function analyzers(): readonly Analyzer[] {
  return ANALYZERS;
}

/** The analyzer of an id (one of analyzers()); undefined for an unknown id. */
export function analyzerById(id: string): Analyzer | undefined {
  return ANALYZERS.find((a) => a.id === id);
}
