// A code model compiled for the simulator's hot loop: functions and their steps as typed arrays,
// probabilities as 32-bit thresholds, self times as quantile tables, every location text the
// kernel tracer may print interned once. Nothing here allocates while a run goes.

import { type Distribution, quantileShape, quantileTable } from '../../engine/sampler.ts';
import { SOFTIRQ_NAMES, type SoftirqName } from '../../model/constants.ts';
import type { KernelProfile } from '../../model/profile.ts';
import type { CodeModel, Step } from './code-model.ts';

export const ST_CALL = 0;
export const ST_RAISE = 1;
export const ST_BH_DISABLE = 2;
export const ST_BH_ENABLE = 3;
export const ST_IPI = 4;
export const ST_COND_RESCHED = 5;
export const ST_SLEEP = 6;
export const ST_IRQ_EXIT = 7;
export const ST_SOFTIRQ_ACTIONS = 8;

export const IPI_RESCHED = 0;
export const IPI_CALL_FUNCTION = 1;
/** IPI targets below 0: another CPU at random, or all others. */
export const TO_OTHER = -1;
export const TO_ALL = -2;

/** 2^32: a threshold at or above it means "always". */
const U32 = 4294967296;

export class CompiledModel {
  readonly names: string[] = [];
  readonly index = new Map<string, number>();
  readonly frame: Int32Array;
  readonly recordOffset: Int32Array;
  readonly traced: Uint8Array;
  /**
   * Self time per function: the shape of its distribution (an index into `shapes`, -1 for no self
   * time) and its scale; a draw is shapes[selfShape[f]][u >>> 20] * selfScale[f] (quantileShape).
   */
  readonly selfShape: Int32Array;
  readonly selfScale: Float64Array;
  readonly shapes: Float64Array[] = [];
  private readonly shapeIds = new Map<string, number>();
  /** First step of each function; steps of f are [stepStart[f], stepStart[f + 1]). */
  readonly stepStart: Int32Array;
  readonly stKind: Uint8Array;
  readonly stArg: Int32Array;
  readonly stArg2: Int32Array;
  /** Probability as a threshold on a 32-bit draw; >= 2^32 is "always". */
  readonly stThreshold: Float64Array;
  /** Location id of the return address a call step leaves (caller+0xat/0xlen). */
  readonly stLoc: Int32Array;
  readonly tables: Float64Array[] = [];
  /** Location texts the tracer can print, by id. */
  readonly locs: string[] = [];
  private readonly locIndex = new Map<string, number>();
  /** Location of each function's bare name (a return into it whose offset is unknown). */
  readonly fnLoc: Int32Array;
  /** ELR the model reports for an interrupt inside each function. */
  readonly elrLoc: Int32Array;

  // The kernel's own paths, as function ids.
  readonly bhEnable: Int32Array;
  readonly softirqFn: number;
  readonly actions: Int32Array;
  readonly actionsLoc: number;
  readonly ksoftirqd: Int32Array;
  readonly idle: Int32Array;
  readonly schedule: Int32Array;
  readonly irqExitCalls: Int32Array;

  constructor(readonly model: CodeModel) {
    const fns = Object.entries(model.functions);
    fns.forEach(([n], i) => {
      this.names.push(n);
      this.index.set(n, i);
    });
    const n = fns.length;
    this.frame = new Int32Array(n);
    this.recordOffset = new Int32Array(n);
    this.traced = new Uint8Array(n);
    this.selfShape = new Int32Array(n);
    this.selfScale = new Float64Array(n);
    this.stepStart = new Int32Array(n + 1);
    this.fnLoc = new Int32Array(n);
    this.elrLoc = new Int32Array(n);
    let steps = 0;
    for (const [, f] of fns) steps += f.calls.length;
    this.stKind = new Uint8Array(steps);
    this.stArg = new Int32Array(steps);
    this.stArg2 = new Int32Array(steps);
    this.stThreshold = new Float64Array(steps);
    this.stLoc = new Int32Array(steps).fill(-1);
    const tableIds = new Map<string, number>();
    let actionsAt: number | undefined;
    let s = 0;
    fns.forEach(([name, f], i) => {
      this.frame[i] = f.frame;
      this.recordOffset[i] = f.recordOffset ?? 0;
      this.traced[i] = f.traced ? 1 : 0;
      this.selfShape[i] = this.shapeFor(f.self);
      this.selfScale[i] = this.selfShape[i]! < 0 ? 0 : quantileShape(f.self).scale;
      this.fnLoc[i] = this.loc(name);
      const len = f.len !== undefined ? `/0x${f.len.toString(16)}` : '';
      const mod = f.module !== undefined ? ` [${f.module}]` : '';
      this.elrLoc[i] = this.loc(`${name}+0x4${len}${mod}`);
      this.stepStart[i] = s;
      for (const step of f.calls) {
        this.compileStep(s, step, name, len, mod, tableIds);
        if ('softirq_actions' in step && actionsAt === undefined) actionsAt = s;
        s++;
      }
    });
    this.stepStart[n] = s;
    const id = (name: string) => this.index.get(name)!;
    const k = model.kernel;
    this.bhEnable = Int32Array.from(k.bhEnable.map(id));
    this.softirqFn = k.softirq !== undefined ? id(k.softirq) : -1;
    this.actions = Int32Array.from(
      SOFTIRQ_NAMES.map((v) => (k.actions[v] !== undefined ? id(k.actions[v]!) : -1)),
    );
    this.actionsLoc =
      actionsAt !== undefined
        ? this.stLoc[actionsAt]!
        : this.softirqFn >= 0
          ? this.fnLoc[this.softirqFn]!
          : -1;
    this.ksoftirqd = Int32Array.from(k.ksoftirqd.map(id));
    this.idle = Int32Array.from(k.idle.map(id));
    this.schedule = Int32Array.from(k.schedule.map(id));
    this.irqExitCalls = Int32Array.from(k.irqExit.map(id));
  }

  /** Interns a location text. */
  loc(text: string): number {
    let i = this.locIndex.get(text);
    if (i === undefined) {
      i = this.locs.length;
      this.locs.push(text);
      this.locIndex.set(text, i);
    }
    return i;
  }

  /** Interns the profile's own location texts (entry call sites) before a run. */
  internProfile(p: KernelProfile): void {
    for (const path of Object.values(p.entry)) {
      this.loc(path.callSite);
      for (const f of path.frames) this.loc(f.ret ?? f.name);
    }
  }

  private tableFor(d: Distribution, ids: Map<string, number>): number {
    if (d.kind === 'fixed' && d.ns === 0) return -1;
    const key = JSON.stringify(d);
    let t = ids.get(key);
    if (t === undefined) {
      t = this.tables.length;
      this.tables.push(quantileTable(d));
      ids.set(key, t);
    }
    return t;
  }

  /** The shape table of a self-time distribution (-1: no self time, no draw). */
  private shapeFor(d: Distribution): number {
    return d.kind === 'fixed' && d.ns === 0 ? -1 : this.internShape(quantileShape(d));
  }

  private internShape(shape: ReturnType<typeof quantileShape>): number {
    let t = this.shapeIds.get(shape.key);
    if (t === undefined) {
      t = this.shapes.length;
      this.shapes.push(shape.table());
      this.shapeIds.set(shape.key, t);
    }
    return t;
  }

  /**
   * Any other distribution drawn in the run (think times) as a shape table shared with the self
   * times and its scale: a draw is pick(table, u) * scale, bit for bit pick(quantileTable(d), u).
   */
  sampler(d: Distribution): { readonly table: Float64Array; readonly scale: number } {
    const shape = quantileShape(d);
    return { table: this.shapes[this.internShape(shape)]!, scale: shape.scale };
  }

  private compileStep(
    s: number,
    step: Step,
    caller: string,
    len: string,
    mod: string,
    ids: Map<string, number>,
  ): void {
    const always = (p: number) => (p >= 1 ? U32 : Math.floor(p * U32));
    if ('call' in step) {
      this.stKind[s] = ST_CALL;
      this.stArg[s] = this.index.get(step.call)!;
      this.stArg2[s] = step.repeat;
      this.stThreshold[s] = always(step.p);
      this.stLoc[s] = this.loc(
        step.at !== undefined ? `${caller}+0x${step.at.toString(16)}${len}${mod}` : caller,
      );
    } else if ('raise' in step) {
      this.stKind[s] = ST_RAISE;
      this.stArg[s] = SOFTIRQ_NAMES.indexOf(step.raise as SoftirqName);
      this.stThreshold[s] = always(step.p);
    } else if ('local_bh_disable' in step) this.stKind[s] = ST_BH_DISABLE;
    else if ('local_bh_enable' in step) {
      this.stKind[s] = ST_BH_ENABLE;
      this.stLoc[s] = this.loc(caller);
    } else if ('ipi' in step) {
      this.stKind[s] = ST_IPI;
      this.stArg[s] = step.ipi === 'resched' ? IPI_RESCHED : IPI_CALL_FUNCTION;
      this.stArg2[s] = step.to === 'other' ? TO_OTHER : step.to === 'all' ? TO_ALL : step.to;
      this.stThreshold[s] = always(step.p);
    } else if ('cond_resched' in step) this.stKind[s] = ST_COND_RESCHED;
    else if ('sleep' in step) {
      this.stKind[s] = ST_SLEEP;
      this.stArg[s] = this.tableFor(step.sleep, ids);
      this.stThreshold[s] = always(step.p);
    } else if ('irq_exit' in step) {
      this.stKind[s] = ST_IRQ_EXIT;
      this.stLoc[s] = this.loc(caller);
    } else {
      this.stKind[s] = ST_SOFTIRQ_ACTIONS;
      this.stLoc[s] = this.loc(caller);
    }
  }
}
