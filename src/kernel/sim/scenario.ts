// A scenario: the machine (CPUs, HZ, preemption), the tasks and what they call, the interrupt
// sources, and the code model they all execute. YAML or JSON, validated here; `stacklab run --schema`
// prints the JSON Schema so editors complete the fields.
//
//   scenario: 1
//   name: qemu-6.1-udp
//   profile: linux-6.1
//   cpus: 2
//   hz: 250
//   duration: 8s
//   codeModel: qemu-6.1-udp.code.yaml      # a file next to this one, or the model inline
//   tasks:
//     - { name: stackwork, cpu: 0, think: {exp: 50us}, syscalls: [{ call: __arm64_sys_sendmmsg }] }
//   timer: { handler: gic_handle_irq_timer }
//   irqs:
//     - { name: virtio0, handler: gic_handle_irq_virtio, rate: 200, cpus: [0] }
import { z } from 'zod';
import { type Diagnostic, diag } from '../../base/diag.ts';
import { err, ok, type Result } from '../../base/result.ts';
import { NS_PER_US } from '../../engine/time.ts';
import { type CodeModel, CodeModelSchema, validateCodeModel, zodDiagnostic } from './code-model.ts';
import { DistributionSchema, DurationOrZeroSchema, DurationSchema } from './distribution-schema.ts';

export const SCENARIO_VERSION = 1;

const Name = z.string().min(1).max(64);
const FnName = z.string().min(1).max(256);
const CpuList = z.array(z.number().int().min(0).max(4095)).min(1).max(4096);

export const TaskSchema = z
  .object({
    name: Name,
    cpu: z
      .number()
      .int()
      .min(0)
      .max(4095)
      .default(0)
      .describe('The CPU the task runs on (tasks do not migrate in this model).'),
    count: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(1)
      .describe('Copies of the task on that CPU (they share it round robin).'),
    think: DistributionSchema.default({ kind: 'fixed', ns: 10 * NS_PER_US }).describe(
      'Time in user mode between two syscalls.',
    ),
    syscalls: z
      .array(z.object({ call: FnName, weight: z.number().positive().max(1e9).default(1) }).strict())
      .min(1)
      .max(1000)
      .describe('The syscalls it makes (the function the syscall table calls), picked by weight.'),
  })
  .strict();

export const IrqSourceSchema = z
  .object({
    name: Name,
    handler: FnName.describe(
      'The top-level handler the entry code calls (handle_arch_irq: gic_handle_irq ...).',
    ),
    rate: z.number().positive().max(10_000_000).describe('Interrupts per second (a Poisson process).'),
    cpus: CpuList.optional().describe(
      'CPUs it may be delivered to (its affinity mask); each interrupt picks one at random.',
    ),
  })
  .strict();

export const ScenarioSchema = z
  .object({
    scenario: z.literal(SCENARIO_VERSION).describe('The scenario format version: 1.'),
    name: z.string().min(1).max(100).describe("The scenario's name, as run reports print it."),
    description: z
      .string()
      .max(4000)
      .optional()
      .describe('One paragraph: what real system it stands for and where its numbers come from.'),
    profile: z
      .string()
      .min(1)
      .max(64)
      .default('linux-6.1')
      .describe('The kernel profile used when the command line names none.'),
    cpus: z.number().int().min(1).max(256).describe('CPUs of the simulated machine.'),
    hz: z
      .number()
      .int()
      .min(24)
      .max(10_000)
      .default(250)
      .describe('CONFIG_HZ: the arch timer ticks each CPU this often.'),
    duration: DurationSchema.default(10e9).describe(
      'Simulated time when the command line gives no --duration.',
    ),
    seed: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .default(1)
      .describe('The master seed when the command line gives no --seed: the same seed gives the same run.'),
    codeModel: z
      .union([z.string().min(1).max(1000), CodeModelSchema])
      .describe('The code model: a file name (relative to the scenario) or the model itself.'),
    preempt: z
      .enum(['none', 'voluntary', 'full'])
      .default('voluntary')
      .describe(
        'Preemption model: `none` (return to user only), `voluntary` (+ cond_resched), `full` (+ IRQ return).',
      ),
    nohzIdle: z
      .boolean()
      .default(true)
      .describe("CONFIG_NO_HZ_IDLE: an idle CPU's tick is stopped (it takes no timer interrupt while idle)."),
    stackTracer: z
      .boolean()
      .default(true)
      .describe(
        'The ftrace stack tracer is enabled: its frames are real pushes (they count in the high-water).',
      ),
    stackTracerCost: DurationOrZeroSchema.default(620)
      .refine((v) => v <= 1e6, 'at most 1ms')
      .describe(
        "Time the stack tracer's callback takes at each traced function's entry, with the tracer's frames on the stack (taken from the function's self time): an interrupt arriving then lands on top of them, as in every real table's maximum. Default: measured under QEMU for 6.1's udp workload (bench/README.md, \"interrupts inside the tracer\").",
      ),
    stackTracerOpen: z
      .number()
      .min(0)
      .max(1)
      .default(0.35)
      .describe(
        "Share of those interrupts that come before stack_trace_call() raises its recursion guard (disable_stack_tracer; 4.x trace_active): the tracer samples what they run. The others it does not: it returns at once for every function they call (its frames still count). Default: the share of the callback's fast-path instructions before the guard [U]; under QEMU, which takes interrupts only between translation blocks, it is much smaller (qemu-6.1-udp).",
      ),
    timeslice: DurationSchema.default(3e6).describe(
      'Time slice after which the tick asks a task to give the CPU to the next runnable one.',
    ),
    tasks: z
      .array(TaskSchema)
      .max(1000)
      .default([])
      .describe('The tasks: each on one CPU, thinking in user mode and making syscalls.'),
    timer: z
      .object({ handler: FnName })
      .strict()
      .describe('The arch timer: its top-level interrupt handler (gic_handle_irq ...), ticking at hz.'),
    irqs: z
      .array(IrqSourceSchema)
      .max(1000)
      .default([])
      .describe('Device interrupt sources: a handler, a Poisson rate and the CPUs it may go to.'),
    ipi: z
      .object({ resched: FnName.optional(), 'call-function': FnName.optional() })
      .strict()
      .default({})
      .describe('The handlers of the two IPIs the code model can raise.'),
    ipiLatency: DurationSchema.default(2 * NS_PER_US).describe(
      'Delay between raising an IPI and its arrival.',
    ),
    window: DurationSchema.default(100 * NS_PER_US).describe(
      'CPUs run independently for this long between synchronisations; an IPI arrives no earlier than the next one.',
    ),
    panic: z
      .enum(['halt', 'reboot'])
      .default('halt')
      .describe(
        'After a kernel panic: `halt` stops that CPU (as the kernel does); `reboot` starts it again so rates can be measured.',
      ),
    idleTimerRate: z
      .number()
      .min(0)
      .max(100_000)
      .default(0)
      .describe(
        'Device interrupts while idle are still delivered; idle CPUs also get this many timer interrupts per second (pending timers).',
      ),
  })
  .strict();
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = Omit<z.output<typeof ScenarioSchema>, 'codeModel'> & {
  readonly codeModel: CodeModel;
  /** Where the code model came from (a file name, or "inline"). */
  readonly codeModelFile: string;
};

/**
 * Validates a parsed scenario. `loadCodeModel` reads a code model named by file (the CLI reads files;
 * this layer does not). Errors name the field path and what it accepts. `validated` keeps the code
 * models already validated, by file name, for callers that validate many variants of one scenario
 * (a sweep: the model is most of the work and the same for every point).
 */
export function validateScenario(
  value: unknown,
  file: string,
  loadCodeModel: (name: string) => Result<unknown>,
  validated?: Map<string, CodeModel>,
): Result<Scenario> {
  const parsed = ScenarioSchema.safeParse(value);
  if (!parsed.success) return err(zodDiagnostic('scenario/invalid', parsed.error, file));
  const s = parsed.data;
  let model: CodeModel;
  let modelFile = 'inline';
  if (typeof s.codeModel === 'string') {
    const known = validated?.get(s.codeModel);
    if (known !== undefined) model = known;
    else {
      const raw = loadCodeModel(s.codeModel);
      if (!raw.ok) return raw;
      const m = validateCodeModel(raw.value, s.codeModel);
      if (!m.ok) return m;
      model = m.value;
      validated?.set(s.codeModel, model);
    }
    modelFile = s.codeModel;
  } else {
    // The schema above already parsed it (durations became numbers): check the original again.
    const m = validateCodeModel((value as { codeModel: unknown }).codeModel, file);
    if (!m.ok) return err({ ...m.error, message: `codeModel.${m.error.message}` });
    model = m.value;
  }
  const sc: Scenario = { ...s, codeModel: model, codeModelFile: modelFile };
  const problems = checkScenario(sc, file);
  return problems.length > 0 ? err(problems[0]!) : ok(sc);
}

function checkScenario(s: Scenario, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const fns = s.codeModel.functions;
  const need = (path: string, name: string | undefined) => {
    if (name !== undefined && !Object.hasOwn(fns, name))
      out.push(
        diag('scenario/unknown-function', 'error', `${path}: no function "${name}" in the code model`, {
          file,
        }),
      );
  };
  const cpu = (path: string, c: number) => {
    if (c >= s.cpus)
      out.push(
        diag(
          'scenario/bad-cpu',
          'error',
          `${path}: CPU ${c} does not exist`,
          { file },
          `0..${s.cpus - 1} (cpus: ${s.cpus})`,
        ),
      );
  };
  s.tasks.forEach((t, i) => {
    cpu(`tasks.${i}.cpu`, t.cpu);
    t.syscalls.forEach((c, j) => {
      need(`tasks.${i}.syscalls.${j}.call`, c.call);
    });
  });
  need('timer.handler', s.timer.handler);
  s.irqs.forEach((q, i) => {
    need(`irqs.${i}.handler`, q.handler);
    q.cpus?.forEach((c, j) => {
      cpu(`irqs.${i}.cpus.${j}`, c);
    });
  });
  need('ipi.resched', s.ipi.resched);
  need('ipi.call-function', s.ipi['call-function']);
  if (s.ipiLatency > s.window)
    out.push(diag('scenario/bad-window', 'error', 'window: must be at least ipiLatency', { file }));
  if (s.window > 100e6)
    out.push(
      diag('scenario/bad-window', 'error', 'window: at most 100ms (IPIs would arrive that late)', { file }),
    );
  return out;
}

/** The JSON Schema of scenario files (`stacklab run --schema`). */
export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(ScenarioSchema, { io: 'input', unrepresentable: 'any' });
}
