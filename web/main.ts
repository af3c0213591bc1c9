// The report page's script (bundled by esbuild into every report). The page is complete without
// it; this adds tooltips, flame-graph zoom, depth-time zoom, the theme switch and the drop zone.
import { initDepthTime } from './depth-time.ts';
import { initDrop } from './drop.ts';
import { initFlames } from './flame.ts';
import { initTheme } from './theme.ts';
import { initTips } from './tooltip.ts';

document.documentElement.classList.add('js');
initTheme();
initTips();
initFlames();
initDepthTime();
initDrop();
