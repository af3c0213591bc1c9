// arm64 kernels real users run, beyond the five designs: the Android kernels of 2019 and 2021 (4.19,
// 5.10), Debian 12's PREEMPT_RT 6.1 and its 6.12. Tags as in designs.ts, plus "[S]" read in that
// version's source: Debian linux-source-6.1 6.1.192-3 and linux-source-6.12 6.12.117-1~deb12u1
// (installed here), a stored 5.10.13 tree (GitHub Rtoax/linux-5.10.13) and a stored Android 4.19.157
// tree (GitHub Andrea055/android_kernel_realme_sm8250, Makefile 4.19.157). "[T]" now also covers the
// QEMU captures in test/fixtures/arm64-6.12-qemu, arm64-6.1-rt-qemu and arm64-6.1-pac-qemu.
import { OVERFLOW_STACK_SIZE, THREAD_ALIGN_VMAP, THREAD_SIZE_16K } from '../constants.ts';
import type { KernelProfile } from '../profile.ts';
import { LINUX_6_1, PT_REGS_6_1, S_LR, S_PC, TRACER_2015 } from './designs.ts';

/**
 * 4.14-4.19 struct pt_regs: user_pt_regs (272) + orig_x0 + syscallno/unused2 + orig_addr_limit +
 * unused + stackframe[2] = 320, stackframe at 304. [S 4.19 arch/arm64/include/asm/ptrace.h]
 */
const PT_REGS_4_19 = 320;
/** pt_regs.stackframe: kernel_entry stores {0, 0} (EL0) or {x29, ELR} (EL1) there. [S 4.19, 5.10, 6.x entry.S] */
const S_STACKFRAME = 304;

/**
 * The 4.14-5.15 IRQ stack (irq_stack_entry in entry.S): switch iff SP shares its THREAD_SIZE-aligned
 * bits with task->stack, SP = irq_stack_ptr + IRQ_STACK_SIZE (no gap); the old SP stays in x19 and
 * the unwinder crosses back through the frame record kernel_entry put in pt_regs. [S 4.19, 5.10]
 */
const IRQ_STACK_ASM: NonNullable<KernelProfile['irqStack']> = {
  IRQ_STACK_SIZE: THREAD_SIZE_16K, // [S] IRQ_STACK_SIZE = THREAD_SIZE
  IRQ_STACK_START_GAP: 0, // [S] "mov x26, #IRQ_STACK_SIZE; add x26, x25, x26; mov sp, x26"
  switchRule: 'sp-in-task-stack',
  linkage: 'saved-sp-register',
};

/**
 * Softirqs before 5.16: irq_exit() runs at the end of __handle_domain_irq(), inside the handler, so
 * on the IRQ stack; arm64 has no do_softirq_own_stack() (removed in 4.6), so the generic inline one
 * runs __do_softirq where it is called: the IRQ stack from irq_exit, the task stack from
 * local_bh_enable(). [S 4.19/5.10 kernel/softirq.c, kernel/irq/irqdesc.c; R for the removal]
 */
const SOFTIRQ_ASM: KernelProfile['softirq'] = {
  irqExitRunsIn: 'handler',
  irqExitFrames: [{ name: 'irq_exit', size: 32, traced: true }], // [U] frame size
  HAVE_IRQ_EXIT_ON_IRQ_STACK: false, // [S] not selected by arm64
  ownStack: 'current',
  ownStackFrames: [],
  afterSwitchFrames: [],
  bumpsIrqCount: false,
  deferToKsoftirqd: true, // [R] ksoftirqd_running(), "softirq: Let ksoftirqd do its job" (v4.9/4.10)
};

/**
 * Android kernels are built with clang, which puts a function's frame record above its locals
 * (`sub sp, sp, #N; stp x29, x30, [sp, #N-16]`), where GCC puts it below them (`stp x29, x30,
 * [sp, #-N]!`): checked here with clang and aarch64-linux-gnu-gcc 12 on the same function. [C]
 */
const CLANG_RETURN_SLOT = 'frame-top' as const;

export const LINUX_4_19: KernelProfile = {
  id: 'linux-4.19',
  title:
    'Linux 4.19 arm64 (Android 10/11 devices): VMAP stacks, asm IRQ-stack switch, softirqs on the IRQ stack',
  arch: 'arm64',
  kernel: '4.19',
  summary:
    'irq_stack_entry in entry.S moves SP to the per-CPU IRQ stack when it is on the task stack; the handler ' +
    '(gic_handle_irq -> handle_domain_irq) runs there with irq_exit and so the softirqs it runs; softirqs from ' +
    'local_bh_enable stay on the task stack. pt_regs is 320 B with a frame record the unwinder follows across ' +
    'stacks. The tracer hooks _mcount after the prologue, before the 5.4 shift. Built with clang (Android).',
  sources: [
    '4.19.157 arch/arm64/kernel/entry.S (Android, GitHub Andrea055/android_kernel_realme_sm8250): kernel_entry, irq_stack_entry, el1_irq, el0_svc -> el0_svc_handler',
    '4.14-4.19 arch/arm64/include/asm/ptrace.h: orig_addr_limit, unused, stackframe[2] (320 B)',
    'kernel-semantics.md §2 (softirq placement v4.6-v5.15), §3.2 (v4.3+ drops unfound entries; the arm64 shift is v5.4)',
    'clang vs GCC aarch64 prologues compiled here (frame record above the locals with clang)',
  ],
  THREAD_SIZE: THREAD_SIZE_16K, // [S] THREAD_SHIFT 14
  THREAD_START_SP_GAP: 0, // [R] task_pt_regs = top of the stack - sizeof(pt_regs)
  threadInfo: 'in-task', // [R] THREAD_INFO_IN_TASK since 4.10
  THREAD_INFO_SIZE: 0,
  PT_REGS_SIZE: PT_REGS_4_19,
  S_LR,
  S_PC,
  S_STACKFRAME,
  returnSlot: CLANG_RETURN_SLOT,
  irqStack: IRQ_STACK_ASM,
  softirq: SOFTIRQ_ASM,
  entry: {
    syscall: {
      asm: ['el0_svc', 'el0_sync', 'el0_svc_compat', 'el0_sync_compat'],
      frames: [
        { name: 'el0_svc_handler', size: 32, ret: 'el0_svc+0x8/0xc' }, // [S] bl el0_svc_handler; ret offset [C] published 4.19 oopses; size [U]
        { name: 'el0_svc_common', size: 48, ret: 'el0_svc_handler+0x74/0x98', traced: true }, // [U] size, ret from a published 4.19 oops
      ],
      callSite: 'el0_svc_common+0xbc/0x1d0', // [U] from a published 4.19 oops
    },
    el1Irq: { asm: ['el1_irq'], frames: [], callSite: 'el1_irq+0xb0/0x140' }, // [S] asm only; offset [U]
    el0Irq: {
      asm: ['el0_irq', 'el0_irq_naked', 'el0_irq_compat'],
      frames: [],
      callSite: 'el0_irq_naked+0x50/0x58',
    }, // [U] offset
    el1Sync: {
      asm: ['el1_sync', 'el1_da', 'el1_ia', 'el1_sp_pc', 'el1_undef', 'el1_dbg', 'el1_inv'],
      frames: [],
      callSite: 'el1_da+0x24/0xbc', // [S] bl do_mem_abort; offset [U]
    },
  },
  VMAP_STACK: true, // [R] Android configs
  THREAD_ALIGN: THREAD_ALIGN_VMAP,
  overflowDetection: 'arm64-vmap-sp-bit', // [S] kernel_ventry "tbnz x0, #THREAD_SHIFT"
  OVERFLOW_STACK_SIZE,
  RANDOMIZE_KSTACK_OFFSET: false, // [C] added in v5.13
  SCHED_STACK_END_CHECK: false, // [U]
  unwinder: { pcIsLrMinus4: false, crossesStacks: true, reportsInterruptedPc: true }, // [R] 4.19 unwind_frame + pt_regs record
  tracer: { ...TRACER_2015, lrMinus4Compensated: false, unfound: 'drop' }, // [R] _mcount after the prologue, no shift before 5.4
  stackAllocation: 'vmap',
};

export const LINUX_5_10: KernelProfile = {
  ...LINUX_4_19,
  id: 'linux-5.10',
  title:
    'Linux 5.10 arm64 (Android 12/13 GKI): C syscall entry, asm IRQ entry, patchable-entry tracer with the 5.4 shift',
  kernel: '5.10',
  summary:
    'The IRQ path is still entry.S (el1_irq -> irq_handler -> irq_stack_entry; irq_exit inside the handler, so ' +
    'its softirqs run on the IRQ stack); syscalls enter C (el0_sync_handler -> el0_svc -> do_el0_svc -> ' +
    'el0_svc_common -> invoke_syscall). pt_regs grows to 336 B. ftrace hooks the patchable entry before the ' +
    'prologue (DYNAMIC_FTRACE_WITH_REGS) and the stack tracer shifts its Depths (5.4+). Built with clang (GKI).',
  sources: [
    '5.10.13 arch/arm64/kernel/entry.S and arch/arm64/include/asm/ptrace.h (GitHub Rtoax/linux-5.10.13): kernel_entry, irq_stack_entry, el1_irq, pt_regs with lockdep_hardirqs/exit_rcu (336 B)',
    'kernel-semantics.md §3.2: ARCH_FTRACE_SHIFT_STACK_TRACER since f7edb451fa51 (v5.4)',
    'Debian linux-source-6.1 arch/arm64/kernel/entry-ftrace.S: ftrace_regs_entry (pt_regs + 16 B callsite record), unchanged since 5.5 [R]',
  ],
  PT_REGS_SIZE: PT_REGS_6_1, // [S] 5.10.13 ptrace.h
  entry: {
    syscall: {
      asm: ['el0_sync', 'el0_sync_compat'],
      frames: [
        { name: 'el0_sync_handler', size: 16, ret: 'el0_sync+0x160/0x180' }, // [S] bl el0_sync_handler; size, offset [U]
        { name: 'el0_svc', size: 32, ret: 'el0_sync_handler+0x94/0xf0' }, // [U]
        { name: 'do_el0_svc', size: 32, ret: 'el0_svc+0x28/0x90', traced: true }, // [U]
        { name: 'el0_svc_common.constprop.0', size: 48, ret: 'do_el0_svc+0x2c/0x98', traced: true }, // [U]
        { name: 'invoke_syscall', size: 48, ret: 'el0_svc_common.constprop.0+0x64/0x138', traced: true }, // [U]
      ],
      callSite: 'invoke_syscall+0x50/0x120', // [U]
    },
    el1Irq: { asm: ['el1_irq'], frames: [], callSite: 'el1_irq+0xcc/0x180' }, // [S] asm; enter_el1_irq_or_nmi returns before the handler; offset [U]
    el0Irq: {
      asm: ['el0_irq', 'el0_irq_naked', 'el0_irq_compat'],
      frames: [],
      callSite: 'el0_irq_naked+0x60/0x68',
    }, // [U]
    el1Sync: {
      asm: ['el1_sync'],
      frames: [{ name: 'el1_sync_handler', size: 32, ret: 'el1_sync+0x7c/0x100' }], // [S] bl el1_sync_handler; [U] size
      callSite: 'el1_sync_handler+0xb8/0xd4', // [U]
    },
  },
  tracer: {
    ...LINUX_6_1.tracer, // [R] the 6.1 ftrace_regs_entry geometry and the shift
  },
};

/** Debian 6.1.192-3 PREEMPT_RT entry C frames, from the shifted Sizes of the rt captures. [T] */
const ENTRY_6_1_RT: KernelProfile['entry'] = {
  ...LINUX_6_1.entry,
  syscall: {
    asm: ['el0t_64_sync', 'el0t_32_sync'],
    frames: [
      { name: 'el0t_64_sync_handler', size: 16, ret: 'el0t_64_sync+0x18c/0x190' }, // [T] Depth 344; ret [U]
      { name: 'el0_svc', size: 32, ret: 'el0t_64_sync_handler+0xf4/0x120' }, // [T]
      { name: 'do_el0_svc', size: 288, ret: 'el0_svc+0x34/0x120', traced: true }, // [T]
      { name: 'el0_svc_common.constprop.0', size: 16, ret: 'do_el0_svc+0x2c/0x9c', traced: true }, // [T]
      { name: 'invoke_syscall', size: 48, ret: 'el0_svc_common.constprop.0+0x4c/0xf4', traced: true }, // [T]
    ],
    callSite: 'invoke_syscall+0x68/0xe0', // [T]
  },
  el1Irq: {
    asm: ['el1h_64_irq'],
    frames: [
      { name: 'el1h_64_irq_handler', size: 16, ret: 'el1h_64_irq+0x64/0x68' }, // [T] udp-512M, fork-512M
      { name: 'el1_interrupt', size: 32, ret: 'el1h_64_irq_handler+0x18/0x2c' }, // [T]
      { name: 'do_interrupt_handler', size: 32, ret: 'el1_interrupt+0x34/0x70', traced: true }, // [U] 6.1 [V] size
    ],
    callSite: 'call_on_irq_stack',
  },
};

export const LINUX_6_1_RT: KernelProfile = {
  ...LINUX_6_1,
  id: 'linux-6.1-rt',
  title:
    'Linux 6.1 arm64 PREEMPT_RT (Debian 12 -rt): hard IRQs on the IRQ stack, softirqs back on task stacks',
  kernel: '6.1-rt',
  summary:
    'The same entry code and IRQ stack as 6.1, but with PREEMPT_RT softirqs leave the IRQ stack: irq_exit only ' +
    'wakes ksoftirqd (invoke_softirq -> wakeup_softirqd), local_bh_enable runs them in the task on its own ' +
    'stack (SOFTIRQ_ON_OWN_STACK is off), and device handlers run in irq threads. The IRQ stack holds hard ' +
    'IRQ handlers only (captured high-water marks about 2 KB against 4.5 KB without RT); the network receive ' +
    "path of a sendmsg lands on the sender's task stack.",
  sources: [
    'Debian linux-source-6.1 6.1.192-3: kernel/softirq.c (CONFIG_PREEMPT_RT: __local_bh_enable_ip -> __do_softirq, invoke_softirq -> wakeup_softirqd), include/linux/interrupt.h (force_irqthreads() true on RT)',
    'test/fixtures/arm64-6.1-rt-qemu: linux-image-6.1.0-57-rt-arm64 config (PREEMPT_RT=y, no SOFTIRQ_ON_OWN_STACK), tables, IRQ-stack high-water marks, func_stack_trace',
  ],
  PREEMPT_RT: true, // [S] [T] config
  softirq: {
    ...LINUX_6_1.softirq,
    irqExitFrames: [
      { name: 'irq_exit_rcu', size: 16, traced: true }, // [T]
      { name: '__irq_exit_rcu', size: 32, traced: true }, // [T]
    ],
    ownStack: 'current', // [S] SOFTIRQ_ON_OWN_STACK = HAVE_SOFTIRQ_ON_OWN_STACK && !PREEMPT_RT; [T] config
    ownStackFrames: [],
    afterSwitchFrames: [],
  },
  entry: ENTRY_6_1_RT,
};

/** Debian 6.12.117 arm64 entry C frames, from the shifted Sizes of the 6.12 captures. [T] */
const ENTRY_6_12: KernelProfile['entry'] = {
  syscall: {
    asm: ['el0t_64_sync', 'el0t_32_sync'],
    frames: [
      { name: 'el0t_64_sync_handler', size: 16, ret: 'el0t_64_sync+0x198/0x19c' }, // [T] Depth 344; ret [U]
      { name: 'el0_svc', size: 32, ret: 'el0t_64_sync_handler+0xc8/0xe0' }, // [T]
      { name: 'do_el0_svc', size: 16, ret: 'el0_svc+0x38/0x150', traced: true }, // [T] 16 B (288 in 6.1)
      { name: 'el0_svc_common.constprop.0', size: 48, ret: 'do_el0_svc+0x24/0x38', traced: true }, // [T]
      { name: 'invoke_syscall', size: 64, ret: 'el0_svc_common.constprop.0+0x48/0xf0', traced: true }, // [T]
    ],
    callSite: 'invoke_syscall+0x60/0xe0', // [T]
  },
  el1Irq: {
    asm: ['el1h_64_irq'],
    frames: [
      { name: 'el1h_64_irq_handler', size: 16, ret: 'el1h_64_irq+0x64/0x68' }, // [T] udp-512M, fork-512M
      { name: 'el1_interrupt', size: 32, ret: 'el1h_64_irq_handler+0x18/0x28' }, // [T]
      { name: 'do_interrupt_handler', size: 32, ret: 'el1_interrupt+0x34/0x58', traced: true }, // [U] 6.1 [V] size
    ],
    callSite: 'call_on_irq_stack',
  },
  el0Irq: LINUX_6_1.entry.el0Irq, // [U] as 6.1
  el1Sync: {
    asm: ['el1h_64_sync'],
    frames: [{ name: 'el1h_64_sync_handler', size: 16, ret: 'el1h_64_sync+0x64/0x68' }], // [T] fork-512M
    callSite: 'el1h_64_sync_handler+0x50/0xe0', // [T] fork-512M
  },
};

export const LINUX_6_12: KernelProfile = {
  ...LINUX_6_1,
  id: 'linux-6.12',
  title:
    'Linux 6.12 arm64 (Debian 12 backport kernel): 6.1 stacks, a smaller ftrace trampoline, kstack_* histogram',
  kernel: '6.12',
  summary:
    'Stacks, the IRQ-stack switch (call_on_irq_stack) and softirqs on the IRQ stack are as in 6.1; __do_softirq ' +
    'is a 16 B wrapper around handle_softirqs. ftrace moved to DYNAMIC_FTRACE_WITH_ARGS: the trampoline saves a ' +
    '112 B struct ftrace_regs plus two frame records (144 B) instead of pt_regs (352 B), so the tracer sees ' +
    'less of itself. With DEBUG_STACK_USAGE each exiting task is counted in the kstack_* vmstat buckets.',
  sources: [
    'Debian linux-source-6.12 6.12.117-1~deb12u1: arch/arm64/kernel/entry-ftrace.S (ftrace_caller: FREGS_SIZE + 32), arch/arm64/include/asm/ftrace.h (struct __arch_ftrace_regs, 14 words), arch/arm64/kernel/{entry-common.c,irq.c,stacktrace.c}, kernel/softirq.c, kernel/exit.c (kstack_histogram)',
    'test/fixtures/arm64-6.12-qemu: linux-image-6.12.117+deb12-arm64 tables (entry frame sizes), IRQ-stack high-water marks, func_stack_trace, config',
  ],
  entry: ENTRY_6_12,
  softirq: {
    ...LINUX_6_1.softirq,
    irqExitFrames: [
      { name: 'irq_exit_rcu', size: 16, traced: true }, // [T]
      { name: '__irq_exit_rcu', size: 32, traced: true }, // [T]
    ],
    deferToKsoftirqd: false, // [S] 6.12.117 kernel/softirq.c has no ksoftirqd_running() (removed in 6.5 [R])
  },
  tracer: {
    ...LINUX_6_1.tracer,
    // No 6.12 table shows the tracer's frames under an interrupt: not modelled. [T]
    interrupt: undefined,
    // ftrace_caller: sub sp, sp, #(FREGS_SIZE + 32); x30 (the ip) at FREGS_PC 104, the callsite record
    // {x29, x9} at FREGS_SIZE + 16 (parent at 136), the function record {x29, x30} at FREGS_SIZE 112. [S]
    trampoline: { size: 144, ipSlot: 104, recordSlot: 112, parentSlot: 136 },
  },
  kstackHistogram: true, // [S] kernel/exit.c, mm/vmstat.c (Debian's build leaves DEBUG_STACK_USAGE off [T] config)
};

export const ARM64_ERA_PROFILES: readonly KernelProfile[] = [
  LINUX_4_19,
  LINUX_5_10,
  LINUX_6_1_RT,
  LINUX_6_12,
];
