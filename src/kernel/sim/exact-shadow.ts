// The exact stack machine beside the fast one. When the fast path needs what only exact memory
// gives (the kernel tracer's table at a new maximum, the text of an overflow panic), the CPU's live
// frames are pushed again, in order, through the same entry.ts functions replay uses, and the exact
// machine answers. This happens at new maxima and overflows only: a handful of times per run.
//
// Model simplification: rebuilt stack memory holds only the live frames' words; stale words a real
// stack keeps below and inside live frames (which can make the real tracer match early) are not kept.
import type { KernelProfile } from '../../model/profile.ts';
import { KernelStackTracer, type TracerTable } from '../check-stack.ts';
import { CodeMap } from '../codemap.ts';
import {
  enterFromUser,
  enterSoftirq,
  irqStackSwitch,
  pushEntryFrames,
  resetEntries,
  takeIrq,
} from '../entry.ts';
import { type Cpu, type StackEvent, StackMachine } from '../machine.ts';
import { unwindAllStacks } from '../unwind.ts';
import type { CompiledModel } from './compiled.ts';
import {
  F,
  F_AUX,
  F_ID,
  F_KIND,
  F_LOC,
  F_SIZE,
  F_STEP,
  type FastCpu,
  type FastMachine,
  FK_FN,
  LOC_TRACER_PC,
  STEP_EL1_IRQ,
  STEP_FN,
  STEP_IRQ_EXIT_FRAMES,
  STEP_KOFF,
  STEP_SOFTIRQ_BH,
  STEP_SOFTIRQ_IRQ_EXIT,
  STEP_SOFTIRQ_KSOFTIRQD,
  STEP_SWITCH,
  STEP_TRACE,
  STEP_USER_IRQ,
  STEP_USER_KTHREAD,
  STEP_USER_SYSCALL,
} from './fast-machine.ts';

/** The ip the tracer gets for a traced function, as %pS prints it (mcount: after the prologue). */
export function traceIpText(fn: string, hook: KernelProfile['tracer']['hook']): string {
  return hook === 'patchable-entry' ? `${fn}+0x8` : hook === 'fentry' ? `${fn}+0x5` : fn;
}

export class ExactShadow {
  readonly m: StackMachine;
  readonly codes = new CodeMap();
  readonly tracer: KernelStackTracer;
  /** Events the exact machine raised while the tracer sampled (not while rebuilding). */
  private listening = false;
  private readonly heard: StackEvent[] = [];

  constructor(
    readonly profile: KernelProfile,
    private readonly code: CompiledModel,
    nCpus: number,
    nTasks: number,
  ) {
    this.m = new StackMachine(profile, { cpus: nCpus, tasks: nTasks, dynamic: 'off' });
    this.tracer = new KernelStackTracer(this.m, this.codes);
    this.m.observe({
      onPush: () => {},
      onEvent: (e) => {
        if (this.listening) this.heard.push(e);
      },
    });
  }

  /** The real return address the exact machine stores for a location (the printed text + 4, as replay does). */
  lr(loc: number): bigint {
    return this.codes.addr(this.code.locs[loc]!) + 4n;
  }

  /** Puts the exact CPU in the fast CPU's state: same task, same live frames, same counters. */
  rebuild(fast: FastMachine, cpu: FastCpu): Cpu {
    const m = this.m;
    const ec = m.cpus[cpu.id]!;
    const task = m.tasks[cpu.task]!;
    task.stack.clear();
    task.stack.write(m.stackEndMagicAddr(task.stack), fast.magicGone[cpu.task] ? 0n : 0x57ac6e9dn);
    ec.irqStack?.clear();
    ec.overflowStack?.clear();
    m.resetToTop(ec, task);
    resetEntries(ec);
    const fr = fast.frames[cpu.task]!;
    const n = fast.nFrames[cpu.task]!;
    for (let i = 0; i < n; i++) {
      const o = i * F;
      if (!this.replayStep(ec, fr, o)) break;
    }
    ec.context = cpu.context === 0 ? 'task' : cpu.context === 1 ? 'hardirq' : 'softirq';
    ec.hardirqDepth = cpu.hardirqDepth;
    ec.softirqDepth = cpu.softirqDepth;
    ec.irqCountX86 = cpu.irqCountX86;
    ec.irqCount = cpu.irqCount;
    ec.hardirqStackInuse = cpu.hardirqStackInuse;
    ec.halted = false;
    return ec;
  }

  private replayStep(ec: Cpu, fr: Int32Array, o: number): boolean {
    const m = this.m;
    const codes = this.codes;
    switch (fr[o + F_STEP]) {
      case STEP_USER_SYSCALL:
        return enterFromUser(m, ec, 'syscall', codes);
      case STEP_USER_IRQ:
        return enterFromUser(m, ec, 'irq', codes, { switchNow: false });
      case STEP_USER_KTHREAD:
        return enterFromUser(m, ec, 'syscall', codes, { vector: 'ret_from_fork', pushEntryFrames: false });
      case STEP_EL1_IRQ: {
        ec.hardirqDepth = 0; // the fast machine took this IRQ with IRQs enabled
        const lrLoc = fr[o + F_AUX]!;
        const elrLoc = fr[o + F_LOC]!;
        const elr =
          elrLoc === LOC_TRACER_PC
            ? codes.addr(this.profile.tracer.interrupt?.pc ?? 'stack_trace_call') + 4n
            : this.lr(elrLoc);
        return takeIrq(m, ec, codes, {
          elr,
          lr: lrLoc >= 0 ? this.lr(lrLoc) : 0n,
          switchNow: false,
        });
      }
      case STEP_SWITCH:
        return irqStackSwitch(m, ec, codes, fr[o + F_LOC] === 0 ? 'irq' : 'softirq');
      case STEP_SOFTIRQ_IRQ_EXIT:
        return enterSoftirq(m, ec, 'irq-exit', codes);
      case STEP_SOFTIRQ_BH:
        return enterSoftirq(m, ec, 'bh-enable', codes);
      case STEP_SOFTIRQ_KSOFTIRQD:
        return enterSoftirq(m, ec, 'ksoftirqd', codes);
      case STEP_IRQ_EXIT_FRAMES:
        return pushEntryFrames(m, ec, this.profile.softirq.irqExitFrames, ec.top()?.name ?? 'irq', codes);
      case STEP_TRACE:
        return this.pushTracerFrame(ec, fr[o + F_ID]!, fr[o + F_AUX]!);
      case STEP_KOFF:
        return m.push(ec, { kind: 'kstack-offset', name: 'add_random_kstack_offset', size: fr[o + F_SIZE]! });
      case STEP_FN: {
        const id = fr[o + F_ID]!;
        if (fr[o + F_KIND] !== FK_FN) return true;
        return m.pushFunction(ec, {
          kind: 'function',
          name: this.code.names[id]!,
          size: fr[o + F_SIZE]!,
          ret: this.lr(fr[o + F_LOC]!),
          recordOffset: this.code.recordOffset[id]!,
        });
      }
      default:
        return true;
    }
  }

  /**
   * Frame `k` of the tracer's frames under an interrupt (profile tracer.interrupt), as replay pushes
   * a table's: the trampoline's and list function's as `ftrace` frames, the tracer function the
   * interrupt found running as the `interrupted` one. The first returns into traced function `fn`.
   */
  private pushTracerFrame(ec: Cpu, k: number, fn: number): boolean {
    const frames = this.profile.tracer.interrupt?.frames ?? [];
    const f = frames[k]!;
    const ret =
      f.ret === null
        ? this.codes.addr(traceIpText(this.code.names[fn]!, this.profile.tracer.hook)) + 4n
        : this.codes.addr(f.ret) + 4n;
    return this.m.pushFunction(ec, {
      kind: k === frames.length - 1 ? 'interrupted' : 'ftrace',
      name: f.name,
      size: f.size,
      ret,
      recordOffset: f.recordOffset,
    });
  }

  /**
   * The kernel tracer samples a traced function on the rebuilt CPU. `pushFirst` pushes the
   * function's frame before the sample (mcount hooks after the prologue).
   */
  sample(
    fast: FastMachine,
    cpu: FastCpu,
    fnName: string,
    parentLoc: number,
  ): { events: StackEvent[]; halted: boolean } {
    const ec = this.rebuild(fast, cpu);
    this.heard.length = 0;
    this.listening = true;
    const hook = this.profile.tracer.hook;
    this.tracer.sample(ec, {
      fn: fnName,
      ip: this.codes.addr(traceIpText(fnName, hook)) + 4n,
      ...(parentLoc >= 0 ? { parent: this.lr(parentLoc) } : {}),
    });
    this.listening = false;
    return { events: [...this.heard], halted: ec.halted };
  }

  get table(): TracerTable | null {
    return this.tracer.table;
  }

  /**
   * The kernel's report of an overflow that the fast machine just saw: the push that ran out is
   * done again on the rebuilt CPU, so the exact machine prints its panic (ranges, FAR, SP).
   */
  overflowEvent(fast: FastMachine, cpu: FastCpu, name: string, size: number): StackEvent | null {
    const ec = this.rebuild(fast, cpu);
    this.heard.length = 0;
    this.listening = true;
    this.m.push(ec, { kind: 'function', name, size });
    this.listening = false;
    return this.heard[0] ?? null;
  }

  /** The live backtrace across stacks of a rebuilt CPU, innermost first (location texts). */
  backtrace(fast: FastMachine, cpu: FastCpu): string[] {
    const ec = this.rebuild(fast, cpu);
    return unwindAllStacks(this.m, ec, ec.fp, ec.frames.length).steps.map(
      (s) => this.codes.symbolize(s.pc) ?? `0x${s.pc.toString(16)}`,
    );
  }
}
