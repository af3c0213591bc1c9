// x86_64 before 3.15: 8 KB task stacks (THREAD_SIZE_ORDER 1), the -pg/mcount function tracer and the
// 2.6.x-3.x stack tracer, the era of most published x86_64 stack_trace tables (st-x86_64-011, -018).
// Tags as in designs.ts; "[T]" here means the published tables in test/fixtures/published.
import { PAGE_SIZE } from '../constants.ts';
import type { KernelProfile } from '../profile.ts';
import { X86_64_6_1 } from './designs.ts';

export const X86_64_3_X: KernelProfile = {
  ...X86_64_6_1,
  id: 'x86_64-3.x',
  title: 'Linux 2.6.3x-3.14 x86_64: 8 KB task stacks, 16 KB IRQ stack, mcount tracer',
  kernel: '2.6.32-3.14',
  summary:
    'Task stacks are two pages (THREAD_SIZE_ORDER 1) with thread_info at the bottom, until 3.15 doubled them; ' +
    'IRQs switch to the per-CPU 16 KB IRQ stack on the first level (irq_count from -1), and softirqs run there ' +
    'too (call_softirq). The system_call fast path saves 120 B of pt_regs (no callee-saved registers). Functions ' +
    'call mcount right after "push %rbp; mov %rsp,%rbp", and check_stack() takes its backtrace with skip = 3, so ' +
    "the table's first row is the return into the traced function's caller; unfound entries keep the previous Depth.",
  sources: [
    'kernel-semantics.md §5: x86_64 8 KB until 3.15 (6538b8ea886e "x86_64: expand kernel stack to 16K"), 16 KB IRQ stack',
    'kernel/trace/trace_stack.c of 2.6.3x-3.x (stored copies): check_stack(void), this_size from a local, skip = 3, no ip inserted, "(N entries)" = nr_entries - 1',
    'arch/x86/kernel/entry_64.S of 2.6.3x-3.x: system_call -> SAVE_ARGS (kernel_stack = top - KERNEL_STACK_OFFSET 40, 80 B more), irq_count / irq_stack_ptr switch [R]',
    'published tables st-x86_64-011 (Documentation/trace/ftrace.rst) and st-x86_64-018 (linux-mm, 2010, 2.6.33.2): system_call_fastpath Depth 128 [T]',
  ],
  THREAD_SIZE: PAGE_SIZE << 1, // [C] THREAD_SIZE_ORDER 1 before 3.15
  THREAD_START_SP_GAP: 0, // [R] the partial pt_regs starts at the top
  threadInfo: 'stack-bottom', // [C] THREAD_INFO_IN_TASK came to x86 in 4.9
  THREAD_INFO_SIZE: 104, // [U] task, exec_domain, flags, status, cpu, preempt count, addr_limit, restart_block, ...
  irqStack: {
    IRQ_STACK_SIZE: PAGE_SIZE << 2, // [C] IRQ_STACK_ORDER 2
    IRQ_STACK_START_GAP: 64, // [R] irq_stack_ptr = irq_stack + IRQ_STACK_SIZE - 64 (setup_percpu.c)
    switchRule: 'per-cpu-count', // [R] "incl irq_count; cmovzq irq_stack_ptr, %rsp"
    linkage: 'saved-sp-top-word', // [R] the old %rsp is pushed first on the IRQ stack
  },
  softirq: {
    ...X86_64_6_1.softirq,
    irqExitFrames: [{ name: 'irq_exit', size: 16, traced: true }], // [U] frame size
    ownStack: 'irq-stack', // [R] do_softirq -> call_softirq switches to the IRQ stack
    deferToKsoftirqd: false, // [R] ksoftirqd_running() came in v4.9/4.10
  },
  entry: {
    syscall: {
      asm: ['system_call_fastpath', 'system_call', 'tracesys'],
      frames: [],
      callSite: 'system_call_fastpath+0x16/0x1b', // [T] st-x86_64-011, -018
      regsBytes: 120, // [T] Depth 128 = 120 B + the return address; [R] SAVE_ARGS
    },
    el1Irq: {
      asm: ['common_interrupt', 'apic_timer_interrupt', 'ret_from_intr'],
      frames: [],
      callSite: 'common_interrupt+0x6a/0x6a', // [U]
    },
    el0Irq: {
      asm: ['common_interrupt', 'apic_timer_interrupt'],
      frames: [],
      callSite: 'common_interrupt+0x6a/0x6a',
    }, // [U]
    el1Sync: { asm: ['page_fault'], frames: [], callSite: 'page_fault+0x22/0x30' }, // [T] st-x86_64-009 (3.14)
  },
  VMAP_STACK: false, // [C] x86_64 VMAP_STACK came in 4.9
  THREAD_ALIGN: PAGE_SIZE << 1,
  overflowDetection: 'none', // [C] no guard page before VMAP_STACK
  OVERFLOW_STACK_SIZE: 0,
  RANDOMIZE_KSTACK_OFFSET: false, // [C] 5.13
  SCHED_STACK_END_CHECK: false, // [R] 3.18+, default n
  tracer: {
    lrMinus4Compensated: false,
    unfound: 'keep-previous', // [R] <= 4.2
    shift: false,
    hook: 'mcount-after-prologue', // [R] gcc -pg: "push %rbp; mov %rsp,%rbp; call mcount"
    // mcount: the call pushes the ip (top word); MCOUNT_SAVE_FRAME saves the argument registers below it. [R]
    trampoline: { size: 64, ipSlot: 56, recordSlot: 48, parentSlot: null },
    internalBytes: 192, // [U] stack_trace_call + check_stack (inlined) + save_stack_trace
    ipEntry: 'none', // [R] check_stack(void): save_stack_trace with skip = 3, no ip
  },
  stackAllocation: 'order-1',
};

export const X86_64_ERA_PROFILES: readonly KernelProfile[] = [X86_64_3_X];
