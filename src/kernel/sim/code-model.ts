// The kernel code model: what the simulator's tasks, interrupt handlers and softirq actions execute.
// Functions have a frame size, a self time and a list of steps (calls with probabilities and
// repeats, softirq raises, bottom-half enable points, IPIs, preemption points, sleeps). Built by
// `stacklab import` from real tables and traces, or written by hand; YAML or JSON.
//
//   codeModel: 1
//   name: seed-dragonboard
//   functions:
//     udp_sendmsg:
//       frame: 80              # bytes of its own frame
//       self: {exp: 3us}       # time in the function itself per call
//       calls:
//         - call: udp_send_skb
//           at: 0x2a8          # return offset, as %pS prints it (udp_sendmsg+0x2a8/0x7a0)
//         - raise: NET_RX
//         - local_bh_enable: true
//   kernel:
//     softirq: __do_softirq
//     actions: { NET_RX: net_rx_action, TIMER: run_timer_softirq }
import { z } from 'zod';
import { type Diagnostic, diag } from '../../base/diag.ts';
import { err, ok, type Result } from '../../base/result.ts';
import { SOFTIRQ_NAMES } from '../../model/constants.ts';
import { DistributionSchema } from './distribution-schema.ts';

export const CODE_MODEL_VERSION = 1;

const FnName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9_.$]+$/, 'a C symbol name (letters, digits, _ . $)');
const Probability = z.number().min(0).max(1).default(1);
const Offset = z.number().int().min(0).max(0x1000000);

const CallStep = z
  .object({
    /** The callee. */
    call: FnName,
    /** Return offset in the caller (the bl + 4), as %pS prints it. */
    at: Offset.optional(),
    /** Chance that one pass makes the call. */
    p: Probability,
    /** Passes (a loop around the call). */
    repeat: z.number().int().min(1).max(100_000).default(1),
  })
  .strict();

export const StepSchema = z.union([
  CallStep,
  z.object({ raise: z.enum(SOFTIRQ_NAMES), p: Probability }).strict(),
  z.object({ local_bh_disable: z.literal(true) }).strict(),
  /** Re-enables bottom halves; when the count drops to 0, pending softirqs run (the bh-enable path). */
  z.object({ local_bh_enable: z.literal(true) }).strict(),
  z
    .object({
      ipi: z.enum(['resched', 'call-function']),
      /** `other`: a CPU other than this one, chosen at random; `all`: every other CPU; or a CPU number. */
      to: z.union([z.literal('other'), z.literal('all'), z.number().int().min(0).max(4095)]).default('other'),
      p: Probability,
    })
    .strict(),
  /** A voluntary preemption point (cond_resched / might_sleep). */
  z.object({ cond_resched: z.literal(true) }).strict(),
  /** The task blocks in schedule() for this long (I/O, a lock, a wait queue). */
  z.object({ sleep: DistributionSchema, p: Probability }).strict(),
  /** Where a hard-IRQ handler calls irq_exit(), for eras that run it inside the handler (<= v5.15). */
  z.object({ irq_exit: z.literal(true) }).strict(),
  /** Inside the softirq entry function: where the pending actions run (default: after its self time). */
  z.object({ softirq_actions: z.literal(true) }).strict(),
]);
export type Step = z.output<typeof StepSchema>;

export const FunctionSchema = z
  .object({
    /** Bytes of the function's own frame (its prologue's SP adjustment). */
    frame: z
      .number()
      .int()
      .min(0)
      .max(1 << 20)
      .multipleOf(8),
    /** Time in the function itself per call, spread evenly over the gaps between its steps. */
    self: DistributionSchema.default({ kind: 'fixed', ns: 0 }),
    /** Function size for %pS ("+0x38/0x88"). */
    len: Offset.optional(),
    /** Offset of the {x29, x30} record above SP (GCC puts it at the frame bottom: 0). */
    recordOffset: z
      .number()
      .int()
      .min(0)
      .max(1 << 20)
      .multipleOf(8)
      .optional(),
    /** The function tracer hooks it (false for notrace and noinstr code). */
    traced: z.boolean().default(true),
    /** Module name for %pS (" [nfs]"). */
    module: z.string().min(1).max(64).optional(),
    /** Where the frame size came from (a table row, an ELF prologue, a guess). */
    from: z.string().max(200).optional(),
    calls: z.array(StepSchema).max(10_000).default([]),
  })
  .strict();
export type CodeFunction = z.output<typeof FunctionSchema>;

export const KernelPathsSchema = z
  .object({
    /** Functions local_bh_enable() passes through before do_softirq_own_stack (outermost first). */
    bhEnable: z.array(FnName).default([]),
    /** The softirq entry (__do_softirq): its frame sits under every action. */
    softirq: FnName.optional(),
    /** The action each softirq vector runs. */
    actions: z.partialRecord(z.enum(SOFTIRQ_NAMES), FnName).default({}),
    /** ksoftirqd's frames under __do_softirq (kthread, smpboot_thread_fn, run_ksoftirqd), outermost first. */
    ksoftirqd: z.array(FnName).default([]),
    /** An idle CPU's frames (do_idle, cpuidle_idle_call, ...): interrupts on an idle CPU land above them. */
    idle: z.array(FnName).default([]),
    /** Frames a task leaves on its stack when it switches out (schedule, __schedule, ...). */
    schedule: z.array(FnName).default([]),
    /** What irq_exit calls after any softirqs, in its frames (tick_irq_exit -> idle_cpu ...). */
    irqExit: z.array(FnName).default([]),
  })
  .strict();
export type KernelPaths = z.output<typeof KernelPathsSchema>;

export const CodeModelSchema = z
  .object({
    codeModel: z.literal(CODE_MODEL_VERSION),
    name: z.string().min(1).max(100),
    /** Where the model comes from (files, captures, tools). */
    source: z.string().max(4000).optional(),
    functions: z.record(FnName, FunctionSchema),
    kernel: KernelPathsSchema.default({
      bhEnable: [],
      actions: {},
      ksoftirqd: [],
      idle: [],
      schedule: [],
      irqExit: [],
    }),
  })
  .strict();
export type CodeModel = z.output<typeof CodeModelSchema>;

/** Validates a parsed YAML/JSON value as a code model: schema first, then every name resolves. */
export function validateCodeModel(value: unknown, file: string): Result<CodeModel> {
  const parsed = CodeModelSchema.safeParse(value);
  if (!parsed.success) return err(zodDiagnostic('code-model/invalid', parsed.error, file));
  const m = parsed.data;
  const problems = checkReferences(m, file);
  return problems.length > 0 ? err(problems[0]!) : ok(m);
}

/** The first zod issue as a diagnostic naming the field path. */
export function zodDiagnostic(code: string, error: z.ZodError, file: string, prefix = ''): Diagnostic {
  const issue = error.issues[0]!;
  const path = [prefix, ...issue.path.map(String)].filter((s) => s !== '').join('.');
  let msg = issue.message;
  if (issue.code === 'invalid_value') msg = `expected one of ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'unrecognized_keys')
    msg = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_union') msg = unionMessage(issue);
  return diag(code, 'error', `${path || '(top level)'}: ${msg}`, { file });
}

function unionMessage(issue: z.core.$ZodIssueInvalidUnion): string {
  // The closest alternative is the one whose first issue is deepest.
  let best: z.core.$ZodIssue | undefined;
  for (const alt of issue.errors) {
    const first = alt[0];
    if (first && (!best || first.path.length > best.path.length)) best = first;
  }
  // A union that says what it accepts (a duration's) says it; others name no alternative.
  if (!best || best.path.length === 0)
    return issue.message.startsWith('expected ') ? issue.message : 'not one of the accepted forms';
  return `${best.path.join('.')}: ${best.message}`;
}

function checkReferences(m: CodeModel, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const has = (n: string) => Object.hasOwn(m.functions, n);
  const bad = (path: string, name: string) =>
    out.push(
      diag('code-model/unknown-function', 'error', `${path}: no function "${name}" in functions`, { file }),
    );
  for (const [name, f] of Object.entries(m.functions)) {
    f.calls.forEach((s, i) => {
      if ('call' in s && !has(s.call)) bad(`functions.${name}.calls.${i}.call`, s.call);
    });
  }
  const k = m.kernel;
  for (const key of ['bhEnable', 'ksoftirqd', 'idle', 'schedule', 'irqExit'] as const)
    k[key].forEach((n, i) => {
      if (!has(n)) bad(`kernel.${key}.${i}`, n);
    });
  if (k.softirq !== undefined && !has(k.softirq)) bad('kernel.softirq', k.softirq);
  for (const [vec, n] of Object.entries(k.actions))
    if (n !== undefined && !has(n)) bad(`kernel.actions.${vec}`, n);
  const loop = certainCycle(m);
  if (loop !== null)
    out.push(
      diag(
        'code-model/endless-recursion',
        'error',
        `functions.${loop[0]}: ${loop.join(' -> ')} calls itself with probability 1 on every pass: it never returns`,
        { file },
        'a probability below 1 on one call of the cycle',
      ),
    );
  return out;
}

/** A cycle of calls that are all certain (p = 1): the walk would never end. */
function certainCycle(m: CodeModel): string[] | null {
  const state = new Map<string, 1 | 2>();
  const path: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 1);
    path.push(n);
    for (const s of m.functions[n]?.calls ?? []) {
      if (!('call' in s) || s.p < 1) continue;
      const st = state.get(s.call);
      if (st === 1) return [...path.slice(path.indexOf(s.call)), s.call];
      if (st === undefined) {
        const r = visit(s.call);
        if (r) return r;
      }
    }
    path.pop();
    state.set(n, 2);
    return null;
  };
  for (const n of Object.keys(m.functions)) {
    if (state.has(n)) continue;
    const r = visit(n);
    if (r) return r;
  }
  return null;
}
