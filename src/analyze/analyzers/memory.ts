// `stacklab analyze` on /proc/meminfo and /proc/vmstat: what the kernel stacks hold now
// (KernelStack / nr_kernel_stack, in kB), what the same tasks would hold under each design's
// THREAD_SIZE, and, from vmstat, how often the page allocator has had to stall since boot.
// The text is report/analysis-text/memory.ts.

import { diag } from '../../base/diag.ts';
import { parseMeminfo, sniffMeminfo } from '../../formats/meminfo.ts';
import { parseVmstat, sniffVmstat } from '../../formats/vmstat.ts';
import type { KernelProfile } from '../../model/profile.ts';
import { analyzeProfiles } from '../analyze-profiles.ts';
import { type Analyzer, parsedValue } from '../registry.ts';

export interface KernelStackExplanation {
  /** KernelStack: / nr_kernel_stack, kB (every task's THREAD_SIZE, vmalloc'ed or not; fs/proc/meminfo.c). */
  readonly kernelStackKb: number;
  readonly memTotalKb: number | undefined;
  /** Per profile: how many stacks of its THREAD_SIZE that is, and what those tasks would hold under each other one. */
  readonly profiles: readonly { id: string; THREAD_SIZE: number; stacks: number }[];
}

export interface VmstatExplanation {
  readonly kernelStack: KernelStackExplanation | undefined;
  /** Since boot: direct reclaim stalls (allocstall_*), compaction stalls and their outcome, OOM kills. */
  readonly allocstall: number;
  readonly compactStall: number;
  readonly compactFail: number;
  readonly compactSuccess: number;
  readonly pgscanDirect: number;
  readonly pgscanKswapd: number;
  readonly oomKill: number | undefined;
}

export function explainKernelStack(
  kernelStackKb: number,
  memTotalKb: number | undefined,
  profiles: readonly KernelProfile[],
): KernelStackExplanation {
  return {
    kernelStackKb,
    memTotalKb,
    profiles: profiles.map((p) => ({
      id: p.id,
      THREAD_SIZE: p.THREAD_SIZE,
      stacks: (kernelStackKb * 1024) / p.THREAD_SIZE,
    })),
  };
}

export const meminfoAnalyzer: Analyzer = {
  id: 'meminfo',
  describes: '/proc/meminfo (KernelStack: what the task stacks hold, under each design)',
  sniff: sniffMeminfo,
  run(text, file, opts) {
    const p = parseMeminfo(text, file, opts.firstLine);
    const m = parsedValue(p, file, { code: 'meminfo/empty', message: 'no meminfo lines' });
    if ('error' in m) return m;
    const ks = m.value.values.get('KernelStack');
    if (ks === undefined)
      return {
        error: diag(
          'meminfo/no-kernel-stack',
          'error',
          'no KernelStack: line (kernels before 2.6.32 lack it)',
          {
            file,
          },
        ),
      };
    const ps = analyzeProfiles(opts);
    if (!ps.ok) return { error: ps.error };
    const x = explainKernelStack(ks, m.value.values.get('MemTotal'), ps.value);
    return { data: x, diagnostics: p.diagnostics };
  },
};

export const vmstatAnalyzer: Analyzer = {
  id: 'vmstat',
  describes: '/proc/vmstat (nr_kernel_stack, allocation stalls, compaction, OOM kills since boot)',
  // A 6.12+ vmstat with the kstack_* histogram (DEBUG_STACK_USAGE) is left to the stack-usage analyzer.
  sniff: (text) => sniffVmstat(text) && !/^[ \t]*kstack_\d+k\s/m.test(text),
  run(text, file, opts) {
    const p = parseVmstat(text, file, opts.firstLine);
    const parsed = parsedValue(p, file, { code: 'vmstat/empty', message: 'no vmstat lines' });
    if ('error' in parsed) return parsed;
    const v = parsed.value.values;
    const ps = analyzeProfiles(opts);
    if (!ps.ok) return { error: ps.error };
    const sum = (prefix: string) => {
      let n = 0;
      for (const [k, val] of v) if (k.startsWith(prefix)) n += val;
      return n;
    };
    const ks = v.get('nr_kernel_stack');
    const x: VmstatExplanation = {
      kernelStack: ks === undefined ? undefined : explainKernelStack(ks, undefined, ps.value),
      // allocstall (before 4.8) or allocstall_<zone>; pgscan_direct (4.8+) or pgscan_direct_<zone>.
      allocstall: sum('allocstall'),
      compactStall: v.get('compact_stall') ?? 0,
      compactFail: v.get('compact_fail') ?? 0,
      compactSuccess: v.get('compact_success') ?? 0,
      pgscanDirect: v.get('pgscan_direct') ?? sum('pgscan_direct_'),
      pgscanKswapd: v.get('pgscan_kswapd') ?? sum('pgscan_kswapd_'),
      oomKill: v.get('oom_kill'),
    };
    return { data: x, diagnostics: p.diagnostics };
  },
};
