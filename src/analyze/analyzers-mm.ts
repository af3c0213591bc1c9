// The page-allocator analyzers of `stacklab analyze`: page allocation failure / OOM reports,
// /proc/pagetypeinfo and /proc/buddyinfo. Importing this module registers them.
import { parseBuddyinfo, sniffBuddyinfo } from '../formats/buddyinfo.ts';
import { parsePageAllocFailure, sniffPageAllocFailure } from '../formats/page-alloc-failure.ts';
import { parsePagetypeinfo, sniffPagetypeinfo } from '../formats/pagetypeinfo.ts';
import { explainBuddyinfo, explainPagetypeinfo, renderFragmentation } from './buddyinfo.ts';
import { explainPageAllocFailure, renderPafExplanation } from './page-alloc-failure.ts';
import { type Analyzer, registerAnalyzer } from './registry.ts';

export const pageAllocFailureAnalyzer: Analyzer = {
  id: 'page-alloc-failure',
  describes: 'a kernel "page allocation failure: order:N" or OOM report with its Mem-Info block',
  sniff: sniffPageAllocFailure,
  run(text, file) {
    const p = parsePageAllocFailure(text, file);
    const error = p.diagnostics.find((d) => d.severity === 'error');
    if (!p.value || error) return { error: error ?? p.diagnostics[0]! };
    const e = explainPageAllocFailure(p.value);
    return { text: renderPafExplanation(e), data: e, diagnostics: p.diagnostics };
  },
};

export const pagetypeinfoAnalyzer: Analyzer = {
  id: 'pagetypeinfo',
  describes: '/proc/pagetypeinfo (free blocks per migratetype, pageblocks per type)',
  sniff: sniffPagetypeinfo,
  run(text, file) {
    const p = parsePagetypeinfo(text, file);
    const error = p.diagnostics.find((d) => d.severity === 'error');
    if (!p.value || error) return { error: error ?? p.diagnostics[0]! };
    const zs = explainPagetypeinfo(p.value);
    return { text: renderFragmentation(zs), data: { zones: zs }, diagnostics: p.diagnostics };
  },
};

export const buddyinfoAnalyzer: Analyzer = {
  id: 'buddyinfo',
  describes: '/proc/buddyinfo (free blocks per order)',
  sniff: sniffBuddyinfo,
  run(text, file) {
    const p = parseBuddyinfo(text, file);
    const error = p.diagnostics.find((d) => d.severity === 'error');
    if (!p.value || error) return { error: error ?? p.diagnostics[0]! };
    const zs = explainBuddyinfo(p.value);
    return { text: renderFragmentation(zs), data: { zones: zs }, diagnostics: p.diagnostics };
  },
};

registerAnalyzer(pageAllocFailureAnalyzer);
registerAnalyzer(pagetypeinfoAnalyzer);
registerAnalyzer(buddyinfoAnalyzer);
