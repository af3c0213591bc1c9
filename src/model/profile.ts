// A kernel profile: one kernel design's stack rules as data. The stack machine, the tracers and the
// replay read only these fields, so "what would this look like under design X?" is a data change.
// Built-in profiles live in profiles.ts; any field can be overridden (`--set irqStack.IRQ_STACK_SIZE=8192`).
import { z } from 'zod';
import { diag } from '../base/diag.ts';
import { err, ok, type Result } from '../base/result.ts';

/** A C function the entry code always passes through, with its frame size in bytes. */
export const EntryFrameSchema = z.object({
  name: z.string().min(1),
  size: z.number().int().min(0).multipleOf(8),
  /** The return address its frame record holds, as %pS prints it (a location in the outer frame), when known. */
  ret: z.string().optional(),
  /** The function tracer hooks it (false for noinstr entry code and assembly). */
  traced: z.boolean().optional(),
});
export type EntryFrame = z.infer<typeof EntryFrameSchema>;

const powerOfTwo = (min: number) =>
  z
    .number()
    .int()
    .min(min)
    .refine((v) => (v & (v - 1)) === 0, { message: 'must be a power of two' });

/**
 * When the IRQ stack is entered.
 * - `none`: no IRQ stack (v4.2 and earlier).
 * - `per-cpu-count`: x86-style counter from -1, switch when the increment reaches 0 (RFC v1/v2).
 * - `sp-aligned-compare`: SP & ~(IRQ_STACK_SIZE-1) compared with the IRQ stack base (RFC v3-v6).
 * - `irq-count`: switch iff the per-CPU irq_count is 0; do_softirq_own_stack bumps it on the IRQ stack (v4.5).
 * - `sp-in-task-stack`: switch iff SP lies in the current task's stack (v4.6-v6.0 irq_stack_entry).
 * - `on-thread-stack`: same test in C, do_interrupt_handler() -> call_on_irq_stack() (v5.16+, 6.1).
 * - `hardirq-stack-inuse`: x86_64 call_on_irqstack_cond(): switch unless from user mode or already in use.
 */
export const SWITCH_RULES = [
  'none',
  'per-cpu-count',
  'sp-aligned-compare',
  'irq-count',
  'sp-in-task-stack',
  'on-thread-stack',
  'hardirq-stack-inuse',
] as const;
export type SwitchRule = (typeof SWITCH_RULES)[number];

/**
 * What the switch leaves behind so an unwinder can cross back from the IRQ stack.
 * - `saved-sp-register`: the old SP only in callee-saved x19 (RFC); nothing in memory.
 * - `dummy-frame-32`: v4.5 {x29, ELR} record plus {x19 = old SP, 0} at the IRQ stack top (32 B).
 * - `dummy-frame-16`: v4.6-v4.13 {x29, x19} record at the IRQ stack top (16 B).
 * - `call-on-irq-stack-record`: 6.1 call_on_irq_stack pushes {x29, x30} on the *task* stack (16 B).
 * - `saved-sp-top-word`: x86_64 call_on_stack stores the old RSP in the IRQ stack's top word (8 B).
 */
export const LINKAGES = [
  'saved-sp-register',
  'dummy-frame-32',
  'dummy-frame-16',
  'call-on-irq-stack-record',
  'saved-sp-top-word',
] as const;
export type Linkage = (typeof LINKAGES)[number];

export const IrqStackSchema = z.object({
  /** Per-CPU IRQ stack size in bytes. */
  IRQ_STACK_SIZE: powerOfTwo(4096),
  /** Bytes left unused above the first frame: IRQ_STACK_SIZE - IRQ_STACK_START_SP (16 in 2015, 0 in 6.1, 8 on x86_64). */
  IRQ_STACK_START_GAP: z.number().int().min(0).multipleOf(8),
  switchRule: z.enum(SWITCH_RULES),
  linkage: z.enum(LINKAGES),
});
export type IrqStackParams = z.infer<typeof IrqStackSchema>;

/** Where __do_softirq runs, per entry path (kernel-semantics.md §2). */
export const SoftirqSchema = z.object({
  /**
   * Where irq_exit() runs: `handler` = inside handle_domain_irq, on whatever stack the handler uses (<= v5.15);
   * `entry` = irq_exit_rcu() in the C entry code on the stack the exception arrived on (arm64 v5.16+).
   */
  irqExitRunsIn: z.enum(['handler', 'entry']),
  /** Frames from the handler level down to invoke_softirq when irq_exit runs softirqs (6.1: irq_exit_rcu, __irq_exit_rcu). */
  irqExitFrames: z.array(EntryFrameSchema),
  /** CONFIG_HAVE_IRQ_EXIT_ON_IRQ_STACK: invoke_softirq runs __do_softirq directly on the current stack. */
  HAVE_IRQ_EXIT_ON_IRQ_STACK: z.boolean(),
  /** What do_softirq_own_stack() does: `current` = __do_softirq on the current stack; `irq-stack` = switch first. */
  ownStack: z.enum(['current', 'irq-stack']),
  /** Frames do_softirq_own_stack adds before any switch (the arch function itself, where there is one). */
  ownStackFrames: z.array(EntryFrameSchema),
  /** Frames between the switch and __do_softirq on the IRQ stack (6.1: ____do_softirq). */
  afterSwitchFrames: z.array(EntryFrameSchema),
  /** v4.5: the arch do_softirq_own_stack bumps irq_count when it runs on the IRQ stack. */
  bumpsIrqCount: z.boolean(),
  /**
   * 4.9+ ksoftirqd_running(): while ksoftirqd is runnable, irq_exit and do_softirq leave pending
   * softirqs to it (except HI and TASKLET). Absent: false (the 2015 kernels).
   */
  deferToKsoftirqd: z.boolean().optional(),
});

/** One exception path: the assembly entry symbols and the C frames the entry code always pushes. */
export const EntryPathSchema = z.object({
  /** Assembly symbols that name this path in backtraces (no frame of their own). */
  asm: z.array(z.string()),
  /** C frames, outermost first. */
  frames: z.array(EntryFrameSchema),
  /** Return address the first handler frame's record holds (back into the entry code), as %pS prints it. */
  callSite: z.string(),
  /**
   * Bytes of registers this path saves at the top of the stack when entered from user mode, when not the
   * whole pt_regs (absent = PT_REGS_SIZE): the x86_64 system_call fast path of 2.6-3.x leaves out the six
   * callee-saved registers (SAVE_ARGS without SAVE_REST).
   */
  regsBytes: z.number().int().min(0).multipleOf(8).optional(),
});

export const UnwinderSchema = z.object({
  /** v4.2 arm64 unwind_frame reported pc = saved LR - 4 ("the PC at the time of bl"). */
  pcIsLrMinus4: z.boolean(),
  /** Can follow the chain from the IRQ stack back to the task stack (v4.5+). */
  crossesStacks: z.boolean(),
  /** Reports the interrupted PC (ELR) of an EL1 exception (v4.5+ dummy frame, 4.14+ pt_regs record). */
  reportsInterruptedPc: z.boolean(),
});

export const TracerSchema = z.object({
  /** The seed's "some fixes": FTRACE_STACK_FRAME_OFFSET compensates the LR - 4 unwinder. */
  lrMinus4Compensated: z.boolean(),
  /** Backtrace entries never found on the stack: kept with the previous Depth (<= v4.2) or dropped (v4.3+). */
  unfound: z.enum(['keep-previous', 'drop']),
  /** ARCH_FTRACE_SHIFT_STACK_TRACER (arm64 v5.4+): shift Depths down one entry, drop the outermost. */
  shift: z.boolean(),
  /** Where the trampoline hooks a traced function: after its prologue (-pg/_mcount) or at its patchable entry. */
  hook: z.enum(['mcount-after-prologue', 'patchable-entry', 'fentry']),
  /**
   * The trampoline's frame below the traced function's SP: its size, the offset of the slot holding the
   * traced function's ip, and of the slot holding the parent's return address (6.1 callsite record), if any.
   */
  trampoline: z.object({
    size: z.number().int().min(8).multipleOf(8),
    /** Lowest slot holding the traced function's ip (where the tracer's upward scan meets it first). */
    ipSlot: z.number().int().min(0).multipleOf(8),
    /** The frame record {x29, ip} x29 points at while the tracer runs. */
    recordSlot: z.number().int().min(0).multipleOf(8),
    /** The callsite record's return-address slot (6.1 {x29, x9} above pt_regs), or null. */
    parentSlot: z.number().int().min(0).multipleOf(8).nullable(),
  }),
  /** Bytes the tracer's own C frames (list func, stack_trace_call, check_stack) add below the trampoline. */
  internalBytes: z.number().int().min(0).multipleOf(8),
  /**
   * Whether the traced function's ip is the first entry (absent = `first`: v3.x+ inserts it, v4.3+ finds it
   * in the backtrace) or not in the table at all (`none`: 2.6.x-3.x check_stack() took save_stack_trace()
   * with skip = 3, so the first entry is the return into the traced function's caller).
   */
  ipEntry: z.enum(['first', 'none']).optional(),
  /**
   * What an interrupt that arrives while the tracer's callback runs finds on the stack, above the
   * traced function's frame (outermost first; the last is the tracer function it interrupts), and
   * its interrupted pc: the frames a real table prints under such an interrupt. `ret` null: the
   * return into the traced function. Absent: the simulator lets no interrupt land inside the tracer.
   */
  interrupt: z
    .object({
      frames: z
        .array(
          z.object({
            name: z.string(),
            size: z.number().int().min(8).multipleOf(8),
            ret: z.string().nullable(),
            recordOffset: z.number().int().min(0).multipleOf(8),
          }),
        )
        .min(1)
        .max(8)
        .readonly(),
      pc: z.string(),
    })
    .optional(),
});

export const ProfileSchema = z.object({
  id: z.string().regex(/^[a-z0-9_.-]+$/),
  title: z.string(),
  arch: z.enum(['arm64', 'x86_64']),
  /** Kernel version this profile stands for. */
  kernel: z.string(),
  /** One paragraph for `stacklab profiles`. */
  summary: z.string(),
  /** Where the numbers come from. */
  sources: z.array(z.string()),
  /** Task stack size in bytes. */
  THREAD_SIZE: powerOfTwo(4096),
  /** Bytes unused above the first frame at the top of the task stack (THREAD_SIZE - THREAD_START_SP). */
  THREAD_START_SP_GAP: z.number().int().min(0).multipleOf(8),
  /** `stack-bottom`: struct thread_info at the lowest address of the stack (<= v4.9); `in-task`: THREAD_INFO_IN_TASK. */
  threadInfo: z.enum(['stack-bottom', 'in-task']),
  /** Bytes of struct thread_info at the stack bottom (0 with THREAD_INFO_IN_TASK). */
  THREAD_INFO_SIZE: z.number().int().min(0).multipleOf(8),
  /** sizeof(struct pt_regs) (S_FRAME_SIZE / PT_REGS_SIZE). */
  PT_REGS_SIZE: z.number().int().min(8).multipleOf(8),
  /** Offset of the saved x30 in pt_regs; null where the architecture has no link register (x86_64). */
  S_LR: z.number().int().min(0).multipleOf(8).nullable(),
  /** Offset of the saved PC (ELR) in pt_regs. */
  S_PC: z.number().int().min(0).multipleOf(8),
  /** Offset of the embedded frame record in pt_regs (v4.14+), or null. */
  S_STACKFRAME: z.number().int().min(0).multipleOf(8).nullable(),
  /** Where a function keeps its saved return address: arm64 GCC at the frame bottom, x86 at the top. */
  returnSlot: z.enum(['frame-bottom', 'frame-top']),
  irqStack: IrqStackSchema.nullable(),
  softirq: SoftirqSchema,
  entry: z.object({
    syscall: EntryPathSchema,
    el1Irq: EntryPathSchema,
    el0Irq: EntryPathSchema,
    el1Sync: EntryPathSchema,
  }),
  /** CONFIG_VMAP_STACK: vmalloc'ed stacks with guard pages and the overflow stack. */
  VMAP_STACK: z.boolean(),
  /** Alignment of task and IRQ stacks (2 * THREAD_SIZE with VMAP_STACK). */
  THREAD_ALIGN: powerOfTwo(4096),
  /**
   * How a task-stack overflow is caught: not at all (corrupts thread_info / STACK_END_MAGIC), by arm64's
   * kernel_ventry test of SP bit THREAD_SHIFT (VMAP_STACK), or by x86_64's guard page and #DF.
   */
  overflowDetection: z.enum(['none', 'arm64-vmap-sp-bit', 'x86-guard-page-double-fault']),
  /** Per-CPU overflow stack (arm64 VMAP_STACK) or #DF IST stack (x86_64), bytes; 0 when absent. */
  OVERFLOW_STACK_SIZE: z.number().int().min(0).multipleOf(16),
  /** CONFIG_RANDOMIZE_KSTACK_OFFSET(_DEFAULT): a random alloca (0..1023 B, 16-aligned) per syscall. */
  RANDOMIZE_KSTACK_OFFSET: z.boolean(),
  /** CONFIG_SCHED_STACK_END_CHECK: schedule() panics when STACK_END_MAGIC is gone. */
  SCHED_STACK_END_CHECK: z.boolean(),
  unwinder: UnwinderSchema,
  tracer: TracerSchema,
  /**
   * How fork allocates the task stack: contiguous order-N pages, vmalloc'ed order-0 pages, or
   * `dynamic` (issue 13: the 2024 RFC "Dynamic Kernel Stacks", a vmap stack with only its first pages
   * mapped at fork and the rest faulted in from a per-CPU pool; the stack machine counts the faults).
   */
  stackAllocation: z.enum(['order-1', 'order-2', 'order-3', 'vmap', 'dynamic']),
  /**
   * The dynamic design's parameters (`--set dynamicStack.poolPages=1`); absent fields take the declared
   * defaults of dynamic-stack-params.ts, where each has its unit and source. Read only with `dynamic`.
   */
  dynamicStack: z
    .object({
      pagesAtFork: z.number().int().min(1).max(64).optional(),
      poolPages: z.number().int().min(0).max(64).optional(),
      refillDelayUs: z.number().min(0).max(1e9).optional(),
      refillGfp: z.enum(['atomic', 'kernel']).optional(),
      refillRetryUs: z.number().min(0).max(1e9).optional(),
      unmapOnReturnToUser: z.boolean().optional(),
      faultUs: z.number().min(0).max(1e6).optional(),
      unmapUs: z.number().min(0).max(1e6).optional(),
      refillFailureP: z.number().min(0).max(1).optional(),
    })
    .optional(),
  // Fields added by issue 10. Optional, so profile files and objects written before them stay valid;
  // absent means false.
  /**
   * CONFIG_PREEMPT_RT: softirqs raised in a hard IRQ are not run from irq_exit (invoke_softirq() wakes
   * ksoftirqd), local_bh_enable() runs them in the task on its own stack (no do_softirq_own_stack():
   * SOFTIRQ_ON_OWN_STACK needs !PREEMPT_RT), and device IRQ handlers run in irq/N threads
   * (force_irqthreads() is true), so only primary handlers and timers stay in hard IRQ context.
   */
  PREEMPT_RT: z.boolean().optional(),
  /**
   * CONFIG_ARM64_PTR_AUTH_KERNEL in effect (the CPU has FEAT_PAuth, e.g. QEMU -cpu max): C functions sign
   * x30 (paciasp) before saving it, the unwinder strips the signature (ptrauth_strip_insn_pac()), and the
   * stack tracer's scan compares stripped return addresses with signed words, so it only finds unsigned
   * copies (the trampoline's x9 and ip, ELR in pt_regs, stale trampoline words in a frame).
   */
  ARM64_PTR_AUTH_KERNEL: z.boolean().optional(),
  /**
   * 6.12+ with CONFIG_DEBUG_STACK_USAGE: each exiting task's deepest stack use is counted in the
   * kstack_* vm events of /proc/vmstat (kstack_histogram(), kernel/exit.c; buckets in kstack-histogram.ts).
   */
  kstackHistogram: z.boolean().optional(),
});
export type KernelProfile = z.infer<typeof ProfileSchema>;

/** Validates a profile object, naming the first bad field and what it accepts. */
export function validateProfile(candidate: unknown, source: string): Result<KernelProfile> {
  const parsed = ProfileSchema.safeParse(candidate);
  if (parsed.success) return checkConsistency(parsed.data, source);
  const issue = parsed.error.issues[0]!;
  const path = issue.path.join('.');
  return err(
    diag('profile/invalid-field', 'error', `${path || '(profile)'}: ${describeIssue(issue)}`, {
      file: source,
    }),
  );
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map(String).join(', ')}`;
  return issue.message;
}

function checkConsistency(p: KernelProfile, source: string): Result<KernelProfile> {
  const bad = (field: string, why: string) =>
    err<KernelProfile>(diag('profile/inconsistent', 'error', `${field}: ${why}`, { file: source }));
  if ((p.S_LR !== null && p.S_LR + 8 > p.PT_REGS_SIZE) || p.S_PC + 8 > p.PT_REGS_SIZE)
    return bad('S_LR/S_PC', 'must lie inside pt_regs');
  if (p.S_STACKFRAME !== null && p.S_STACKFRAME + 16 > p.PT_REGS_SIZE)
    return bad('S_STACKFRAME', 'must lie inside pt_regs');
  if (p.THREAD_START_SP_GAP + p.PT_REGS_SIZE + p.THREAD_INFO_SIZE >= p.THREAD_SIZE)
    return bad('THREAD_SIZE', 'too small to hold pt_regs and thread_info');
  if (p.overflowDetection === 'arm64-vmap-sp-bit' && p.THREAD_ALIGN < 2 * p.THREAD_SIZE)
    return bad('THREAD_ALIGN', 'the arm64 VMAP overflow test needs THREAD_ALIGN >= 2 * THREAD_SIZE');
  if (p.overflowDetection !== 'none' && !p.VMAP_STACK)
    return bad('overflowDetection', 'guard pages and the overflow stack exist only with VMAP_STACK');
  if (p.overflowDetection === 'none' && p.OVERFLOW_STACK_SIZE !== 0)
    return bad('OVERFLOW_STACK_SIZE', 'must be 0 when overflowDetection is none');
  if (p.overflowDetection !== 'none' && p.OVERFLOW_STACK_SIZE === 0)
    return bad('OVERFLOW_STACK_SIZE', 'overflow detection needs an overflow stack');
  if (p.threadInfo === 'in-task' && p.THREAD_INFO_SIZE !== 0)
    return bad('THREAD_INFO_SIZE', 'must be 0 with threadInfo=in-task');
  if (p.irqStack === null && p.softirq.ownStack === 'irq-stack')
    return bad('softirq.ownStack', 'irq-stack needs an IRQ stack (irqStack is null)');
  if (p.irqStack !== null && p.irqStack.switchRule === 'none')
    return bad('irqStack.switchRule', 'an IRQ stack needs a switch rule other than none');
  if (p.PREEMPT_RT && p.softirq.ownStack === 'irq-stack')
    return bad(
      'softirq.ownStack',
      'PREEMPT_RT has no SOFTIRQ_ON_OWN_STACK: softirqs run on the current stack',
    );
  if (p.stackAllocation === 'dynamic' && !(p.VMAP_STACK && p.overflowDetection !== 'none'))
    return bad(
      'stackAllocation',
      `dynamic stacks are vmap stacks: they need VMAP_STACK and its guard page (${p.id} has ${p.VMAP_STACK ? 'no guard page' : 'no VMAP_STACK'}: pick a profile that has both, e.g. --profile linux-6.1)`,
    );
  if (p.stackAllocation === 'dynamic' && (p.dynamicStack?.pagesAtFork ?? 1) > p.THREAD_SIZE / 4096)
    return bad('dynamicStack.pagesAtFork', `at most THREAD_SIZE / 4096 (${p.THREAD_SIZE / 4096})`);
  if (p.ARM64_PTR_AUTH_KERNEL && p.arch !== 'arm64')
    return bad('ARM64_PTR_AUTH_KERNEL', 'pointer authentication is an arm64 feature');
  return ok(p);
}

/**
 * Applies `path=value` overrides (`THREAD_SIZE=8192`, `irqStack.switchRule=irq-count`, `irqStack=null`).
 * Values are JSON when they parse as JSON, else strings. The result is validated as a whole.
 */
export function applyOverrides(
  base: KernelProfile,
  overrides: readonly string[],
  source = '--set',
): Result<KernelProfile> {
  const copy = structuredClone(base) as Record<string, unknown>;
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) {
      return err(
        diag(
          'profile/bad-override',
          'error',
          `"${o}" is not FIELD=VALUE`,
          { file: source },
          'e.g. THREAD_SIZE=8192',
        ),
      );
    }
    const path = o.slice(0, eq).trim().split('.');
    const raw = o.slice(eq + 1).trim();
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    let obj: Record<string, unknown> = copy;
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i]!;
      const next = obj[key];
      if (next === null && key in obj) {
        return err(
          diag(
            'profile/bad-override',
            'error',
            `${path.join('.')}: ${base.id} has ${key} = null (no ${key === 'irqStack' ? 'IRQ stack' : key}); pick a profile that has one`,
            { file: source },
          ),
        );
      }
      if (next === undefined && (schemaKeys(path.slice(0, i + 1)) ?? []).length > 0) {
        // An optional object the profile leaves out (dynamicStack): --set starts it empty.
        obj[key] = {};
        obj = obj[key] as Record<string, unknown>;
        continue;
      }
      if (typeof next !== 'object' || next === null) {
        return err(unknownField(path.slice(0, i + 1).join('.'), Object.keys(obj), source));
      }
      obj = next as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    // Optional fields (added after a profile was written) may be absent and still be set.
    const known = schemaKeys(path.slice(0, -1)) ?? Object.keys(obj);
    if (!(last in obj) && !known.includes(last)) return err(unknownField(path.join('.'), known, source));
    if (last === 'irqStack' && value !== null && typeof value !== 'object') {
      return err(
        diag('profile/bad-override', 'error', 'irqStack: only null can replace the whole object', {
          file: source,
        }),
      );
    }
    obj[last] = value;
  }
  const r = validateProfile(copy, source);
  if (!r.ok) return r;
  const id =
    overrides.length > 0
      ? `${base.id}+${overrides.length === 1 ? overrides[0] : `${overrides.length}-overrides`}`
      : base.id;
  return ok({
    ...r.value,
    id: base.id,
    title: id === base.id ? base.title : `${base.title} (${overrides.join(', ')})`,
  });
}

/** The field names the schema allows at `path` (nested objects, nullable or optional), or null. */
function schemaKeys(path: readonly string[]): string[] | null {
  let schema: z.ZodType = ProfileSchema;
  for (const key of [...path, '']) {
    while (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable)
      schema = (schema as z.ZodOptional<z.ZodType> | z.ZodNullable<z.ZodType>).unwrap();
    if (!(schema instanceof z.ZodObject)) return null;
    const shape = (schema as z.ZodObject<z.ZodRawShape>).shape;
    if (key === '') return Object.keys(shape);
    const next = shape[key];
    if (next === undefined) return null;
    schema = next as z.ZodType;
  }
  return null;
}

function unknownField(path: string, known: string[], source: string) {
  return diag(
    'profile/unknown-field',
    'error',
    `no profile field "${path}"`,
    { file: source },
    `one of ${known.join(', ')}`,
  );
}
