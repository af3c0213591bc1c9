// Kernel symbols that tell a replay what a stack_trace row is: exception vectors (and which kind of
// exception), entry-code C functions, softirq plumbing and the tracer's own functions. Names per
// era and architecture, as they appear in real tables (arm64 4.x/6.x, x86_64, 32-bit arm, ppc64).
import { BUILTIN_PROFILES } from './profiles.ts';

/** What an exception vector symbol starts. */
export type VectorKind = 'syscall' | 'el0-irq' | 'el1-irq' | 'el1-sync' | 'kthread';

const VECTORS: Record<string, VectorKind> = {
  // arm64 2015 (entry.S)
  el0_svc_naked: 'syscall',
  el0_svc: 'syscall',
  el0_sync: 'syscall',
  el0_svc_compat: 'syscall',
  el0_sync_compat: 'syscall',
  el0_irq: 'el0-irq',
  el0_irq_naked: 'el0-irq',
  el0_irq_compat: 'el0-irq',
  el1_irq: 'el1-irq',
  el1_sync: 'el1-sync',
  el1_da: 'el1-sync',
  el1_ia: 'el1-sync',
  el1_sp_pc: 'el1-sync',
  el1_undef: 'el1-sync',
  el1_dbg: 'el1-sync',
  el1_inv: 'el1-sync',
  ret_from_fork: 'kthread',
  // arm64 5.x/6.x (entry.S vectors)
  el0t_64_sync: 'syscall',
  el0t_32_sync: 'syscall',
  el0t_64_irq: 'el0-irq',
  el0t_32_irq: 'el0-irq',
  el1h_64_irq: 'el1-irq',
  el1h_64_sync: 'el1-sync',
  // x86_64
  entry_SYSCALL_64_after_hwframe: 'syscall',
  entry_SYSCALL_64: 'syscall',
  entry_SYSCALL_64_fastpath: 'syscall',
  system_call_fastpath: 'syscall',
  system_call: 'syscall',
  asm_sysvec_apic_timer_interrupt: 'el1-irq',
  asm_common_interrupt: 'el1-irq',
  apic_timer_interrupt: 'el1-irq',
  common_interrupt: 'el1-irq',
  asm_exc_page_fault: 'el1-sync',
  page_fault: 'el1-sync',
  // 32-bit arm
  ret_fast_syscall: 'syscall',
  vector_swi: 'syscall',
  __irq_svc: 'el1-irq',
  __irq_usr: 'el0-irq',
  __dabt_svc: 'el1-sync',
  // ppc64
  system_call_common: 'syscall',
  data_access_common_virt: 'el1-sync',
  hardware_interrupt_common_virt: 'el1-irq',
};

export function vectorKind(fn: string): VectorKind | undefined {
  return Object.hasOwn(VECTORS, fn) ? VECTORS[fn] : undefined;
}

/** C functions that are part of some profile's entry code (dropped and re-supplied by the target profile). */
const ENTRY_C = new Set<string>([
  ...BUILTIN_PROFILES.flatMap((p) => [
    ...p.entry.syscall.frames,
    ...p.entry.el1Irq.frames,
    ...p.entry.el0Irq.frames,
    ...p.entry.el1Sync.frames,
  ]).map((f) => f.name),
  'el0_svc_common',
  // arm64 5.x C entry (before the el0t_/el1h_ names of 5.11)
  'el0_sync_handler',
  'el1_sync_handler',
  'el0_svc_handler',
  'el0_sync_compat_handler',
  'do_el0_svc',
  'el0t_32_sync_handler',
  'el0t_32_irq_handler',
  'el1h_64_fiq_handler',
  'do_el0_svc_compat',
  // ppc64 / x86 C entry
  'system_call_exception',
]);

export function isEntryC(fn: string): boolean {
  return ENTRY_C.has(fn) || ENTRY_C.has(fn.replace(/\.(constprop|isra|part|cold)\.\d+$/, ''));
}

/** Softirq plumbing that each profile supplies itself (dropped from a source chain). */
const SOFTIRQ_PLUMBING = new Set<string>([
  ...BUILTIN_PROFILES.flatMap((p) => [
    ...p.softirq.irqExitFrames,
    ...p.softirq.ownStackFrames,
    ...p.softirq.afterSwitchFrames,
  ]).map((f) => f.name),
  'call_on_irq_stack',
  'invoke_softirq',
  'irq_exit',
  '____do_softirq',
  'do_softirq_own_stack',
]);

export function isSoftirqPlumbing(fn: string): boolean {
  return SOFTIRQ_PLUMBING.has(fn);
}

/** Softirq entry: the function that runs the pending handlers. */
export const SOFTIRQ_ENTRY = '__do_softirq';

/**
 * The functions that run the pending softirq handlers: __do_softirq, and handle_softirqs, which does
 * the work since 6.9 (and in the 6.1 stable backport Debian ships) with __do_softirq a 16 B wrapper
 * around it, or inlined into it (PREEMPT_RT's __local_bh_enable_ip calls it directly). [S 6.1.192, 6.12.117 kernel/softirq.c]
 */
export function isSoftirqEntry(fn: string): boolean {
  return fn === SOFTIRQ_ENTRY || fn === 'handle_softirqs';
}

/**
 * Code the entry path runs on the interrupted stack after the hard IRQ handler has returned, before
 * the exception returns: preemption (arm64 el1_preempt / arm64_preempt_schedule_irq, x86
 * irqentry_exit_cond_resched). The IRQ is over: nothing here runs on the IRQ stack, and another IRQ
 * may arrive. [S 4.19 entry.S el1_preempt, 6.1/6.12 entry-common.c __el1_irq]
 */
export function isPreemptOnIrqExit(fn: string): boolean {
  return /^((arm64_)?preempt_schedule_irq|el1_preempt|(raw_)?irqentry_exit_cond_resched)$/.test(fn);
}

/** What lies outside __do_softirq tells the path it was entered from. */
export function softirqPathOf(outerFn: string): 'irq-exit' | 'bh-enable' | 'ksoftirqd' | undefined {
  if (/^(__)?irq_exit(_rcu)?$|^invoke_softirq$/.test(outerFn)) return 'irq-exit';
  if (/^run_ksoftirqd$|^smpboot_thread_fn$/.test(outerFn)) return 'ksoftirqd';
  if (
    /^(do_softirq|__local_bh_enable_ip|local_bh_enable|_local_bh_enable|netif_rx_ni|__netif_rx)$/.test(
      outerFn,
    )
  )
    return 'bh-enable';
  return undefined;
}

/** The function tracer's own code: trampolines, list funcs and the stack tracer callback. */
const TRACER = new Set([
  'ftrace_call',
  'ftrace_caller',
  'ftrace_regs_call',
  'ftrace_regs_caller',
  'ftrace_graph_call',
  'ftrace_common',
  'ftrace_ops_no_ops',
  'ftrace_ops_list_func',
  '__ftrace_ops_list_func',
  'arch_ftrace_ops_list_func',
  'ftrace_ops_assist_func',
  'stack_trace_call',
  'check_stack',
  '_mcount',
  'mcount',
  '__gnu_mcount_nc',
  '__fentry__',
  'ftrace_test_stop_func',
  'ftrace_stub',
]);

export function isTracerFunction(fn: string): boolean {
  return TRACER.has(fn);
}

/** The function_graph tracer's return trampoline: stands in for a real return address. */
export function isGraphTrampoline(fn: string): boolean {
  return fn === 'return_to_handler';
}
