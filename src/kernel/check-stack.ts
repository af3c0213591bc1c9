// The kernel's stack tracer, as each era implements it: sampled at the entry of traced functions,
// Depth = THREAD_SIZE - (SP mod THREAD_SIZE) minus the tracer's own frame, a backtrace from the
// arch unwinder, then a first-match upward scan of the stack for each return address.
//
// Blind spots are modelled, not fixed: samples whose SP is not on the task stack are dropped
// ("we do not handle interrupt stacks yet"), LR - 4 and the arm64 size shift behave per era.
// @kernel check_stack(), stack_trace_call() kernel/trace/trace_stack.c
import { STACK_END_MAGIC } from '../model/constants.ts';
import type { CodeMap } from './codemap.ts';
import type { Cpu, StackMachine } from './machine.ts';
import { unwindKernel } from './unwind.ts';

/** One printed row: the saved index (Depth) and the return address (as a location text). */
export interface TracerRow {
  readonly depth: number;
  readonly pc: bigint;
  readonly location: { readonly text: string };
}

export interface TracerTable {
  readonly rows: readonly TracerRow[];
  /** stack_max_size. */
  readonly maxSize: number;
  /** The function whose entry produced this max. */
  readonly tracedFunction: string;
}

/** The trampoline geometry a sample uses; defaults to the profile's. */
export interface TrampolineGeometry {
  readonly size: number;
  readonly ipSlot: number;
  readonly recordSlot: number;
  readonly parentSlot: number | null;
}

export interface SampleSpec {
  /** The traced function's name. */
  readonly fn: string;
  /** Its ip as the tracer gets it (a return address into fn). */
  readonly ip: bigint;
  /** Return address into fn's caller (x9 / x30 at the patchable entry), for patchable-entry and fentry hooks. */
  readonly parent?: bigint;
  /** Override of the profile's trampoline (a replay reproducing a table's own geometry). */
  readonly trampoline?: TrampolineGeometry;
}

export interface KernelStackTracerOptions {
  /**
   * Which new maximum (1 = the first) builds its table: the backtrace and the upward scan. The kernel
   * builds one at every new max, so a chain that deepens at every call costs O(depth) per call; only
   * the last max's table is ever printed, so a replay that learnt in a first pass how many maxima
   * there are (`maxCount`) builds just that one. Maxima before tracer_frame is known always build
   * (they learn it). Default: every max, as the kernel.
   */
  readonly buildTableAt?: number;
}

export class KernelStackTracer {
  /** stack_trace_max_size. */
  maxSize = 0;
  /** New maxima recorded so far. */
  maxCount = 0;
  /** Which max the current table was built at (0: none yet). */
  tableBuiltAt = 0;
  /** tracer_frame: learned at the first max, subtracted from every later this_size. */
  tracerFrame = 0;
  /** The last max's raw entries; symbolized only when `table` is read (only the final one ever is). */
  private raw: { index: number[]; dump: bigint[]; n: number; maxSize: number; fn: string } | null = null;

  /** What `cat stack_trace` prints now: the table of the deepest max so far, or null. */
  get table(): TracerTable | null {
    const r = this.raw;
    if (r === null) return null;
    const rows: TracerRow[] = [];
    for (let i = 0; i < r.n; i++) {
      const pc = r.dump[i]!;
      rows.push({
        depth: r.index[i]!,
        pc,
        location: { text: this.codes.symbolize(pc) ?? `0x${pc.toString(16)}` },
      });
    }
    return { rows, maxSize: r.maxSize, tracedFunction: r.fn };
  }
  /** Samples dropped because SP was on an IRQ or overflow stack, with the deepest this_size they had. */
  offStackSamples = 0;
  offStackMaxThisSize = 0;
  /** Samples skipped by the per-CPU recursion guard (trace_active / disable_stack_tracer). */
  recursionSkips = 0;
  /** Set when a new max found STACK_END_MAGIC corrupted (the kernel prints the table and BUG()s). */
  stackEndCorrupted = false;
  private active = new Set<number>();

  constructor(
    private readonly m: StackMachine,
    private readonly codes: CodeMap,
    private readonly opts: KernelStackTracerOptions = {},
  ) {}

  /**
   * A traced function is entered on `cpu`. For `mcount-after-prologue` profiles the caller has
   * already pushed fn's frame; for `patchable-entry` and `fentry` it has not (for fentry the
   * return address into the caller is pushed here, as the call instruction did).
   */
  sample(cpu: Cpu, s: SampleSpec): void {
    if (!this.enter(cpu)) return;
    const before = cpu.frames.length;
    if (this.pushTrampoline(cpu, s) && this.pushInternal(cpu)) this.checkStack(cpu, s);
    this.leave(cpu, before);
  }

  /**
   * A sample whose trampoline is already on the stack (a table's own ftrace_caller frames, in
   * progress when an interrupt came): only the tracer's C frames are added.
   */
  sampleInPlace(cpu: Cpu, s: SampleSpec): void {
    if (!this.enter(cpu)) return;
    const before = cpu.frames.length;
    if (this.pushInternal(cpu)) this.checkStack(cpu, s);
    this.leave(cpu, before);
  }

  /** The per-CPU recursion guard (trace_active <= 4.11, disable_stack_tracer later). */
  private enter(cpu: Cpu): boolean {
    if (cpu.halted) return false;
    if (this.active.has(cpu.id)) {
      this.recursionSkips++;
      return false;
    }
    this.active.add(cpu.id);
    return true;
  }

  private leave(cpu: Cpu, framesBefore: number): void {
    this.unwindTo(cpu, framesBefore);
    this.active.delete(cpu.id);
  }

  private pushTrampoline(cpu: Cpu, s: SampleSpec): boolean {
    const p = this.m.profile;
    const t = s.trampoline ?? p.tracer.trampoline;
    const parent = s.parent ?? 0n;
    // fentry: the call into fn pushed its return address; nothing else of fn exists yet.
    if (
      p.tracer.hook === 'fentry' &&
      !this.m.push(cpu, {
        kind: 'trampoline',
        name: `${s.fn} (at fentry)`,
        size: 8,
        words: [[0, parent]],
        retOffset: 0,
      })
    )
      return false;
    const words: [number, bigint][] = [
      [t.recordSlot, cpu.fp],
      [t.recordSlot + 8, s.ip],
      [t.ipSlot, s.ip],
    ];
    if (t.parentSlot !== null) {
      // 6.1 ftrace_regs_entry: a callsite record {x29, x9} above pt_regs, the function record within it
      // pointing at that one, and x9 (the parent) also saved at S_LR below the ip.
      words[0] = [t.recordSlot, cpu.sp - BigInt(t.size) + BigInt(t.parentSlot - 8)];
      words.push([t.parentSlot - 8, cpu.fp], [t.parentSlot, parent]);
      if (p.S_LR !== null && p.S_LR < t.ipSlot) words.push([p.S_LR, parent]);
    }
    return this.m.push(cpu, {
      kind: 'trampoline',
      name: 'ftrace_caller',
      size: t.size,
      words,
      recordOffset: t.recordSlot,
    });
  }

  private pushInternal(cpu: Cpu): boolean {
    return this.m.push(cpu, {
      kind: 'tracer',
      name: 'stack_trace_call',
      size: this.m.profile.tracer.internalBytes,
    });
  }

  /**
   * Pops the sample's frames and erases what they wrote: the samples stacklab adds at every traced
   * function are a modelling device, and their stale words must not be met by a later scan.
   */
  private unwindTo(cpu: Cpu, n: number): void {
    let low: bigint | null = null;
    const stack = cpu.frames[n]?.stack;
    while (cpu.frames.length > n) low = this.m.pop(cpu).base;
    if (low !== null && stack) stack.clearRange(low, cpu.sp);
  }

  /** @kernel check_stack() kernel/trace/trace_stack.c */
  private checkStack(cpu: Cpu, s: SampleSpec): void {
    const p = this.m.profile;
    const stackLocal = cpu.sp; // address of a local in the tracer's frame
    const size = BigInt(p.THREAD_SIZE);
    let thisSize = p.THREAD_SIZE - Number(stackLocal & (size - 1n)) - this.tracerFrame;
    if (thisSize <= this.maxSize) return;
    const task = cpu.task.stack;
    if (!task.containsObject(stackLocal, 8)) {
      // "we do not handle interrupt stacks yet"
      this.offStackSamples++;
      this.offStackMaxThisSize = Math.max(this.offStackMaxThisSize, thisSize);
      return;
    }
    this.maxSize = thisSize;
    const ordinal = ++this.maxCount;
    // Dynamic stacks have no STACK_END_MAGIC: task_stack_end_corrupted() is 0 (RFC 00/14).
    if (
      this.m.profile.stackAllocation !== 'dynamic' &&
      task.read(this.m.stackEndMagicAddr(task)) !== STACK_END_MAGIC
    )
      this.stackEndCorrupted = true;
    const at = this.opts.buildTableAt;
    if (at !== undefined && ordinal !== at && this.tracerFrame !== 0) return;
    this.tableBuiltAt = ordinal;
    const unwound = unwindKernel(this.m, cpu, cpu.fp, stackLocal);
    let entries = unwound.steps.map((st) => st.pc);
    // Skip the tracer's own frames: up to the entry that is the ip (the unwinder may report LR - 4).
    const adj = p.unwinder.pcIsLrMinus4 ? 4n : 0n;
    const k = entries.findIndex((e) => e + adj === s.ip || e === s.ip);
    entries = k < 0 ? entries : entries.slice(k + 1);
    // The ip itself goes in as entry 0, exact (v3.x-4.2 inserted it; v4.3+ finds it in the trace);
    // 2.6-3.x took the backtrace with skip = 3 and left the traced function out.
    if (p.tracer.ipEntry !== 'none') entries = [s.ip, ...entries];
    const top = (stackLocal & ~(size - 1n)) + size;
    const slots = task.slotsBetween(stackLocal, top);
    const index: number[] = [];
    const dump: bigint[] = [];
    let i = 0;
    let start = 0;
    while (i < entries.length) {
      let found = false;
      if (p.tracer.unfound === 'keep-previous') index[i] = thisSize;
      for (let q = start; q < slots.length && i < entries.length; q++) {
        const want = i > 0 && p.tracer.lrMinus4Compensated ? entries[i]! + 4n : entries[i]!;
        if (slots[q]!.value !== want) continue;
        thisSize = Number(top - slots[q]!.addr);
        if (p.tracer.unfound === 'keep-previous') {
          index[i] = thisSize;
          dump[i] = entries[i]!;
        } else {
          index.push(thisSize);
          dump.push(entries[i]!);
        }
        i++;
        found = true;
        start = q + 1;
        if (this.tracerFrame === 0) {
          this.tracerFrame = Number(slots[q]!.addr - stackLocal);
          this.maxSize -= this.tracerFrame;
        }
      }
      if (!found) {
        if (p.tracer.unfound === 'keep-previous') dump[i] = entries[i]!;
        i++;
      }
    }
    let n = dump.length;
    if (p.tracer.shift && n > 1) {
      // ARCH_FTRACE_SHIFT_STACK_TRACER: the saved LR sits below the callee's locals on arm64.
      index.splice(0, 1);
      n--;
    }
    this.raw = { index, dump, n, maxSize: this.maxSize, fn: s.fn };
  }
}
