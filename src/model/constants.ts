// Kernel constants, spelled as the kernel spells them. Each names its source; "[R]" marks a value
// recalled from the era's code rather than re-read (see ../../../shared/reference/kernel-semantics.md).

/** include/asm-generic/page.h with 4 KB pages (CONFIG_ARM64_4K_PAGES=y on Debian arm64). */
export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

/** arch/arm64/include/asm/memory.h (6.1): MIN_THREAD_SHIFT = 14 + KASAN_THREAD_SHIFT. */
export const THREAD_SHIFT = 14;
/** 16 KB: arm64 since 845ad05e "arm64: Change kernel stack size to 16K" (2013) through 6.1. */
export const THREAD_SIZE_16K = 1 << THREAD_SHIFT;
/** 8 KB: arm64 before 2013, and the RFC's target once IRQs have their own stack. */
export const THREAD_SIZE_8K = 8192;
/** arch/arm64/include/asm/memory.h (6.1): THREAD_ALIGN = 2 * THREAD_SIZE with VMAP_STACK. */
export const THREAD_ALIGN_VMAP = 2 * THREAD_SIZE_16K;
/** arch/arm64/include/asm/memory.h (6.1): OVERFLOW_STACK_SIZE = SZ_4K. */
export const OVERFLOW_STACK_SIZE = 4096;

/** include/uapi/linux/magic.h: written at end_of_stack() by set_task_stack_end_magic() at fork. */
export const STACK_END_MAGIC = 0x57ac6e9dn;

/** kernel/trace/trace_stack.c: size of stack_dump_trace[]. */
export const STACK_TRACE_ENTRIES = 500;
/** arch/arm64/include/asm/ftrace.h: MCOUNT_INSN_SIZE = AARCH64_INSN_SIZE. */
export const MCOUNT_INSN_SIZE = 4;
/** v4.3-era arm64 FTRACE_STACK_FRAME_OFFSET (AKASHI): compensates the unwinder's pc = LR - 4. [R] */
export const FTRACE_STACK_FRAME_OFFSET = 4;

/** include/linux/mmzone.h: orders up to this are retried hard by the allocator. */
export const PAGE_ALLOC_COSTLY_ORDER = 3;
/** kernel/softirq.c: __do_softirq restarts at most this many times before waking ksoftirqd. */
export const MAX_SOFTIRQ_RESTART = 10;
/** kernel/softirq.c: MAX_SOFTIRQ_TIME = msecs_to_jiffies(2). */
export const MAX_SOFTIRQ_TIME_NS = 2_000_000;
/** kernel/fork.c (6.1): NR_CACHED_STACKS, per-CPU cache of freed VMAP stacks. */
export const NR_CACHED_STACKS = 2;

/** include/linux/randomize_kstack.h (6.1): KSTACK_OFFSET_MAX(x) = x & 0x3FF. */
export const KSTACK_OFFSET_MASK = 0x3ff;

/** AAPCS64 frame record {x29, x30}: 16 bytes, FP points at it. */
export const FRAME_RECORD_SIZE = 16;
/** arm64 sizeof(unsigned long). */
export const WORD = 8;

/**
 * include/linux/interrupt.h: the softirq vectors in priority order (HI_SOFTIRQ = 0 ... RCU_SOFTIRQ = 9);
 * __do_softirq runs pending ones lowest number first. The names are /proc/softirqs' row labels.
 */
export const SOFTIRQ_NAMES = [
  'HI',
  'TIMER',
  'NET_TX',
  'NET_RX',
  'BLOCK',
  'IRQ_POLL',
  'TASKLET',
  'SCHED',
  'HRTIMER',
  'RCU',
] as const;
export type SoftirqName = (typeof SOFTIRQ_NAMES)[number];
/** kernel/softirq.c (4.9+): softirqs that run at once even while ksoftirqd is running (HI | TASKLET). */
export const SOFTIRQ_NOW_MASK = (1 << 0) | (1 << 6);
