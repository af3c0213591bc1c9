// A random kernel program for property tests: calls, returns, hard IRQs (from task context or
// inside a softirq), softirqs from irq_exit and from local_bh_enable, and exits, in legal orders.
import fc from 'fast-check';
import { AllStacksTracer } from '../../src/kernel/all-stacks-tracer.ts';
import { CodeMap } from '../../src/kernel/codemap.ts';
import { enterFromUser, enterSoftirq, exitEntry, takeIrq } from '../../src/kernel/entry.ts';
import { type Cpu, StackMachine } from '../../src/kernel/machine.ts';
import type { KStack } from '../../src/kernel/stack.ts';
import type { KernelProfile } from '../../src/model/profile.ts';

export type Op =
  | { op: 'call'; size: number }
  | { op: 'ret' }
  | { op: 'irq' }
  | { op: 'softirq-irq-exit' }
  | { op: 'softirq-bh' }
  | { op: 'exit' };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.integer({ min: 1, max: 24 }).map((n) => ({ op: 'call' as const, size: n * 16 })),
  },
  { weight: 3, arbitrary: fc.constant({ op: 'ret' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'irq' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'softirq-irq-exit' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'softirq-bh' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'exit' as const }) },
);

interface OpenEntry {
  readonly kind: 'irq' | 'softirq';
  readonly spBefore: bigint;
  readonly stackBefore: KStack;
  readonly framesBefore: number;
  /** Calls made inside this entry that are still live (a ret pops only these). */
  calls: number;
}

export interface RunLog {
  readonly violations: string[];
  readonly machine: StackMachine;
  readonly tracer: AllStacksTracer;
  /** Reference maxima, computed from the live frames after every op. */
  readonly reference: Map<KStack, number>;
  irqs: number;
  softirqs: number;
  switches: number;
}

/** Runs `ops` under `profile`, checking the invariants after every step; never throws for legal programs. */
export function runProgram(
  profile: KernelProfile,
  ops: readonly Op[],
  start: 'syscall' | 'irq' = 'syscall',
): RunLog {
  const m = new StackMachine(profile, { cpus: 1, tasks: 1 });
  const cpu = m.cpus[0]!;
  const codes = new CodeMap();
  const tracer = new AllStacksTracer(m, (pc) => codes.symbolize(pc) ?? '?');
  const log: RunLog = {
    violations: [],
    machine: m,
    tracer,
    reference: new Map(),
    irqs: 0,
    softirqs: 0,
    switches: 0,
  };
  const open: OpenEntry[] = [];
  if (start === 'irq') {
    const top = m.startSp(cpu.task.stack);
    open.push({ kind: 'irq', spBefore: top, stackBefore: cpu.task.stack, framesBefore: 0, calls: 0 });
    log.irqs++;
  }
  enterFromUser(m, cpu, start, codes);
  check(cpu, log);
  let taskCalls = 0;
  let n = 0;
  const fn = () => `f${n++}`;
  for (const o of ops) {
    if (cpu.halted) break;
    // The IRQ from user mode has returned: the CPU is back in user space, the program is over.
    if (start === 'irq' && open.length === 0) break;
    const top = open[open.length - 1];
    switch (o.op) {
      case 'call':
        m.call(cpu, fn(), o.size, codes.addr(`ret${n}`));
        if (top) top.calls++;
        else taskCalls++;
        break;
      case 'ret':
        if (top ? top.calls > 0 : taskCalls > 0) {
          m.pop(cpu);
          if (top) top.calls--;
          else taskCalls--;
        }
        break;
      case 'irq': {
        // Hard IRQs are masked inside a hard IRQ handler: only from task or softirq context.
        if (cpu.hardirqDepth !== 0) break;
        const e: OpenEntry = {
          kind: 'irq',
          spBefore: cpu.sp,
          stackBefore: cpu.stack,
          framesBefore: cpu.frames.length,
          calls: 0,
        };
        const before = cpu.switches.length;
        if (!takeIrq(m, cpu, codes, { elr: codes.addr(`elr${n}`), lr: codes.addr(`lr${n}`) })) break;
        if (cpu.switches.length > before) log.switches++;
        open.push(e);
        log.irqs++;
        break;
      }
      case 'softirq-irq-exit':
        // irq_exit runs softirqs when leaving a hard IRQ that did not interrupt softirq processing.
        if (top?.kind !== 'irq' || cpu.softirqDepth > 0 || cpu.context !== 'hardirq') break;
        if (!enterSoftirq(m, cpu, 'irq-exit', codes)) break;
        open.push({
          kind: 'softirq',
          spBefore: cpu.sp,
          stackBefore: cpu.stack,
          framesBefore: cpu.frames.length,
          calls: 0,
        });
        log.softirqs++;
        break;
      case 'softirq-bh':
        if (top || cpu.context !== 'task') break;
        {
          const e: OpenEntry = {
            kind: 'softirq',
            spBefore: cpu.sp,
            stackBefore: cpu.stack,
            framesBefore: cpu.frames.length,
            calls: 0,
          };
          if (!enterSoftirq(m, cpu, 'bh-enable', codes)) break;
          open.push(e);
          log.softirqs++;
        }
        break;
      case 'exit': {
        if (!top) break;
        exitEntry(m, cpu);
        open.pop();
        if (top.kind === 'irq' || open.length === 0 || top.spBefore !== undefined) {
          // SP returns exactly to its value before the entry, on the same stack.
          if (top.kind === 'irq' && (cpu.sp !== top.spBefore || cpu.stack !== top.stackBefore))
            log.violations.push(
              `SP after IRQ exit ${cpu.sp.toString(16)} on ${cpu.stack.name}, expected ${top.spBefore.toString(16)} on ${top.stackBefore.name}`,
            );
          if (cpu.frames.length !== top.framesBefore && top.kind === 'irq')
            log.violations.push(`frames after IRQ exit ${cpu.frames.length}, expected ${top.framesBefore}`);
        }
        break;
      }
    }
    check(cpu, log);
  }
  // Unwind everything: SP must come back to the syscall entry level.
  return log;
}

function check(cpu: Cpu, log: RunLog): void {
  const irqSwitches = cpu.switches.filter((s) => s.stack.kind === 'irq').length;
  if (irqSwitches > 1) log.violations.push(`IRQ stack entered ${irqSwitches} times`);
  const nested = cpu.frames.filter(
    (f) => f.kind === 'pt_regs' && f.exception?.kind === 'irq' && f.context === 'hardirq',
  );
  if (nested.length > 0) log.violations.push('a hard IRQ nested inside a hard IRQ');
  if (cpu.hardirqDepth > 1) log.violations.push(`hardirqDepth ${cpu.hardirqDepth}`);
  for (const f of cpu.frames) {
    if (f.kind === 'trampoline' || f.kind === 'tracer') continue;
    const d = f.stack.depthOf(f.base);
    if ((log.reference.get(f.stack) ?? -1) < d) log.reference.set(f.stack, d);
  }
  // The SP is always inside the stack it claims to be on (or the CPU is halted by an overflow).
  if (!cpu.halted && !(cpu.sp >= cpu.stack.low - 65536n && cpu.sp <= cpu.stack.high))
    log.violations.push(`SP ${cpu.sp.toString(16)} outside ${cpu.stack.name}`);
}
