// The analyzers of `stacklab analyze`, one list in sniffing order: a file's first analyzer whose
// sniff() accepts it explains it (the whole-log scanner asks the ones of an item's family). A new
// kind of input is a new file in this folder and a line here.
import type { Analyzer } from '../../analyze/registry.ts';
import { checkstackAnalyzer } from './checkstack.ts';
import { gccSuAnalyzer } from './gcc-su.ts';
import { meminfoAnalyzer, vmstatAnalyzer } from './memory.ts';
import { buddyinfoAnalyzer, pageAllocFailureAnalyzer, pagetypeinfoAnalyzer } from './mm.ts';
import { overflowAnalyzer, stackTraceAnalyzer, stackUsageAnalyzer } from './stack.ts';
import { taskHighWaterAnalyzer } from './stack-pricing.ts';

// Order matters where two sniffs could accept one text: the narrow formats first, the stack_trace
// and DEBUG_STACK_USAGE readers (which also find their lines inside logs) last.
const ANALYZERS: readonly Analyzer[] = Object.freeze([
  pageAllocFailureAnalyzer,
  pagetypeinfoAnalyzer,
  buddyinfoAnalyzer,
  taskHighWaterAnalyzer,
  checkstackAnalyzer,
  gccSuAnalyzer,
  meminfoAnalyzer,
  vmstatAnalyzer,
  overflowAnalyzer,
  stackTraceAnalyzer,
  stackUsageAnalyzer,
]);

export function analyzers(): readonly Analyzer[] {
  return ANALYZERS;
}
