// An experiment's end state as the kernel's own files, byte for byte in their formats, so the same
// readers (and `stacklab analyze`) take simulated and real captures alike.

import type { MmRunResult } from '../device/experiment.ts';
import { printBuddyinfo } from '../formats/buddyinfo.ts';
import { printExtfragIndex, printUnusableIndex } from '../formats/extfrag-index.ts';
import { printPagetypeinfo } from '../formats/pagetypeinfo.ts';
import { printVmstat } from '../formats/vmstat.ts';

/** File name -> contents: buddyinfo, pagetypeinfo, vmstat, unusable_index, extfrag_index. */
export function mmProcFiles(r: MmRunResult): Record<string, string> {
  const z = r.zone;
  const zoneRow = { node: 0, zone: z.zone };
  return {
    buddyinfo: printBuddyinfo({ zones: [{ ...zoneRow, nrFree: z.nrFree }] }),
    pagetypeinfo: printPagetypeinfo({
      pageblockOrder: z.pageblockOrder,
      pagesPerBlock: 2 ** z.pageblockOrder,
      orders: z.nrFree.length,
      free: z.freeByType.map((f) => ({ ...zoneRow, type: f.type, counts: f.counts })),
      blockTypes: z.blockTypes,
      blocks: [{ ...zoneRow, counts: z.blockCounts }],
      // As with CONFIG_PAGE_OWNER and page_owner=on: pageblocks holding pages of another type.
      mixedTypes: z.blockTypes,
      mixed: [{ ...zoneRow, counts: z.mixedCounts }],
    }),
    vmstat: printVmstat(r.vmstat),
    unusable_index: printUnusableIndex([{ ...zoneRow, index: z.unusableIndex }]),
    extfrag_index: printExtfragIndex([{ ...zoneRow, index: z.extfragIndex }]),
  };
}
