// The interrupt overlay: what a kernel design adds on top of a binary's worst task path, and on
// which stack. The binary gives four numbers (worst task path, how deep the task path is when it
// enters __do_softirq, worst softirq path, worst hard-IRQ path); the profile gives the exception
// frame (pt_regs), the entry code's C frames, the IRQ-stack linkage and, above all, where hard IRQs
// and softirqs run (irqPlacement). Three moments are checked, each with the nested IRQ that
// __do_softirq's re-enabled interrupts allow:
//
//   hardirq        an IRQ arrives at the deepest point of the task path
//   irq-exit       at the end of that IRQ, irq_exit() runs softirqs, and another IRQ arrives in them
//   bh-enable      local_bh_enable() on the task path runs softirqs, and an IRQ arrives in them
//
//   linux-4.2 (no IRQ stack)          rfc-2015 / linux-4.5               linux-6.1
//   task stack                        task stack        IRQ stack        task stack        IRQ stack
//   +-----------------+               +-------------+   +------------+   +-------------+   +-----------+
//   | pt_regs (EL0)   |               | pt_regs     |   | gap/dummy  |   | pt_regs 336 |   | softirq   |
//   | task path       |               | task path   |   | handler    |   | task path   |   | nested IRQ|
//   | pt_regs (IRQ)   |               | pt_regs 288 |   | irq_exit   |   | pt_regs 336 |   | ...       |
//   | handler,softirq |               | (bh softirq |   | softirq    |   | entry C     |   +-----------+
//   | nested IRQ ...  |               |  stays here)|   | nested IRQ |   | 16 B record |
//   +-----------------+               +-------------+   +------------+   +-------------+
//
// Totals are compared with THREAD_SIZE and IRQ_STACK_SIZE. Where the binary lacks a frame the
// profile names (entry code, assembly), the profile's size is used and the segment says so.
import type { CallGraph } from '../elf/call-graph.ts';
import { findNodes } from '../elf/call-graph.ts';
import { analyzeWorstCase, deepestEntry, graphRoots, type RecursionPolicy } from '../elf/paths.ts';
import { FRAME_RECORD_SIZE } from '../model/constants.ts';
import type { EntryFrame, KernelProfile } from '../model/profile.ts';

export type StackName = 'task' | 'irq';

/** Where each kind of interrupt work runs under a profile (kernel-semantics.md §1 and §2). */
export interface IrqPlacement {
  /** The hard-IRQ handler (handle_arch_irq, e.g. gic_handle_irq, and what it calls). */
  readonly hardirq: StackName;
  /** __do_softirq run by irq_exit() at the end of an interrupt. */
  readonly irqExitSoftirq: StackName;
  /** __do_softirq run by local_bh_enable()/do_softirq() in task context. */
  readonly bhSoftirq: StackName;
}

/**
 * Decides, from the profile's fields, which stack hard-IRQ and softirq work lands on.
 * - No IRQ stack (linux-4.2): everything on the task stack, on top of the interrupted path.
 * - irq_exit inside the handler (`softirq.irqExitRunsIn: handler`, RFC 2015, v4.5-v5.15): irq_exit
 *   runs on the IRQ stack, so its softirqs do too.
 * - irq_exit in the C entry code (`entry`, v5.16+): it runs on the task stack; its softirqs move to
 *   the IRQ stack only if do_softirq_own_stack switches (`softirq.ownStack: irq-stack`, 6.1).
 * - local_bh_enable: the IRQ stack only if do_softirq_own_stack switches (6.1); else the task stack
 *   (RFC 2015, v4.5: their do_softirq_own_stack did not switch).
 */
export function irqPlacement(p: KernelProfile): IrqPlacement {
  if (p.irqStack === null) return { hardirq: 'task', irqExitSoftirq: 'task', bhSoftirq: 'task' };
  const own: StackName = p.softirq.ownStack === 'irq-stack' ? 'irq' : 'task';
  return {
    hardirq: 'irq',
    irqExitSoftirq: p.softirq.irqExitRunsIn === 'handler' ? 'irq' : own,
    bhSoftirq: own,
  };
}

/** What the binary contributes, in bytes. */
export interface OverlayInputs {
  /** The task path: its entry functions and worst depth (hard-IRQ and softirq code left out). */
  readonly task: { readonly entry: string; readonly bytes: number };
  /** How deep the task path is when it enters the softirq entry; undefined when it never does. */
  readonly bhEntryDepth: number | undefined;
  /** The softirq entry (__do_softirq) and its worst path (hard-IRQ code left out). */
  readonly softirq: { readonly entry: string; readonly bytes: number } | undefined;
  /** The hard-IRQ entry (gic_handle_irq), its own frame and its worst path (softirqs left out). */
  readonly hardirq: { readonly entry: string; readonly frame: number; readonly bytes: number } | undefined;
  /** A decoded frame by function name, when the binary has the function. */
  frameOf(name: string): number | undefined;
  /** Some path is a lower bound (unknown frames, unannotated indirect calls). */
  readonly incomplete: boolean;
  /** Some path runs through recursion without a bound. */
  readonly unbounded: boolean;
  /** Some path allocates dynamically (counted with its static part). */
  readonly dynamic: boolean;
  /** The entry names looked for (the one asked for, or the defaults), for saying what is missing. */
  readonly tried?: { readonly hardirq: readonly string[]; readonly softirq: readonly string[] };
}

export interface OverlaySegment {
  readonly what: string;
  readonly bytes: number;
  /** Where the number comes from. */
  readonly from: 'binary' | 'profile';
}

export type ScenarioId = 'hardirq' | 'irq-exit' | 'bh-enable';

export interface OverlayScenario {
  readonly id: ScenarioId;
  readonly title: string;
  readonly task: readonly OverlaySegment[];
  readonly irq: readonly OverlaySegment[];
}

export interface StackTotal {
  readonly bytes: number;
  readonly size: number;
  readonly margin: number;
  readonly scenario: ScenarioId;
}

export interface OverlayResult {
  readonly profile: string;
  readonly title: string;
  readonly placement: IrqPlacement;
  readonly scenarios: readonly OverlayScenario[];
  readonly worstTask: StackTotal;
  /** Undefined when the profile has no IRQ stack. */
  readonly worstIrq: StackTotal | undefined;
  readonly notes: readonly string[];
}

const sum = (segs: readonly OverlaySegment[]) => segs.reduce((n, s) => n + s.bytes, 0);

/** Lays the binary's paths out on the profile's stacks, scenario by scenario. */
export function irqOverlay(p: KernelProfile, inp: OverlayInputs): OverlayResult {
  const place = irqPlacement(p);
  const notes: string[] = [];
  const frames = (what: string, fs: readonly EntryFrame[]): OverlaySegment[] =>
    fs.map((f) => {
      const b = inp.frameOf(f.name);
      return {
        what: `${f.name} (${what})`,
        bytes: b ?? f.size,
        from: b === undefined ? 'profile' : 'binary',
      };
    });
  const seg = (what: string, bytes: number, from: OverlaySegment['from']): OverlaySegment => ({
    what,
    bytes,
    from,
  });
  const ptRegs = (why: string) => seg(`pt_regs (${why})`, p.PT_REGS_SIZE, 'profile');

  // The top of the task stack: the syscall's exception frame and the C entry frames above the path.
  const syscallFrames = p.entry.syscall.frames;
  const entryIsSyscallEntry =
    syscallFrames.some((f) => f.name === inp.task.entry) || p.entry.syscall.asm.includes(inp.task.entry);
  const top: OverlaySegment[] = [];
  if (p.THREAD_START_SP_GAP > 0) top.push(seg('THREAD_START_SP gap', p.THREAD_START_SP_GAP, 'profile'));
  top.push(ptRegs('syscall from EL0'));
  if (!entryIsSyscallEntry) top.push(...frames('syscall entry', syscallFrames));
  const taskPath = seg(`worst path from ${inp.task.entry}`, inp.task.bytes, 'binary');

  // An IRQ taken from EL1: pt_regs and the entry code's C frames, plus the 6.1 linkage record.
  const irqEntry = (why: string): OverlaySegment[] => [
    ptRegs(why),
    ...frames('IRQ entry', p.entry.el1Irq.frames),
  ];
  const linkage: OverlaySegment[] =
    p.irqStack?.linkage === 'call-on-irq-stack-record'
      ? [seg('call_on_irq_stack frame record', FRAME_RECORD_SIZE, 'profile')]
      : [];
  const irqTop: OverlaySegment[] = [];
  if (p.irqStack !== null) {
    if (p.irqStack.IRQ_STACK_START_GAP > 0) {
      irqTop.push(seg('IRQ_STACK_START_SP gap', p.irqStack.IRQ_STACK_START_GAP, 'profile'));
    }
    const dummy =
      p.irqStack.linkage === 'dummy-frame-32' ? 32 : p.irqStack.linkage === 'dummy-frame-16' ? 16 : 0;
    if (dummy > 0) irqTop.push(seg(`dummy frame (${p.irqStack.linkage})`, dummy, 'profile'));
  }
  const handler: OverlaySegment[] =
    inp.hardirq === undefined
      ? []
      : [seg(`worst hard-IRQ path from ${inp.hardirq.entry}`, inp.hardirq.bytes, 'binary')];
  const names = (n: readonly string[] | undefined, fallback: readonly string[]) =>
    (n ?? fallback).join(' or ');
  if (inp.hardirq === undefined)
    notes.push(
      `no hard-IRQ entry (${names(inp.tried?.hardirq, HARDIRQ_ENTRIES)}) in the binaries: handler bytes are 0`,
    );
  const softirq: OverlaySegment[] =
    inp.softirq === undefined
      ? []
      : [seg(`worst softirq path from ${inp.softirq.entry}`, inp.softirq.bytes, 'binary')];
  if (inp.softirq === undefined)
    notes.push(
      `no softirq entry (${names(inp.tried?.softirq, SOFTIRQ_ENTRIES)}) in the binaries: softirq bytes are 0`,
    );

  /** An IRQ arriving on `stack` where we already are: nested, it never switches stacks. */
  const nestedIrq = (stack: StackName): { task: OverlaySegment[]; irq: OverlaySegment[] } => {
    const entry = irqEntry('nested IRQ');
    if (stack === 'irq' || place.hardirq === 'task') {
      return stack === 'irq'
        ? { task: [], irq: [...entry, ...handler] }
        : { task: [...entry, ...handler], irq: [] };
    }
    // From the task stack with an IRQ stack: the handler switches (v6.1: leaving the linkage record).
    return { task: [...entry, ...linkage], irq: [...irqTop, ...handler] };
  };

  /**
   * Softirqs started in task context (irq_exit_rcu in the entry code, local_bh_enable): through
   * do_softirq_own_stack, which either switches to the IRQ stack (leaving the linkage record) or runs
   * __do_softirq where it is; then an IRQ arrives in them.
   */
  const softirqFromTask = (on: StackName, task: OverlaySegment[], irq: OverlaySegment[]) => {
    task.push(...frames('softirq own-stack', p.softirq.ownStackFrames));
    if (on === 'irq') {
      task.push(...linkage);
      irq.push(
        ...frames('IRQ stack, before __do_softirq', p.softirq.afterSwitchFrames),
        ...softirq,
        ...nestedIrq('irq').irq,
      );
      return;
    }
    task.push(...softirq);
    const n = nestedIrq('task');
    task.push(...n.task);
    irq.push(...n.irq);
  };

  const scenarios: OverlayScenario[] = [];
  // 1. A hard IRQ at the deepest point of the task path.
  {
    const task = [...top, taskPath, ...irqEntry('IRQ from EL1')];
    const irq: OverlaySegment[] = [];
    if (place.hardirq === 'task') task.push(...handler);
    else {
      task.push(...linkage);
      irq.push(...irqTop, ...handler);
    }
    scenarios.push({ id: 'hardirq', title: 'an IRQ at the deepest point of the task path', task, irq });
  }
  // 2. irq_exit() runs softirqs at the end of that IRQ; another IRQ arrives in them.
  {
    const task = [...top, taskPath, ...irqEntry('IRQ from EL1')];
    const irq: OverlaySegment[] = [];
    const handlerFrame: OverlaySegment[] =
      inp.hardirq === undefined
        ? []
        : [seg(`${inp.hardirq.entry} (its own frame)`, inp.hardirq.frame, 'binary')];
    const exitFrames = frames('irq_exit', p.softirq.irqExitFrames);
    if (p.softirq.irqExitRunsIn === 'handler') {
      // irq_exit() sits inside the handler, on whatever stack the handler uses.
      const onHandlerStack = [
        ...handlerFrame,
        ...exitFrames,
        ...frames('softirq own-stack', p.softirq.ownStackFrames),
        ...softirq,
      ];
      if (place.hardirq === 'task') {
        task.push(...onHandlerStack);
        const n = nestedIrq('task');
        task.push(...n.task);
        irq.push(...n.irq);
      } else {
        task.push(...linkage);
        irq.push(...irqTop, ...onHandlerStack, ...nestedIrq('irq').irq);
      }
    } else {
      // irq_exit_rcu() in the C entry code, on the task stack; do_softirq_own_stack decides.
      task.push(...exitFrames);
      softirqFromTask(place.irqExitSoftirq, task, irq);
    }
    scenarios.push({
      id: 'irq-exit',
      title: 'softirqs from irq_exit() at the end of that IRQ, and an IRQ in them',
      task,
      irq,
    });
  }
  // 3. local_bh_enable() on the task path runs softirqs; an IRQ arrives in them.
  {
    let depth = inp.bhEntryDepth;
    if (depth === undefined) {
      depth = inp.task.bytes;
      notes.push(
        `the task path never enters ${inp.softirq?.entry ?? '__do_softirq'}: bh-enable assumes softirqs at its deepest point`,
      );
    }
    const task = [
      ...top,
      seg(`task path until it enters ${inp.softirq?.entry ?? 'softirqs'}`, depth, 'binary'),
    ];
    const irq: OverlaySegment[] = [];
    softirqFromTask(place.bhSoftirq, task, irq);
    scenarios.push({
      id: 'bh-enable',
      title: 'softirqs from local_bh_enable() on the task path, and an IRQ in them',
      task,
      irq,
    });
  }

  const worstOf = (stack: 'task' | 'irq', size: number): StackTotal => {
    let best: StackTotal | undefined;
    for (const s of scenarios) {
      const bytes = sum(s[stack]);
      if (best === undefined || bytes > best.bytes)
        best = { bytes, size, margin: size - bytes, scenario: s.id };
    }
    return best!;
  };
  if (inp.incomplete)
    notes.push('some paths meet unknown frames or unannotated indirect calls: totals are lower bounds');
  if (inp.unbounded) notes.push('some paths run through recursion without a bound: totals count one trip');
  if (inp.dynamic) notes.push('some paths allocate dynamically (VLA/alloca): totals count the static part');
  return {
    profile: p.id,
    title: p.title,
    placement: place,
    scenarios,
    worstTask: worstOf('task', p.THREAD_SIZE),
    worstIrq: p.irqStack === null ? undefined : worstOf('irq', p.irqStack.IRQ_STACK_SIZE),
    notes,
  };
}

/** Hard-IRQ entry candidates, first found wins: the GIC handlers handle_arch_irq points at. */
export const HARDIRQ_ENTRIES = ['gic_handle_irq', 'handle_arch_irq'] as const;
/** Softirq entry candidates. */
export const SOFTIRQ_ENTRIES = ['__do_softirq'] as const;

/** Reads the overlay's inputs off the call graph. */
export function overlayInputs(
  g: CallGraph,
  policy: RecursionPolicy,
  taskEntries: readonly number[] | undefined,
  hardirqName: string | undefined,
  softirqName: string | undefined,
): OverlayInputs {
  const pick = (
    explicit: string | undefined,
    defaults: readonly string[],
  ): { name: string; nodes: number[] } | undefined => {
    for (const n of explicit === undefined ? defaults : [explicit]) {
      const nodes = findNodes(g, n);
      if (nodes.length > 0) return { name: n, nodes };
    }
    return undefined;
  };
  const hard = pick(hardirqName, HARDIRQ_ENTRIES);
  const soft = pick(softirqName, SOFTIRQ_ENTRIES);
  const mask = (...sets: (readonly number[] | undefined)[]) => {
    const m = new Uint8Array(g.size);
    for (const s of sets) for (const v of s ?? []) m[v] = 1;
    return m;
  };
  const cutBoth = analyzeWorstCase(g, policy, mask(hard?.nodes, soft?.nodes));
  const cutHard = analyzeWorstCase(g, policy, mask(hard?.nodes));
  const cutSoft = analyzeWorstCase(g, policy, mask(soft?.nodes));
  const roots = taskEntries ?? graphRoots(g, cutBoth);
  const maxOver = (wc: typeof cutBoth, nodes: readonly number[]) =>
    nodes.reduce((m, v) => Math.max(m, wc.worst[v]!), 0);
  const flag = (wc: typeof cutBoth, key: 'incomplete' | 'unbounded' | 'dynamic', nodes: readonly number[]) =>
    nodes.some((v) => wc[key][v] === 1);
  let taskEntry = '(deepest root)';
  let taskBytes = 0;
  for (const r of roots) {
    if (cutBoth.excluded[r] === 1) continue;
    if (cutBoth.worst[r]! >= taskBytes) {
      taskBytes = cutBoth.worst[r]!;
      taskEntry = g.name[r]!;
    }
  }
  const softNodes = soft?.nodes ?? [];
  const hardNodes = hard?.nodes ?? [];
  const all = (key: 'incomplete' | 'unbounded' | 'dynamic') =>
    flag(cutBoth, key, roots) || flag(cutHard, key, softNodes) || flag(cutSoft, key, hardNodes);
  const byName = new Map<string, number>();
  for (let v = 0; v < g.size; v++)
    if (g.frameKnown[v] === 1 && !byName.has(g.name[v]!)) byName.set(g.name[v]!, g.frame[v]!);
  return {
    task: { entry: taskEntry, bytes: taskBytes },
    bhEntryDepth: soft === undefined ? undefined : deepestEntry(g, cutHard, roots, new Set(soft.nodes)),
    softirq: soft === undefined ? undefined : { entry: soft.name, bytes: maxOver(cutHard, soft.nodes) },
    hardirq:
      hard === undefined
        ? undefined
        : {
            entry: hard.name,
            frame: hard.nodes.reduce((m, v) => Math.max(m, g.frame[v]!), 0),
            bytes: maxOver(cutSoft, hard.nodes),
          },
    frameOf: (name) => byName.get(name),
    incomplete: all('incomplete'),
    unbounded: all('unbounded'),
    dynamic: all('dynamic'),
    tried: {
      hardirq: hardirqName === undefined ? HARDIRQ_ENTRIES : [hardirqName],
      softirq: softirqName === undefined ? SOFTIRQ_ENTRIES : [softirqName],
    },
  };
}
