// The fast stack machine and the exact one are the same machine: random programs of calls, hard
// IRQs, softirqs from every path and exits run through both, and after every step the stack SP is
// on, its depth, the frame count and the entry counters must agree. Kernel-tracer samples taken
// through the fast machine's rebuild must print what the exact machine's own tracer prints.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { RngStreams } from '../../../src/engine/streams.ts';
import { KernelStackTracer } from '../../../src/kernel/check-stack.ts';
import type { CodeMap } from '../../../src/kernel/codemap.ts';
import { DeclaredFailurePages, DynamicPages, dynamicParams } from '../../../src/kernel/dynamic-pages.ts';
import {
  enterFromUser,
  enterSoftirq,
  exitEntry,
  pushEntryFrames,
  returnToEntryCode,
  takeIrq,
} from '../../../src/kernel/entry.ts';
import { type Cpu, StackMachine } from '../../../src/kernel/machine.ts';
import { validateCodeModel } from '../../../src/kernel/sim/code-model.ts';
import { CompiledModel } from '../../../src/kernel/sim/compiled.ts';
import { SimDynamicStacks } from '../../../src/kernel/sim/dynamic-sim.ts';
import { ExactShadow, traceIpText } from '../../../src/kernel/sim/exact-shadow.ts';
import { type FastCpu, FastMachine, LOC_TRACER_PC } from '../../../src/kernel/sim/fast-machine.ts';
import {
  checkStackThisSize,
  FastKernelTracer,
  tracerDepthDelta,
} from '../../../src/kernel/sim/fast-tracer.ts';
import type { KernelProfile } from '../../../src/model/profile.ts';
import { applyOverrides } from '../../../src/model/profile.ts';
import { BUILTIN_PROFILES as PROFILES } from '../../../src/model/profiles.ts';

const SIZES = Array.from({ length: 24 }, (_, i) => (i + 1) * 16);
const model = (() => {
  const functions: Record<string, unknown> = {};
  SIZES.forEach((s, i) => {
    functions[`f${i}`] = { frame: s, len: 0x100 };
  });
  const r = validateCodeModel({ codeModel: 1, name: 'eq', functions }, 'eq');
  assert.ok(r.ok);
  return r.value;
})();

type Op =
  | { op: 'call'; fn: number; traced: boolean }
  | { op: 'ret' }
  | { op: 'irq' }
  /** A hard IRQ arriving while the stack tracer runs for function `fn` (profile tracer.interrupt). */
  | { op: 'tracer-irq'; fn: number }
  | { op: 'irq-exit-softirq' }
  | { op: 'irq-exit-frames' }
  | { op: 'bh-softirq' }
  | { op: 'exit' }
  /** A task switch: the dynamic stacks' refill point (nothing else here: the frames stay). */
  | { op: 'switch' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('call' as const),
      fn: fc.integer({ min: 0, max: 23 }),
      traced: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ op: 'ret' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'irq' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('tracer-irq' as const), fn: fc.integer({ min: 0, max: 23 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'irq-exit-softirq' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'irq-exit-frames' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'bh-softirq' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'exit' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'switch' as const }) },
);

interface Both {
  readonly fm: FastMachine;
  readonly fc: FastCpu;
  readonly code: CompiledModel;
  readonly shadow: ExactShadow;
  readonly m: StackMachine;
  readonly ec: Cpu;
  readonly codes: CodeMap;
  readonly tracer: KernelStackTracer;
  readonly fastTracer: FastKernelTracer;
  /** Open entries (kinds) and the calls made inside each, as in the kernel's nesting rules. */
  readonly open: { kind: 'irq' | 'softirq'; calls: number[]; exitedToEntry: boolean }[];
  /** Frame blocks pushed in task context, popped a block at a time (a call is 1, irq exit's frames a few). */
  taskCalls: number[];
  readonly problems: string[];
  /** Dynamic stacks: the fast machine's hook (the exact machine has its own pages, m.dynamic). */
  readonly dyn: SimDynamicStacks | null;
}

/** Both machines' dynamic pages: the same parameters and the same refill-failure draws. */
function dynamicPair(p: KernelProfile): { fast: DynamicPages; exact: DynamicPages } | null {
  if (p.stackAllocation !== 'dynamic') return null;
  const params = dynamicParams(p);
  const pages = () =>
    new DynamicPages(
      params,
      1,
      1,
      new DeclaredFailurePages(params.refillFailureP, new RngStreams(7).stream('dynamic-stack-refill')),
    );
  return { fast: pages(), exact: pages() };
}

function setup(p: KernelProfile, start: 'syscall' | 'irq' | 'kthread'): Both {
  const code = new CompiledModel(model);
  const fm = new FastMachine(p, code, 1, 1);
  const shadow = new ExactShadow(p, code, 1, 1);
  const pair = dynamicPair(p);
  const m = new StackMachine(p, { cpus: 1, tasks: 1, ...(pair ? { dynamic: pair.exact } : {}) });
  const dyn = pair ? new SimDynamicStacks(fm, pair.fast) : null;
  const codes = shadow.codes; // one address space, so both tracers print the same texts
  const b: Both = {
    fm,
    fc: fm.cpus[0]!,
    code,
    shadow,
    m,
    ec: m.cpus[0]!,
    codes,
    tracer: new KernelStackTracer(m, codes),
    fastTracer: new FastKernelTracer(fm, shadow, p),
    open: [],
    taskCalls: [],
    problems: [],
    dyn,
  };
  // The simulator's exact machine holds only live frames' words (exact-shadow.ts): the reference forgets
  // a frame's words when it is popped, so stale words cannot make one scan match early.
  m.observe({
    onPush: () => {},
    onBeforePop: (cpu) => {
      const f = cpu.top();
      if (f && f.size > 0) f.stack.clearRange(f.base, f.base + BigInt(f.size));
    },
  });
  fm.enterFromUser(b.fc, start);
  if (start === 'kthread')
    enterFromUser(m, b.ec, 'syscall', codes, { vector: 'ret_from_fork', pushEntryFrames: false });
  else enterFromUser(m, b.ec, start, codes);
  if (start === 'irq') b.open.push({ kind: 'irq', calls: [], exitedToEntry: false });
  return b;
}

function compare(b: Both, where: string): void {
  const { fm, fc: f, ec } = b;
  const kind = fm.stackKind[f.stack] === 0 ? 'task' : fm.stackKind[f.stack] === 1 ? 'irq' : 'overflow';
  const ed = ec.stack.depthOf(ec.sp);
  const bad = (what: string, a: unknown, e: unknown) =>
    b.problems.push(`${where}: ${what} fast=${a} exact=${e}`);
  if (kind !== ec.stack.kind) bad('stack', kind, ec.stack.kind);
  if (f.depth !== ed) bad('depth', f.depth, ed);
  if (fm.nFrames[0] !== ec.frames.length) bad('frames', fm.nFrames[0], ec.frames.length);
  if (f.hardirqDepth !== ec.hardirqDepth) bad('hardirqDepth', f.hardirqDepth, ec.hardirqDepth);
  if (f.softirqDepth !== ec.softirqDepth) bad('softirqDepth', f.softirqDepth, ec.softirqDepth);
  if (f.irqCountX86 !== ec.irqCountX86) bad('irqCountX86', f.irqCountX86, ec.irqCountX86);
  if (f.irqCount !== ec.irqCount) bad('irqCount', f.irqCount, ec.irqCount);
  if (f.hardirqStackInuse !== ec.hardirqStackInuse) bad('inuse', f.hardirqStackInuse, ec.hardirqStackInuse);
  if (f.halted !== ec.halted) bad('halted', f.halted, ec.halted);
  if (b.dyn) {
    const a = b.dyn.pages;
    const e = b.m.dynamic!;
    for (const k of ['faults', 'panics', 'refills', 'refillFailures'] as const)
      if (a.stats[k] !== e.stats[k]) bad(k, a.stats[k], e.stats[k]);
    if (a.mapped(0) !== e.mapped(0)) bad('mapped pages', a.mapped(0), e.mapped(0));
    if (a.poolSize(0) !== e.poolSize(0)) bad('pool', a.poolSize(0), e.poolSize(0));
  }
}

/** A traced function's entry on both: the exact tracer samples the exact CPU, the fast path goes through rebuild. */
function tracedCall(b: Both, fn: number): void {
  const { fm, fc: f, code, codes, m, ec, shadow } = b;
  const p = m.profile;
  const name = code.names[fn]!;
  const retLoc = code.loc(`f${fn}-caller+0x10/0x100`);
  const ret = codes.addr(code.locs[retLoc]!) + 4n;
  const sampleBoth = () => {
    const dl = f.depth + tracerDepthDelta(p);
    const predicted = checkStackThisSize(fm, f.stack, dl, p.THREAD_SIZE, shadow.tracer.tracerFrame);
    const before = b.tracer.maxSize;
    b.tracer.sample(ec, { fn: name, ip: codes.addr(traceIpText(name, p.tracer.hook)) + 4n, parent: ret });
    // The fast path skips samples whose this_size cannot beat the max: the exact tracer must agree.
    if (predicted <= shadow.tracer.maxSize && b.tracer.maxSize !== before && shadow.tracer.maxSize === before)
      b.problems.push(`fast path would skip a sample that raised the max (${before} -> ${b.tracer.maxSize})`);
    b.fastTracer.sample(f, name, retLoc);
    const t1 = b.tracer.table;
    const t2 = shadow.table;
    const txt = (t: typeof t1) =>
      t === null ? 'none' : t.rows.map((r) => `${r.depth} ${r.location.text}`).join('|');
    if (b.tracer.maxSize !== shadow.tracer.maxSize || txt(t1) !== txt(t2))
      b.problems.push(
        `tracer: exact ${b.tracer.maxSize} ${txt(t1)} / rebuilt ${shadow.tracer.maxSize} ${txt(t2)}`,
      );
  };
  const after = p.tracer.hook === 'mcount-after-prologue';
  if (!after) sampleBoth();
  pushFnEither(fm, f, fn, retLoc);
  m.pushFunction(ec, { kind: 'function', name, size: code.frame[fn]!, ret, recordOffset: 0 });
  if (after) sampleBoth();
}

/** A function frame as the simulator's hot loop pushes it: the fast path, else the general push. */
function pushFnEither(fm: FastMachine, f: FastCpu, fn: number, retLoc: number): void {
  if (!fm.pushFnFast(f, fn, retLoc)) fm.pushFn(f, fn, retLoc);
}

function step(b: Both, o: Op): void {
  const { fm, fc: f, m, ec, codes, code } = b;
  const top = b.open[b.open.length - 1];
  switch (o.op) {
    case 'call':
      if (o.traced) tracedCall(b, o.fn);
      else {
        const retLoc = code.loc(`caller${o.fn}+0x8/0x100`);
        pushFnEither(fm, f, o.fn, retLoc);
        m.pushFunction(ec, {
          kind: 'function',
          name: code.names[o.fn]!,
          size: code.frame[o.fn]!,
          ret: codes.addr(code.locs[retLoc]!) + 4n,
        });
      }
      (top ? top.calls : b.taskCalls).push(1);
      return;
    case 'ret': {
      const n = (top ? top.calls : b.taskCalls).pop() ?? 0;
      for (let k = 0; k < n; k++) {
        // The simulator's hot-loop pop where it applies (a frame on the stack SP is on), else pop().
        if (!fm.popFast(f, fm.nFrames[f.task]! - 1)) fm.pop(f);
        m.pop(ec);
      }
      return;
    }
    case 'irq': {
      if (f.hardirqDepth !== 0) return;
      const [elr, lr] = [code.loc('intr+0x4/0x100'), code.loc('intr-caller+0x8/0x100')];
      fm.takeIrq(f, elr, lr);
      takeIrq(m, ec, codes, { elr: codes.addr(code.locs[elr]!) + 4n, lr: codes.addr(code.locs[lr]!) + 4n });
      b.open.push({ kind: 'irq', calls: [], exitedToEntry: false });
      return;
    }
    case 'tracer-irq': {
      const ti = m.profile.tracer.interrupt;
      if (f.hardirqDepth !== 0 || !ti) return;
      // The tracer's frames, as replay pushes a table's (ftrace frames, the interrupted one last).
      fm.pushTracerFrames(f, o.fn);
      ti.frames.forEach((tf, k) => {
        const text = tf.ret ?? traceIpText(code.names[o.fn]!, m.profile.tracer.hook);
        m.pushFunction(ec, {
          kind: k === ti.frames.length - 1 ? 'interrupted' : 'ftrace',
          name: tf.name,
          size: tf.size,
          ret: codes.addr(text) + 4n,
          recordOffset: tf.recordOffset,
        });
      });
      (top ? top.calls : b.taskCalls).push(ti.frames.length);
      fm.takeIrq(f, LOC_TRACER_PC, -1);
      takeIrq(m, ec, codes, { elr: codes.addr(ti.pc) + 4n, lr: 0n });
      b.open.push({ kind: 'irq', calls: [], exitedToEntry: false });
      return;
    }
    case 'irq-exit-softirq': {
      if (top?.kind !== 'irq' || f.softirqDepth > 0 || f.context !== 1 || top.exitedToEntry) return;
      if (m.profile.softirq.irqExitRunsIn === 'entry') {
        // The handler returns to the entry code first (its calls are popped with it).
        fm.returnToEntryCode(f);
        returnToEntryCode(m, ec);
        top.calls = [];
        top.exitedToEntry = true;
      }
      fm.enterSoftirq(f, 'irq-exit');
      enterSoftirq(m, ec, 'irq-exit', codes);
      b.open.push({ kind: 'softirq', calls: [], exitedToEntry: false });
      return;
    }
    case 'irq-exit-frames': {
      if (top?.kind !== 'irq' || f.context !== 1) return;
      fm.pushIrqExitFrames(f);
      pushEntryFrames(m, ec, m.profile.softirq.irqExitFrames, ec.top()?.name ?? 'irq', codes);
      top.calls.push(m.profile.softirq.irqExitFrames.length);
      return;
    }
    case 'bh-softirq':
      if (top || f.context !== 0) return;
      fm.enterSoftirq(f, 'bh-enable');
      enterSoftirq(m, ec, 'bh-enable', codes);
      b.open.push({ kind: 'softirq', calls: [], exitedToEntry: false });
      return;
    case 'switch':
      if (!b.dyn) return;
      b.dyn.schedulePoint(f);
      m.scheduleCheck(ec);
      return;
    case 'exit':
      if (!top) return;
      fm.exitEntry(f);
      exitEntry(m, ec);
      b.open.pop();
      return;
  }
}

function run(p: KernelProfile, start: 'syscall' | 'irq' | 'kthread', ops: readonly Op[]): string[] {
  const b = setup(p, start);
  compare(b, 'start');
  ops.forEach((o, i) => {
    if (b.fc.halted || b.problems.length > 0) return;
    if (start === 'irq' && b.open.length === 0) return;
    step(b, o);
    compare(b, `op ${i} ${JSON.stringify(o)}`);
  });
  return b.problems;
}

const small = (p: KernelProfile) => {
  const r = applyOverrides(p, [
    'THREAD_SIZE=4096',
    ...(p.irqStack ? ['irqStack.IRQ_STACK_SIZE=4096'] : []),
    `THREAD_ALIGN=${p.VMAP_STACK ? 8192 : 4096}`,
  ]);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
};

/** Runs the property; a failure reports the shrunk program's first disagreements. */
function check(
  p: KernelProfile,
  start: 'syscall' | 'irq' | 'kthread',
  minLength: number,
  maxLength: number,
): void {
  const prop = fc.property(
    fc.array(opArb, { minLength, maxLength }),
    (ops) => run(p, start, ops).length === 0,
  );
  const r = fc.check(prop, { numRuns: process.env.STACKLAB_LONG ? 1000 : 60 });
  if (r.failed && r.counterexample) {
    const ops = r.counterexample[0];
    assert.fail(`${JSON.stringify(ops)}\n${run(p, start, ops).slice(0, 3).join('\n')}`);
  }
}

describe('fast stack machine = exact stack machine', () => {
  for (const p of PROFILES) {
    for (const start of ['syscall', 'irq', 'kthread'] as const) {
      test(`${p.id}, from ${start}: same stacks, depths, counters and tracer tables`, () =>
        check(p, start, 1, 80));
    }
    test(`${p.id} with 4 KB stacks: overflows stop or corrupt the same way`, () =>
      check(small(p), 'syscall', 20, 120));
  }
  // Dynamic stacks (issue 13): the same faults, refills, refill failures and panics.
  const dynamic = (id: string, sets: string[]) => {
    const base = PROFILES.find((p) => p.id === id)!;
    const r = applyOverrides(base, ['stackAllocation=dynamic', ...sets]);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.value;
  };
  for (const [id, sets] of [
    ['linux-6.1', []],
    ['linux-6.1', ['dynamicStack.poolPages=1', 'dynamicStack.refillFailureP=0.4']],
    ['linux-6.1', ['dynamicStack.poolPages=0']],
    ['x86_64-6.1', ['dynamicStack.pagesAtFork=2', 'dynamicStack.poolPages=1']],
  ] as const) {
    for (const start of ['syscall', 'irq'] as const)
      test(`${id} dynamic ${sets.join(' ') || '(defaults)'}, from ${start}: same faults, refills and panics`, () =>
        check(dynamic(id, [...sets]), start, 20, 120));
  }
});
