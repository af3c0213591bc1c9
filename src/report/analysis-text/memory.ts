// The text of the /proc/meminfo and /proc/vmstat analyzers (src/analyze/analyzers/memory.ts).
import type { KernelStackExplanation, VmstatExplanation } from '../../analyze/analyzers/memory.ts';

function renderKernelStack(x: KernelStackExplanation): string {
  const share = x.memTotalKb ? ` (${((x.kernelStackKb / x.memTotalKb) * 100).toFixed(2)} % of MemTotal)` : '';
  let s = `  kernel stacks hold ${x.kernelStackKb} kB now${share}:\n`;
  for (const p of x.profiles) {
    // Not always a whole number on a real kernel (fork-256M's 828 kB is 51.75 x 16 KB): only its size is meant.
    s += `    ${p.id.padEnd(12)} THREAD_SIZE ${String(p.THREAD_SIZE).padStart(5)}: about ${p.stacks.toFixed(1)} stacks\n`;
  }
  const sizes = [...new Set(x.profiles.map((p) => p.THREAD_SIZE))].sort((a, b) => a - b);
  if (sizes.length > 1) {
    const big = sizes[sizes.length - 1]!;
    const small = sizes[0]!;
    s += `  if these are ${big / 1024} KB stacks, ${small / 1024} KB stacks would hold ${(x.kernelStackKb * small) / big} kB for the same tasks (${x.kernelStackKb - (x.kernelStackKb * small) / big} kB less)\n`;
  }
  return s;
}

export function renderVmstat(data: unknown, file: string): string {
  const x = data as VmstatExplanation;
  let s = `${file}: /proc/vmstat\n`;
  if (x.kernelStack) s += renderKernelStack(x.kernelStack);
  s += '  page allocator slow path since boot:\n';
  s += `    direct reclaim stalls (allocstall_*)   ${x.allocstall}\n`;
  s += `    direct compaction stalls               ${x.compactStall} (${x.compactSuccess} succeeded, ${x.compactFail} failed)\n`;
  s += `    pages scanned: direct ${x.pgscanDirect}, kswapd ${x.pgscanKswapd}\n`;
  if (x.oomKill !== undefined) s += `    OOM kills                              ${x.oomKill}\n`;
  s +=
    x.allocstall + x.compactStall === 0
      ? '  no allocation has had to stall: every stack allocation was served from free pages (or by kswapd in time)\n'
      : '  stalls are allocations (an order-2 stack among them) that waited for reclaim or compaction; `stacklab mm compare` shows what 16 KB, 8 KB and vmalloc stacks cost\n';
  s +=
    '  (counters are totals since boot: take two copies around a workload, as `stacklab mm validate` does, for rates)\n';
  return s;
}

export function renderMeminfo(data: unknown, file: string): string {
  return `${file}: /proc/meminfo\n${renderKernelStack(data as KernelStackExplanation)}`;
}
