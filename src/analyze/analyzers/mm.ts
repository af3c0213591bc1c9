// The page-allocator analyzers of `stacklab analyze`: page allocation failure / OOM reports,
// /proc/pagetypeinfo and /proc/buddyinfo. The text is report/analysis-text/mm.ts.

import { parseBuddyinfo, sniffBuddyinfo } from '../../formats/buddyinfo.ts';
import { parsePageAllocFailure, sniffPageAllocFailure } from '../../formats/page-alloc-failure.ts';
import { parsePagetypeinfo, sniffPagetypeinfo } from '../../formats/pagetypeinfo.ts';
import { explainBuddyinfo, explainPagetypeinfo } from '../buddyinfo.ts';
import { explainPageAllocFailure } from '../page-alloc-failure.ts';
import { type Analyzer, parsedValue } from '../registry.ts';

export const pageAllocFailureAnalyzer: Analyzer = {
  id: 'page-alloc-failure',
  describes: 'a kernel "page allocation failure: order:N" or OOM report with its Mem-Info block',
  sniff: sniffPageAllocFailure,
  run(text, file, opts) {
    const p = parsePageAllocFailure(text, file, opts.firstLine);
    const v = parsedValue(p, file, { code: 'page-alloc-failure/empty', message: 'no failure report found' });
    if ('error' in v) return v;
    return { data: explainPageAllocFailure(v.value), diagnostics: p.diagnostics };
  },
};

export const pagetypeinfoAnalyzer: Analyzer = {
  id: 'pagetypeinfo',
  describes: '/proc/pagetypeinfo (free blocks per migratetype, pageblocks per type)',
  sniff: sniffPagetypeinfo,
  run(text, file, opts) {
    const p = parsePagetypeinfo(text, file, opts.firstLine);
    const v = parsedValue(p, file, { code: 'pagetypeinfo/empty', message: 'no pagetypeinfo tables found' });
    if ('error' in v) return v;
    const zs = explainPagetypeinfo(v.value);
    return { data: { zones: zs }, diagnostics: p.diagnostics };
  },
};

export const buddyinfoAnalyzer: Analyzer = {
  id: 'buddyinfo',
  describes: '/proc/buddyinfo (free blocks per order)',
  sniff: sniffBuddyinfo,
  run(text, file, opts) {
    const p = parseBuddyinfo(text, file, opts.firstLine);
    const v = parsedValue(p, file, { code: 'buddyinfo/empty', message: 'no buddyinfo rows found' });
    if ('error' in v) return v;
    const zs = explainBuddyinfo(v.value);
    return { data: { zones: zs }, diagnostics: p.diagnostics };
  },
};
