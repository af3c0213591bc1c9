// The five designs the RFC story compares (linux-4.2, rfc-2015, linux-4.5, linux-6.1, x86_64-6.1).
// Every number cites its source: "[C]" confirmed in the 6.1 source or an
// archived patch, "[R]" recalled from the era's code, "[U]" an assumption (kernel-semantics.md tags),
// "[T]" measured from a real stack_trace table in shared/data/real (Debian 6.1.192 arm64 under QEMU),
// "[V]" read from that kernel's debug vmlinux (linux-image-6.1.0-56-arm64-dbg) with `stacklab frames`
// and objdump (frame size from the prologue, return offsets from the bl sites, /size to the next symbol).
import {
  OVERFLOW_STACK_SIZE,
  PAGE_SIZE,
  THREAD_ALIGN_VMAP,
  THREAD_SIZE_8K,
  THREAD_SIZE_16K,
} from '../constants.ts';
import type { KernelProfile } from '../profile.ts';

/** struct pt_regs before v4.14 = x0..x30, sp, pc, pstate, orig_x0, syscallno: 36 x 8 = 288 (S_FRAME_SIZE). [C] */
export const PT_REGS_2015 = 288;
/** struct pt_regs in 6.1 = 42 x 8 = 336 (PT_REGS_SIZE), with stackframe[2] at 304. [C arch/arm64/include/asm/ptrace.h] */
export const PT_REGS_6_1 = 336;
/** pt_regs offsets: regs[30] at 240, pc at 256 (asm-offsets.c S_LR, S_PC). [C] */
export const S_LR = 240;
export const S_PC = 256;
/** 4.2 struct thread_info: flags, addr_limit, task, preempt_count, cpu = 32 B at the stack bottom. [R] */
const THREAD_INFO_2015 = 32;

/** The 2015 arm64 entry paths: assembly only, no C frames (entry.S). [C] */
export const ENTRY_2015 = {
  syscall: {
    asm: ['el0_svc_naked', 'el0_svc', 'el0_sync', 'el0_svc_compat', 'el0_sync_compat'],
    frames: [],
    callSite: 'el0_svc_naked+0x20/0x28', // [C] seed line 50
  },
  el1Irq: { asm: ['el1_irq'], frames: [], callSite: 'el1_irq+0x64/0xd8' }, // [C] seed line 16
  el0Irq: {
    asm: ['el0_irq', 'el0_irq_naked', 'el0_irq_compat'],
    frames: [],
    callSite: 'el0_irq_naked+0x4c/0x54',
  }, // [U]
  el1Sync: {
    asm: ['el1_sync', 'el1_da', 'el1_ia', 'el1_sp_pc', 'el1_undef', 'el1_dbg', 'el1_inv'],
    frames: [],
    callSite: 'el1_da+0x24/0x28', // [U]
  },
};

/** The 2015 tracer with the seed's "some fixes" (AKASHI's series, lkml 2015/7/13/29). */
export const TRACER_2015 = {
  lrMinus4Compensated: true,
  unfound: 'keep-previous',
  shift: false,
  hook: 'mcount-after-prologue',
  // _mcount/ftrace_caller: "stp x29, x30, [sp, #-16]!" holds the traced function's ip. [C 4.x entry-ftrace.S]
  trampoline: { size: 16, ipSlot: 8, recordSlot: 0, parentSlot: null },
  // ftrace_ops_list_func + stack_trace_call + check_stack locals [U]; subtracted as tracer_frame anyway.
  internalBytes: 320,
  // The seed's own maximum is an interrupt inside the tracer: rows 31-33 of data/seed's table
  // (ftrace_call 144, ftrace_ops_no_ops 32, the interrupted function's 112 B), as the chain rebuild
  // reads them. [T] The interrupted function is stack_trace_call (ops->func); its pc offset [U].
  interrupt: {
    frames: [
      { name: 'ftrace_call', size: 144, ret: null, recordOffset: 0 },
      { name: 'ftrace_ops_no_ops', size: 32, ret: 'ftrace_call+0x0/0x4', recordOffset: 0 },
      { name: 'stack_trace_call', size: 112, ret: 'ftrace_ops_no_ops+0xb4/0x16c', recordOffset: 0 },
    ],
    pc: 'stack_trace_call+0x50',
  },
} as const;

export const LINUX_4_2: KernelProfile = {
  id: 'linux-4.2',
  title: 'Linux 4.2 arm64 (the RFC base): one 16 KB stack per task, no IRQ stack',
  arch: 'arm64',
  kernel: '4.2',
  summary:
    'Everything runs on the task stack: syscalls, hard IRQs (pt_regs pushed wherever SP is) and softirqs, ' +
    'whether from irq_exit or local_bh_enable. The stack tracer is the one the RFC measured with, i.e. with ' +
    "AKASHI's 2015 fixes for the LR-4 unwinder; without them every line prints line 0's Depth.",
  sources: [
    'kernel-semantics.md §1.2 (entry.S, THREAD_START_SP = THREAD_SIZE - 16, S_FRAME_SIZE 288)',
    'kernel-semantics.md §3 (trace_stack.c <= 4.2: ULONG_MAX terminator, unfound entries keep the previous index)',
    'seed/000_4ae06573fdcd6cc8.txt: measured "with some fixes [1]", lkml.org/lkml/2015/7/13/29',
  ],
  THREAD_SIZE: THREAD_SIZE_16K, // [C] 845ad05e, order 2
  THREAD_START_SP_GAP: 16, // [C] THREAD_START_SP = THREAD_SIZE - 16
  threadInfo: 'stack-bottom', // [C] current_thread_info() = SP & ~(THREAD_SIZE - 1)
  THREAD_INFO_SIZE: THREAD_INFO_2015,
  PT_REGS_SIZE: PT_REGS_2015,
  S_LR,
  S_PC,
  S_STACKFRAME: null, // [C] no frame record in pt_regs before v4.14
  returnSlot: 'frame-bottom', // [C] GCC "stp x29, x30, [sp, #-N]!"
  irqStack: null,
  softirq: {
    irqExitRunsIn: 'handler', // [R] irq_exit() at the end of __handle_domain_irq
    irqExitFrames: [{ name: 'irq_exit', size: 32, traced: true }], // [U] frame size
    HAVE_IRQ_EXIT_ON_IRQ_STACK: false,
    ownStack: 'current', // [C] generic do_softirq_own_stack = __do_softirq on the current stack
    ownStackFrames: [],
    afterSwitchFrames: [],
    bumpsIrqCount: false,
  },
  entry: ENTRY_2015,
  VMAP_STACK: false,
  THREAD_ALIGN: THREAD_SIZE_16K,
  overflowDetection: 'none', // [C] no detection before VMAP_STACK: thread_info is silently corrupted
  OVERFLOW_STACK_SIZE: 0,
  RANDOMIZE_KSTACK_OFFSET: false, // [C] added in v5.13
  SCHED_STACK_END_CHECK: false, // [R] option exists since v3.18, default n
  unwinder: { pcIsLrMinus4: true, crossesStacks: false, reportsInterruptedPc: false }, // [C] archived 4.2 stacktrace.c
  tracer: TRACER_2015,
  stackAllocation: 'order-2',
};

export const RFC_2015: KernelProfile = {
  ...LINUX_4_2,
  id: 'rfc-2015',
  kernel: '4.2-rc5 + RFC v1',
  title: 'RFC "Implement IRQ stack on ARM64" (Sep 2015): per-CPU IRQ stack, 8 KB task stacks',
  summary:
    "Jungseok Lee's series on 4.2-rc5: a per-CPU IRQ stack entered from irq_handler when the per-CPU count " +
    'says this is the first level (v1/v2 were count based, like x86 irq_count); the old SP is kept in x19 ' +
    'only. irq_exit runs on the IRQ stack, so its softirqs do too; softirqs from local_bh_enable stay on ' +
    'the task stack. THREAD_SIZE drops to 8 KB (order 1). The v1 text was never recovered: v3-v6 details fill in.',
  sources: [
    'seed/000_4ae06573fdcd6cc8.txt (3 patches: drop S_SP calc, IRQ stack, 8 KB stacks)',
    'kernel-semantics.md §1.3: count-based re-entrance check in v1/v2 [C], IRQ_STACK_SIZE 16384 and START_SP = size - 16 in v6 [C]',
    'kernel-semantics.md §2: HAVE_IRQ_EXIT_ON_IRQ_STACK from v3 [C]; no do_softirq_own_stack [C]',
  ],
  THREAD_SIZE: THREAD_SIZE_8K, // [C] patch 3/3 "Reduce kernel stack size when using IRQ stack"
  THREAD_ALIGN: THREAD_SIZE_8K, // order-1 pages are 8 KB aligned
  irqStack: {
    IRQ_STACK_SIZE: THREAD_SIZE_16K, // [C v6] [U v1]
    IRQ_STACK_START_GAP: 16, // [C v6] IRQ_STACK_START_SP = IRQ_STACK_SIZE - 16
    switchRule: 'per-cpu-count', // [C] "count based method was used" in v1/v2
    linkage: 'saved-sp-register', // [C v6] original SP in x19, nothing in memory
  },
  softirq: {
    ...LINUX_4_2.softirq,
    HAVE_IRQ_EXIT_ON_IRQ_STACK: true, // [C v3+] [R v1]
  },
  stackAllocation: 'order-1',
};

export const LINUX_4_5: KernelProfile = {
  ...LINUX_4_2,
  id: 'linux-4.5',
  kernel: '4.5',
  title: 'Linux 4.5 arm64: first mainline IRQ stack (James Morse), 16 KB task stacks kept',
  summary:
    'irq_stack_entry switches to the per-CPU IRQ stack when irq_count is 0 and leaves a 32-byte dummy frame ' +
    '({x29, ELR} plus {x19 = task SP, 0}) so the unwinder can cross back. irq_exit (and its softirqs) run on ' +
    'the IRQ stack; the arch do_softirq_own_stack bumps irq_count there but never switches, so softirqs from ' +
    'local_bh_enable stay on the task stack. THREAD_SIZE stays 16 KB.',
  sources: [
    'kernel-semantics.md §1.4: IRQ_STACK_SIZE = THREAD_SIZE, START_SP = THREAD_START_SP [C]; irq_count rule [R]; 32 B dummy frame [C]',
    'kernel-semantics.md §4.3: unwinder crosses via the dummy frame, pc = [fp+8] without -4 [C v4.6 copy]',
    'kernel-semantics.md §3.2: v4.3+ trace_stack.c drops unfound entries and counts located ones [R]',
  ],
  irqStack: {
    IRQ_STACK_SIZE: THREAD_SIZE_16K, // [C] IRQ_STACK_SIZE = THREAD_SIZE
    IRQ_STACK_START_GAP: 16, // [C] IRQ_STACK_START_SP = THREAD_START_SP
    switchRule: 'irq-count', // [R] "arm64: remove irq_count and do_softirq_own_stack()" in v4.6
    linkage: 'dummy-frame-32', // [C] {x29, ELR} + {x19, 0}
  },
  softirq: {
    ...LINUX_4_2.softirq,
    ownStack: 'current', // [R] arch do_softirq_own_stack ran __do_softirq on the current stack
    ownStackFrames: [{ name: 'do_softirq_own_stack', size: 32, traced: true }], // [U] frame size
    bumpsIrqCount: true, // [R]
  },
  unwinder: { pcIsLrMinus4: false, crossesStacks: true, reportsInterruptedPc: true },
  tracer: { ...TRACER_2015, lrMinus4Compensated: false, unfound: 'drop' },
};

/** Debian 6.1.192 arm64 entry C frames, measured from the shifted (own-frame) Sizes of real tables. [T] */
export const ENTRY_6_1 = {
  syscall: {
    asm: ['el0t_64_sync', 'el0t_32_sync'],
    frames: [
      // [T] udp-512M, fork-256M: Depth 344 = 336 + 16 - 8; ret offset [U] (shifted out of every table)
      { name: 'el0t_64_sync_handler', size: 16, ret: 'el0t_64_sync+0x18c/0x190' },
      { name: 'el0_svc', size: 32, ret: 'el0t_64_sync_handler+0xf4/0x120' }, // [T]
      { name: 'do_el0_svc', size: 288, ret: 'el0_svc+0x34/0xdc', traced: true }, // [T] syscall.c is traced
      { name: 'el0_svc_common.constprop.0', size: 16, ret: 'do_el0_svc+0x2c/0x9c', traced: true }, // [T]
      { name: 'invoke_syscall', size: 48, ret: 'el0_svc_common.constprop.0+0x4c/0xf4', traced: true }, // [T]; kstack offset below it
    ],
    callSite: 'invoke_syscall+0x68/0xe0', // [T]
  },
  el1Irq: {
    asm: ['el1h_64_irq'],
    frames: [
      { name: 'el1h_64_irq_handler', size: 16, ret: 'el1h_64_irq+0x64/0x68' }, // [T] udp-512M: 16 B below pt_regs
      { name: 'el1_interrupt', size: 32, ret: 'el1h_64_irq_handler+0x18/0x2c' }, // [T] udp-512M
      { name: 'do_interrupt_handler', size: 32, ret: 'el1_interrupt+0x34/0x54', traced: true }, // [V]
    ],
    callSite: 'call_on_irq_stack', // the handler returns into call_on_irq_stack (+0x30/0x48 [V])
  },
  el0Irq: {
    asm: ['el0t_64_irq', 'el0t_32_irq'],
    frames: [
      { name: 'el0t_64_irq_handler', size: 16, ret: 'el0t_64_irq+0x18c/0x190' }, // [V]
      // [V] not inlined in Debian's build (the fork-256M func_stack_trace shows it too)
      { name: '__el0_irq_handler_common', size: 16, ret: 'el0t_64_irq_handler+0x10/0x20' },
      { name: 'el0_interrupt', size: 32, ret: '__el0_irq_handler_common+0x18/0x24' }, // [V]
      { name: 'do_interrupt_handler', size: 32, ret: 'el0_interrupt+0x54/0x12c', traced: true }, // [V]
    ],
    callSite: 'call_on_irq_stack',
  },
  el1Sync: {
    asm: ['el1h_64_sync'],
    frames: [{ name: 'el1h_64_sync_handler', size: 16, ret: 'el1h_64_sync+0x64/0x68' }], // [T] fork-256M
    callSite: 'el1h_64_sync_handler+0xd8/0xe4', // [T] fork-256M
  },
};

export const LINUX_6_1: KernelProfile = {
  id: 'linux-6.1',
  title: 'Linux 6.1 arm64 (Debian 12): VMAP 16 KB stacks, IRQ stack with softirqs on it',
  arch: 'arm64',
  kernel: '6.1',
  summary:
    'C entry code (el1h_64_irq_handler -> el1_interrupt -> do_interrupt_handler) calls the handler through ' +
    'call_on_irq_stack when SP is on the task stack, leaving a 16-byte frame record on the task stack; ' +
    'irq_exit_rcu runs on the task stack, but do_softirq_own_stack moves every softirq (from irq_exit and ' +
    "from local_bh_enable) onto the IRQ stack. Stacks are vmalloc'ed, 32 KB aligned, with a 4 KB overflow " +
    'stack and the panic_bad_stack report; RANDOMIZE_KSTACK_OFFSET shifts each syscall by up to 1 KB.',
  sources: [
    'Debian linux-source-6.1 6.1.192: arch/arm64/include/asm/{memory.h,ptrace.h}, arch/arm64/kernel/{entry.S,entry-common.c,irq.c,traps.c}',
    'kernel/trace/trace_stack.c (6.1): ARCH_FTRACE_SHIFT_STACK_TRACER, unfound entries dropped',
    'shared/data/real/arm64-6.1-qemu/*/stack_trace.txt for entry frame sizes',
    'shared/data/real/arm64-6.1-qemu/config-stack-facts.txt (VMAP_STACK, RANDOMIZE_KSTACK_OFFSET_DEFAULT, SCHED_STACK_END_CHECK)',
  ],
  THREAD_SIZE: THREAD_SIZE_16K, // [C] THREAD_SHIFT 14 without KASAN
  THREAD_START_SP_GAP: 0, // [C] task_pt_regs = top - PT_REGS_SIZE
  threadInfo: 'in-task', // [C] THREAD_INFO_IN_TASK
  THREAD_INFO_SIZE: 0,
  PT_REGS_SIZE: PT_REGS_6_1,
  S_LR,
  S_PC,
  S_STACKFRAME: 304, // [C] stackframe[2] at 304
  returnSlot: 'frame-bottom',
  irqStack: {
    IRQ_STACK_SIZE: THREAD_SIZE_16K, // [C] IRQ_STACK_SIZE = THREAD_SIZE
    IRQ_STACK_START_GAP: 0, // [C] call_on_irq_stack: sp = irq_stack_ptr + IRQ_STACK_SIZE
    switchRule: 'on-thread-stack', // [C] do_interrupt_handler()
    linkage: 'call-on-irq-stack-record', // [C] stp x29, x30, [sp, #-16]! on the task stack
  },
  softirq: {
    irqExitRunsIn: 'entry', // [C] irq_exit_rcu() in __el1_irq since 26dc129342cf (v5.16)
    irqExitFrames: [
      { name: 'irq_exit_rcu', size: 16, traced: true }, // [T] udp-512M
      { name: '__irq_exit_rcu', size: 32, traced: true }, // [T] udp-512M
    ],
    HAVE_IRQ_EXIT_ON_IRQ_STACK: false, // [C] not selected by arm64
    ownStack: 'irq-stack', // [C] do_softirq_own_stack -> call_on_irq_stack(NULL, ____do_softirq)
    ownStackFrames: [{ name: 'do_softirq_own_stack', size: 16, traced: true }], // [V] frame size
    afterSwitchFrames: [{ name: '____do_softirq', size: 16, ret: 'call_on_irq_stack', traced: true }], // [V] frame size
    bumpsIrqCount: false,
    deferToKsoftirqd: true, // [C] kernel/softirq.c 6.1.192: ksoftirqd_running() in invoke_softirq() and do_softirq()
  },
  entry: ENTRY_6_1,
  VMAP_STACK: true, // [C] Debian config
  THREAD_ALIGN: THREAD_ALIGN_VMAP, // [C] 2 * THREAD_SIZE
  overflowDetection: 'arm64-vmap-sp-bit', // [C] kernel_ventry tests SP bit THREAD_SHIFT
  OVERFLOW_STACK_SIZE, // [C] SZ_4K
  RANDOMIZE_KSTACK_OFFSET: true, // [C] CONFIG_RANDOMIZE_KSTACK_OFFSET_DEFAULT=y on Debian
  SCHED_STACK_END_CHECK: true, // [C] Debian config
  unwinder: { pcIsLrMinus4: false, crossesStacks: true, reportsInterruptedPc: true },
  tracer: {
    lrMinus4Compensated: false,
    unfound: 'drop', // [C]
    shift: true, // [C] ARCH_FTRACE_SHIFT_STACK_TRACER since f7edb451fa51 (v5.4)
    hook: 'patchable-entry', // [C] DYNAMIC_FTRACE_WITH_REGS: hooked before the prologue
    // ftrace_regs_entry: sub sp, sp, #(PT_REGS_SIZE + 16); ip at S_PC (found before stackframe's copy),
    // callsite record {x29, x9} at PT_REGS_SIZE. [C entry-ftrace.S]
    trampoline: { size: PT_REGS_6_1 + 16, ipSlot: S_PC, recordSlot: 304, parentSlot: PT_REGS_6_1 + 8 },
    internalBytes: 320, // [U]
    // Every udp-512M capture's maximum (the shared one and 12 repeats) is an interrupt inside
    // stack_trace_call: rows 6-7 of its table, as the chain rebuild reads them. [T]
    interrupt: {
      frames: [
        { name: 'ftrace_call', size: 88, ret: null, recordOffset: 0 },
        { name: 'stack_trace_call', size: 360, ret: 'ftrace_call+0x4/0x2c', recordOffset: 16 },
      ],
      pc: 'stack_trace_call+0x88/0x41c',
    },
  },
  stackAllocation: 'vmap',
};

export const X86_64_6_1: KernelProfile = {
  id: 'x86_64-6.1',
  title: 'Linux 6.1 x86_64: the comparison point (16 KB stacks since 3.15, 16 KB IRQ stack)',
  arch: 'x86_64',
  kernel: '6.1',
  summary:
    'The hardware pushes the interrupt frame on the current stack; call_on_irqstack_cond() switches to the ' +
    'per-CPU hardirq stack unless the interrupt came from user mode (then the task stack is empty and used) ' +
    'or the IRQ stack is already in use. irq_enter/irq_exit and their softirqs run where the handler runs (the ' +
    'task stack for an IRQ from user mode); softirqs ' +
    'from local_bh_enable switch to it too. Return addresses sit at the top of each frame, so stack_trace ' +
    'Sizes need no shift. Stack overflow hits a guard page and ends in a double fault.',
  sources: [
    'Debian linux-source-6.1: arch/x86/include/asm/{page_64_types.h,irq_stack.h,ptrace.h}, arch/x86/kernel/irq_64.c',
    'kernel-semantics.md §5: 8 KB -> 16 KB in 3.15 (6538b8ea886e)',
    'shared/data/real/published/st-x86_64-016.txt for the fentry trampoline geometry',
  ],
  THREAD_SIZE: PAGE_SIZE << 2, // [C] THREAD_SIZE_ORDER = 2 + KASAN_STACK_ORDER
  THREAD_START_SP_GAP: 0, // [C] TOP_OF_KERNEL_STACK_PADDING is 0 on x86_64
  threadInfo: 'in-task',
  THREAD_INFO_SIZE: 0,
  PT_REGS_SIZE: 168, // [C] 21 x 8: r15 .. ss
  S_LR: null, // no link register
  S_PC: 128, // [C] offsetof(struct pt_regs, ip)
  S_STACKFRAME: null,
  returnSlot: 'frame-top', // call pushes the return address at the top of the callee's frame
  irqStack: {
    IRQ_STACK_SIZE: PAGE_SIZE << 2, // [C] IRQ_STACK_ORDER = 2 + KASAN_STACK_ORDER
    IRQ_STACK_START_GAP: 8, // [C] hardirq_stack_ptr = va + IRQ_STACK_SIZE - 8
    switchRule: 'hardirq-stack-inuse', // [C] call_on_irqstack_cond()
    linkage: 'saved-sp-top-word', // [C] call_on_stack stores the old RSP at the top of the new stack
  },
  softirq: {
    irqExitRunsIn: 'handler', // [C] ASM_CALL_SYSVEC: irq_enter_rcu, handler, irq_exit_rcu on the IRQ stack
    irqExitFrames: [{ name: 'irq_exit_rcu', size: 16, traced: true }], // [U]
    HAVE_IRQ_EXIT_ON_IRQ_STACK: true, // [C] arch/x86/Kconfig
    ownStack: 'irq-stack', // [C] do_softirq_own_stack -> call_on_irqstack(__do_softirq)
    ownStackFrames: [],
    afterSwitchFrames: [],
    bumpsIrqCount: false,
    deferToKsoftirqd: true, // [C] kernel/softirq.c 6.1: ksoftirqd_running() (generic code)
  },
  entry: {
    syscall: {
      asm: [
        'entry_SYSCALL_64_after_hwframe',
        'entry_SYSCALL_64',
        'entry_SYSCALL_64_fastpath',
        'system_call_fastpath',
      ],
      frames: [{ name: 'do_syscall_64', size: 40, ret: 'entry_SYSCALL_64_after_hwframe+0x76/0x7e' }], // [T] st-x86_64-016
      callSite: 'do_syscall_64+0x5b/0x130', // [T] st-x86_64-016
    },
    el1Irq: {
      asm: [
        'asm_sysvec_apic_timer_interrupt',
        'asm_common_interrupt',
        'apic_timer_interrupt',
        'common_interrupt',
      ],
      frames: [
        { name: 'sysvec_apic_timer_interrupt', size: 24, ret: 'asm_sysvec_apic_timer_interrupt+0x1a/0x20' },
      ], // [U]
      callSite: 'sysvec_apic_timer_interrupt', // [U]
    },
    el0Irq: {
      asm: ['asm_sysvec_apic_timer_interrupt', 'asm_common_interrupt'],
      frames: [
        { name: 'sysvec_apic_timer_interrupt', size: 24, ret: 'asm_sysvec_apic_timer_interrupt+0x1a/0x20' },
      ], // [U]
      callSite: 'sysvec_apic_timer_interrupt', // [U]
    },
    el1Sync: {
      asm: ['asm_exc_page_fault', 'page_fault'],
      frames: [{ name: 'exc_page_fault', size: 40, ret: 'asm_exc_page_fault+0x26/0x30' }], // [U]
      callSite: 'exc_page_fault', // [U]
    },
  },
  VMAP_STACK: true,
  THREAD_ALIGN: PAGE_SIZE << 2,
  overflowDetection: 'x86-guard-page-double-fault', // [C] "BUG: stack guard page was hit", #DF on its IST stack
  OVERFLOW_STACK_SIZE: PAGE_SIZE << 1, // [C] EXCEPTION_STKSZ with EXCEPTION_STACK_ORDER 1
  RANDOMIZE_KSTACK_OFFSET: true,
  SCHED_STACK_END_CHECK: true,
  unwinder: { pcIsLrMinus4: false, crossesStacks: true, reportsInterruptedPc: true },
  tracer: {
    lrMinus4Compensated: false,
    unfound: 'drop',
    shift: false, // ARCH_FTRACE_SHIFT_STACK_TRACER is arm64 only
    hook: 'fentry',
    // ftrace_regs_caller saves pt_regs below the pushed return address; the scan meets regs->ip first. [T]
    trampoline: { size: 176, ipSlot: 128, recordSlot: 160, parentSlot: null },
    internalBytes: 256, // [U]
  },
  stackAllocation: 'vmap',
};
