// Replays a rebuilt chain on the stack machine under one profile: the frames land on whichever
// stacks that design puts them, both tracers watch, and the result says what ftrace would print,
// how deep each stack got and whether THREAD_SIZE and IRQ_STACK_SIZE hold.
import { printFtraceStackTrace } from '../formats/ftrace-stack-trace.ts';
import { AllStacksTracer, type LiveFrame, liveFrames, type StackMax } from '../kernel/all-stacks-tracer.ts';
import { KernelStackTracer, type TracerTable, type TrampolineGeometry } from '../kernel/check-stack.ts';
import { CodeMap } from '../kernel/codemap.ts';
import {
  endHardirq,
  enterFromUser,
  enterSoftirq,
  irqStackSwitch,
  pushEntryFrames,
  returnToEntryCode,
  takeIrq,
  takeSyncException,
} from '../kernel/entry.ts';
import { type StackEvent, StackMachine } from '../kernel/machine.ts';
import type { EntryFrame, KernelProfile } from '../model/profile.ts';
import { KSTACK_OFFSET_MAX_BYTES } from '../model/profiles.ts';
import type { Chain, ChainFrame, ChainItem } from './chain.ts';

export interface ReplayOptions {
  /** RANDOMIZE_KSTACK_OFFSET bytes for profiles that randomize (0..1024; default 0). */
  readonly kstackOffset?: number;
}

export interface StackVerdict {
  readonly stack: 'task' | 'irq';
  readonly size: number;
  /** Deepest bytes in use (from the stack's top). */
  readonly used: number;
  /** Bytes at the bottom that frames must not reach (thread_info, STACK_END_MAGIC). */
  readonly reserved: number;
  /** size - reserved - used; negative when it overflowed. */
  readonly margin: number;
  readonly fits: boolean;
}

export interface ReplayResult {
  readonly profile: KernelProfile;
  /** The chain was printed by this profile's era: its own geometry is reused, the table must come back. */
  readonly ownEra: boolean;
  /** What `cat stack_trace` would show (null when no sample landed on the task stack). */
  readonly ftrace: {
    readonly table: TracerTable | null;
    readonly text: string;
    readonly maxSize: number;
    readonly samplesOffTaskStack: number;
    readonly deepestIgnored: number;
    readonly stackEndCorrupted: boolean;
  };
  readonly task: StackMax | undefined;
  readonly irq: StackMax | undefined;
  readonly overflow: StackMax | undefined;
  readonly combinedMax: number;
  /** Every frame where it landed, outermost first (frames popped on the way are not listed). */
  readonly placement: readonly LiveFrame[];
  readonly verdicts: readonly StackVerdict[];
  readonly events: readonly StackEvent[];
  readonly notes: readonly string[];
  /** Dynamic stacks (stackAllocation `dynamic`): the faults this chain takes on its task stack. */
  readonly dynamic?: ReplayDynamic;
}

export interface ReplayDynamic {
  readonly pagesAtFork: number;
  readonly threadPages: number;
  /** Task-stack pages mapped after the chain (at fork plus faulted in). */
  readonly pagesMapped: number;
  readonly faults: number;
  /** Faults that found the pool empty (the kernel panicked). */
  readonly panics: number;
  readonly poolPages: number;
  /** Pool pages left on the CPU after the chain. */
  readonly poolLeft: number;
  /** The faults' cost at the declared faultUs, µs. */
  readonly faultUs: number;
}

/**
 * Runs `chain` under `profile`. Never throws on a legal chain: overflows are results.
 *
 * Linear in the chain: a replayed chain sets a new stack_trace maximum at nearly every call, and the
 * kernel tracer builds a table (a whole backtrace and stack scan) at each, which made replays
 * quadratic. Only the last maximum's table is printed, so a first run counts the maxima without
 * building their tables, and a second, identical run builds only the last one.
 */
export function replayChain(chain: Chain, profile: KernelProfile, opts: ReplayOptions = {}): ReplayResult {
  // A table read as a pointer-authentication kernel's is replayed on its era with signing on.
  if (chain.source.id === profile.id && chain.source.pointerAuth && !profile.ARM64_PTR_AUTH_KERNEL)
    profile = { ...profile, ARM64_PTR_AUTH_KERNEL: true };
  const first = runChain(chain, profile, opts, 0);
  if (first.maxCount === first.tableBuiltAt) return first.result;
  return runChain(chain, profile, opts, first.maxCount).result;
}

function runChain(
  chain: Chain,
  profile: KernelProfile,
  opts: ReplayOptions,
  buildTableAt: number,
): { result: ReplayResult; maxCount: number; tableBuiltAt: number } {
  const m = new StackMachine(profile, { cpus: 1, tasks: 1 });
  const cpu = m.cpus[0]!;
  const codes = new CodeMap();
  // Memory holds the real return address: the printed call site + 4 (symbolize() accepts both).
  const lr = (text: string) => codes.addr(text) + 4n;
  const kernelTracer = new KernelStackTracer(m, codes, { buildTableAt });
  const ours = new AllStacksTracer(m, (pc) => codes.symbolize(pc) ?? `0x${pc.toString(16)}`);
  const ownEra = chain.source.id === profile.id;
  // Under pointer authentication the kernel signs saved return addresses; those a table printed
  // were found unsigned (trampoline words, stale copies), so an own-era replay writes its frames so.
  const tableFrame = ownEra ? { signed: false } : {};
  const notes: string[] = [];
  const items = chain.items;
  const finalSample = [...items].reverse().find((i) => i.kind === 'sample' && !i.inPlace) as
    | Extract<ChainItem, { kind: 'sample' }>
    | undefined;
  const geometry: TrampolineGeometry | undefined =
    ownEra && finalSample?.geometry ? finalSample.geometry : undefined;
  const hook = profile.tracer.hook;
  /** Return address the next payload frame's record holds, when the target's entry code differs. */
  let pendingRet: string | null = null;
  let unknownSizes = 0;

  // The kernel's own traced entry code (do_el0_svc, irq_exit_rcu, do_softirq_own_stack ...) is
  // sampled like the table's functions: before its prologue or after, as the profile hooks.
  m.entryHook = (_cpu, name, ret, phase) => {
    if (phase === (hook === 'mcount-after-prologue' ? 'after' : 'before'))
      sample(name, ipText(name, hook), ret);
  };

  /** irq_exit code runs inside the handler (so after the switch) unless the profile runs it in the entry code. */
  const switchesFor = (stage: 'handler' | 'irq-exit' | 'preempt' | 'entry') =>
    stage === 'handler' || (stage === 'irq-exit' && profile.softirq.irqExitRunsIn === 'handler');

  const sample = (fn: string, ipText: string, parentText: string | null) =>
    kernelTracer.sample(cpu, {
      fn,
      ip: lr(ipText),
      ...(parentText ? { parent: lr(parentText) } : {}),
      ...(geometry ? { trampoline: geometry } : {}),
    });

  const pushFrame = (f: ChainFrame, kind: 'function' | 'ftrace' | 'interrupted' = 'function'): boolean => {
    const ret = pendingRet ?? f.ret;
    pendingRet = null;
    return m.pushFunction(cpu, {
      kind,
      name: f.fn,
      size: f.size,
      ret: lr(ret),
      recordOffset: f.recordOffset,
      ...tableFrame,
    });
  };

  run: for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (cpu.halted) break;
    switch (it.kind) {
      case 'start': {
        const kind = it.path === 'el0-irq' ? 'irq' : it.path === 'el0-sync' ? 'sync' : 'syscall';
        if (it.path === 'unknown') {
          m.resetToTop(cpu, cpu.task);
          const gap = Math.max(0, it.topBytes - profile.THREAD_START_SP_GAP);
          if (!m.push(cpu, { kind: 'gap', name: 'entry (unknown to stacklab)', size: gap - (gap % 8) }))
            break run;
          notes.push(`the table's entry ${it.vector} is not modelled: its ${gap} B are kept as measured`);
        } else if (ownEra) {
          const regsSize = it.regsBytes;
          const opts = { vector: it.vector, pushEntryFrames: false, ...(regsSize > 0 ? { regsSize } : {}) };
          if (!enterFromUser(m, cpu, kind, codes, { ...opts, switchNow: false })) break run;
          if (!pushEntryFrames(m, cpu, it.entryFrames.map(toEntryFrame), it.vector, codes, tableFrame))
            break run;
          if (kind === 'irq' && !irqStackSwitch(m, cpu, codes, 'irq')) break run;
        } else if (it.path === 'kthread') {
          // copy_thread() leaves pt_regs at the top; kthread() is called from ret_from_fork.
          if (!enterFromUser(m, cpu, 'syscall', codes, { vector: 'ret_from_fork', pushEntryFrames: false }))
            break run;
          pendingRet = 'ret_from_fork';
        } else {
          if (!enterFromUser(m, cpu, kind, codes)) break run;
          const path = kind === 'irq' ? profile.entry.el0Irq : profile.entry.syscall;
          pendingRet = path.callSite;
          if (profile.RANDOMIZE_KSTACK_OFFSET && it.path === 'syscall') {
            const off = Math.min(KSTACK_OFFSET_MAX_BYTES, Math.max(0, opts.kstackOffset ?? 0)) & ~15;
            if (
              off > 0 &&
              !m.push(cpu, { kind: 'kstack-offset', name: 'add_random_kstack_offset', size: off })
            )
              break run;
            notes.push(
              `RANDOMIZE_KSTACK_OFFSET: ${off} B below ${profile.entry.syscall.frames.at(-1)?.name ?? 'the syscall entry'} in this replay (the kernel picks 0..${KSTACK_OFFSET_MAX_BYTES} per syscall)`,
            );
          }
        }
        break;
      }
      case 'call': {
        const f = it.frame;
        if (it.role === 'tracer') {
          if (!pushFrame(f, 'ftrace')) break run;
          break;
        }
        const next = items[i + 1];
        const explicitSample = next?.kind === 'sample' && !next.inPlace && next.fn === f.fn;
        const traced = f.fn !== '(interrupted)';
        if (hook === 'mcount-after-prologue') {
          let frame = f;
          if (!f.sizeKnown) {
            unknownSizes++;
            frame = { ...f, size: 16 };
          }
          if (!pushFrame(frame)) break run;
          if (traced && !explicitSample) sample(f.fn, ipText(f.fn, hook), f.ret);
        } else {
          // Hooked before the prologue: the sample comes first, then the function builds its frame.
          const parent = pendingRet ?? f.ret;
          if (explicitSample && next?.kind === 'sample') {
            sample(f.fn, next.ip, parent);
            i++;
            if (f.sizeKnown && !pushFrame(f)) break run;
            break;
          }
          if (traced) sample(f.fn, ipText(f.fn, hook), parent);
          if (!pushFrame(f)) break run;
        }
        break;
      }
      case 'exception': {
        if (!pushFrame(it.interrupted, 'interrupted')) break run;
        const elr = lr(it.elr);
        const xlr = it.lrLive ? lr(it.interrupted.ret) : 0n;
        const own = ownEra && it.entryFrames.length >= 0;
        if (it.type === 'irq') {
          if (cpu.hardirqDepth > 0) {
            // arm64 masks IRQs in a hard IRQ handler; a table showing one nested there saw something else.
            notes.push(
              `${it.vector} appears inside a hard IRQ handler, which arm64 never allows (PSTATE.I is set): replayed as if IRQs had been re-enabled`,
            );
            cpu.hardirqDepth = 0;
          }
          if (own) {
            if (
              !takeIrq(m, cpu, codes, {
                elr,
                lr: xlr,
                vector: it.vector,
                pushEntryFrames: false,
                switchNow: false,
              })
            )
              break run;
            if (!pushEntryFrames(m, cpu, it.entryFrames.map(toEntryFrame), it.vector, codes, tableFrame))
              break run;
            if (switchesFor(it.stage) && !irqStackSwitch(m, cpu, codes, 'irq')) break run;
            if (it.stage === 'preempt') endHardirq(cpu);
            pendingRet = it.callSite;
          } else {
            const switchesBefore = cpu.switches.length;
            if (!takeIrq(m, cpu, codes, { elr, lr: xlr, switchNow: switchesFor(it.stage) })) break run;
            const switched = cpu.switches.length > switchesBefore;
            const entry = profile.entry.el1Irq.frames;
            if (it.stage === 'preempt') {
              // Model simplification: the profile's whole entry path stays pushed (do_interrupt_handler
              // included, which has returned by then); preemption is called from its C entry code.
              endHardirq(cpu);
              pendingRet = entry.at(-1)?.name ?? profile.entry.el1Irq.callSite;
              break;
            }
            // The handler returns into call_on_irq_stack after a 6.1 switch; a nested IRQ's handler is
            // called directly by do_interrupt_handler (entry-common.c), the last entry frame.
            pendingRet =
              switched && profile.irqStack?.linkage === 'call-on-irq-stack-record'
                ? 'call_on_irq_stack'
                : it.stage === 'irq-exit'
                  ? it.callSite
                  : !switched && entry.length > 0
                    ? (entry[entry.length - 1]?.name ?? profile.entry.el1Irq.callSite)
                    : profile.entry.el1Irq.callSite;
          }
        } else {
          if (own) {
            if (
              !takeSyncException(m, cpu, codes, { elr, lr: xlr, vector: it.vector, pushEntryFrames: false })
            )
              break run;
            if (!pushEntryFrames(m, cpu, it.entryFrames.map(toEntryFrame), it.vector, codes, tableFrame))
              break run;
            pendingRet = it.callSite;
          } else {
            if (!takeSyncException(m, cpu, codes, { elr, lr: xlr })) break run;
            pendingRet = profile.entry.el1Sync.callSite;
          }
        }
        break;
      }
      case 'softirq': {
        if (it.path === 'irq-exit' && profile.PREEMPT_RT && !ownEra) {
          // @kernel invoke_softirq() kernel/softirq.c (CONFIG_PREEMPT_RT): should_wake_ksoftirqd() -> wakeup_softirqd()
          notes.push(
            'PREEMPT_RT: irq_exit does not run this softirq, it wakes ksoftirqd, which runs it later on its own task stack: the frames from __do_softirq inward are not on this stack',
          );
          break run;
        }
        if (it.path === 'irq-exit' && profile.softirq.irqExitRunsIn === 'entry' && cpu.hardirqDepth > 0) {
          returnToEntryCode(m, cpu);
          notes.push(
            'irq_exit_rcu runs in the entry code here: the handler frames had returned before softirqs ran',
          );
        }
        const before = cpu.frames.length;
        const overrides = ownEra ? plumbingOverrides(it.plumbing, profile) : {};
        if (!enterSoftirq(m, cpu, it.path, codes, overrides, tableFrame)) break run;
        const top = cpu.frames.length > before ? cpu.frames[cpu.frames.length - 1] : undefined;
        if (top && top.record !== null && !ownEra) pendingRet = top.name;
        break;
      }
      case 'sample': {
        if (it.inPlace) {
          kernelTracer.sampleInPlace(cpu, { fn: it.fn, ip: lr(it.ip) });
          break;
        }
        sample(it.fn, it.ip, it.parent);
        break;
      }
    }
  }
  // The interrupted task schedules again some time later: a smashed STACK_END_MAGIC is caught there.
  if (!cpu.halted && m.events.some((e) => e.type === 'corruption')) {
    if (!m.scheduleCheck(cpu))
      notes.push(
        profile.SCHED_STACK_END_CHECK
          ? 'the overflow missed STACK_END_MAGIC: nothing notices it'
          : 'SCHED_STACK_END_CHECK is off: schedule() does not look at STACK_END_MAGIC',
      );
  }
  if (kernelTracer.stackEndCorrupted)
    notes.push(
      'the stack tracer found STACK_END_MAGIC corrupted after a new max: it prints the table with pr_emerg and calls BUG()',
    );
  if (unknownSizes > 0)
    notes.push(
      `${unknownSizes} frame size(s) not in the table (a function hooked before its prologue) taken as 16 B`,
    );

  const dynamic = m.dynamic === null ? undefined : replayDynamic(m);
  if (dynamic)
    notes.push(
      `dynamic stack: ${dynamic.faults} stack fault(s) for this chain (${dynamic.pagesMapped} of ${dynamic.threadPages} pages mapped, ${dynamic.pagesAtFork} at fork; ${dynamic.faultUs} µs), ${dynamic.poolLeft} of ${dynamic.poolPages} pool pages left${dynamic.panics > 0 ? `; the pool ran dry: ${dynamic.panics} panic` : ''}`,
    );
  const table = kernelTracer.table;
  const text = table ? printFtraceStackTrace({ rows: table.rows }) : printFtraceStackTrace({ rows: [] });
  const task = ours.maxOf('task');
  const irq = ours.maxOf('irq');
  const overflow = ours.maxOf('overflow');
  const verdicts: StackVerdict[] = [];
  if (task) {
    const reserved = m.reservedBottom(m.tasks[0]!.stack);
    const margin = profile.THREAD_SIZE - reserved - task.maxDepth;
    verdicts.push({
      stack: 'task',
      size: profile.THREAD_SIZE,
      used: task.maxDepth,
      reserved,
      margin,
      fits: margin >= 0,
    });
  }
  if (irq && profile.irqStack) {
    const margin = profile.irqStack.IRQ_STACK_SIZE - irq.maxDepth;
    verdicts.push({
      stack: 'irq',
      size: profile.irqStack.IRQ_STACK_SIZE,
      used: irq.maxDepth,
      reserved: 0,
      margin,
      fits: margin >= 0,
    });
  }
  const result: ReplayResult = {
    profile,
    ownEra,
    ftrace: {
      table,
      text,
      maxSize: kernelTracer.maxSize,
      samplesOffTaskStack: kernelTracer.offStackSamples,
      deepestIgnored: kernelTracer.offStackMaxThisSize,
      stackEndCorrupted: kernelTracer.stackEndCorrupted,
    },
    task,
    irq,
    overflow,
    combinedMax: ours.combinedMax()?.depth ?? 0,
    placement: liveFrames(cpu),
    verdicts,
    events: m.events,
    notes,
    ...(dynamic ? { dynamic } : {}),
  };
  return { result, maxCount: kernelTracer.maxCount, tableBuiltAt: kernelTracer.tableBuiltAt };
}

function replayDynamic(m: StackMachine): ReplayDynamic {
  const d = m.dynamic!;
  return {
    pagesAtFork: d.params.pagesAtFork,
    threadPages: d.params.threadPages,
    pagesMapped: d.mapped(0),
    faults: d.stats.faults,
    panics: d.stats.panics,
    poolPages: d.params.poolPages,
    poolLeft: d.poolSize(0),
    faultUs: d.stats.faultUs,
  };
}

/**
 * F's ip for a synthetic sample, as %pS would print it: the patchable-entry ip is func+0x8 (two NOPs,
 * arm64 5.5+), the fentry one func+0x5 (x86 `call __fentry__`); the -pg/_mcount call site depends on
 * F's prologue, so only the name is printed. The function's length is never known here.
 */
function ipText(fn: string, hook: KernelProfile['tracer']['hook']): string {
  return hook === 'patchable-entry' ? `${fn}+0x8` : hook === 'fentry' ? `${fn}+0x5` : fn;
}

function toEntryFrame(f: ChainFrame): EntryFrame {
  return { name: f.fn, size: f.size, ret: f.ret };
}

/** An own-era replay reuses the table's softirq plumbing frames in place of the profile's defaults. */
function plumbingOverrides(plumbing: readonly ChainFrame[], p: KernelProfile) {
  const pick = (names: readonly EntryFrame[]) => {
    const set = new Set(names.map((n) => n.name));
    return plumbing.filter((f) => set.has(f.fn)).map(toEntryFrame);
  };
  const out: Partial<
    Pick<KernelProfile['softirq'], 'irqExitFrames' | 'ownStackFrames' | 'afterSwitchFrames'>
  > = {};
  if (plumbing.length === 0) return out;
  out.irqExitFrames = pick(p.softirq.irqExitFrames);
  out.ownStackFrames = pick(p.softirq.ownStackFrames);
  out.afterSwitchFrames = pick(p.softirq.afterSwitchFrames);
  return out;
}
