// A chain made by hand for tests: items as given, read by no era (replayChain replays it anywhere).
import type { Chain, ChainItem } from '../../src/analyze/chain.ts';
import { unmodelledEra } from '../../src/analyze/source-era.ts';

export function generatedChain(items: ChainItem[]): Chain {
  return {
    source: unmodelledEra('generated', 'generated', 'frame-bottom'),
    items,
    maxDepth: 0,
    entries: 0,
    reading: [],
    diagnostics: [],
  };
}
