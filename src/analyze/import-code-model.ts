// `stacklab import`: a code model from what users have. stack_trace tables (rebuilt into chains,
// which know each era's frame sizes, exceptions and softirq paths) and func_stack_trace unwinds
// (call paths across stacks, with counts) are read as paths of functions; every caller -> callee
// pair becomes a call step, local_bh_enable / irq_exit / the softirq action loop become their
// steps, and frame sizes come from an ELF file when given, else from the tables, else a default.
//
// Model simplification: a function's observed callees are all called on every pass (p = 1); the
// traces say which calls happen, not how often. Self times are a default the user edits.
import { type Diagnostic, diag } from '../base/diag.ts';
import { readNumber } from '../base/number.ts';
import type { FuncStackTrace } from '../formats/func-stack-trace.ts';
import { SOFTIRQ_NAMES, type SoftirqName } from '../model/constants.ts';
import {
  isEntryC,
  isSoftirqPlumbing,
  isTracerFunction,
  SOFTIRQ_ENTRY,
  softirqPathOf,
  vectorKind,
} from '../model/entry-symbols.ts';
import type { Chain } from './chain.ts';

/** The action each softirq vector runs, by the names kernels have used (kernel/softirq.c open_softirq callers). */
export const SOFTIRQ_ACTIONS: Readonly<Record<string, SoftirqName>> = {
  tasklet_hi_action: 'HI',
  run_timer_softirq: 'TIMER',
  net_tx_action: 'NET_TX',
  net_rx_action: 'NET_RX',
  blk_done_softirq: 'BLOCK',
  irq_poll_softirq: 'IRQ_POLL',
  tasklet_action: 'TASKLET',
  run_rebalance_domains: 'SCHED',
  hrtimer_run_softirq: 'HRTIMER',
  rcu_core_si: 'RCU',
  rcu_process_callbacks: 'RCU',
};

/** The function tracer's callbacks (a trace taken while one ran shows them): never part of a code model. */
const isTracer = (fn: string) =>
  isTracerFunction(fn) || /^function_(stack_)?trace_call$|^function_graph_enter/.test(fn);

/** Where an interrupt handler path goes: the arch timer, an IPI, or a device. */
export type HandlerKind = 'timer' | 'ipi' | 'device';

/** One step of a normalised path, outermost first. */
type PathNode =
  | {
      readonly t: 'fn';
      readonly name: string;
      readonly size?: number;
      readonly at?: number;
      readonly len?: number;
    }
  | { readonly t: 'start'; readonly path: 'syscall' | 'kthread' | 'el0-irq' | 'unknown' }
  | { readonly t: 'irq' }
  | {
      readonly t: 'softirq';
      readonly path: 'irq-exit' | 'bh-enable' | 'ksoftirqd';
      readonly plumbing: readonly PathFn[];
    }
  | { readonly t: 'irq-exit' };
type PathFn = Extract<PathNode, { t: 'fn' }>;

interface Edge {
  at: number | undefined;
  /** A probability and a repeat count a --with file gives the call. */
  p?: number;
  repeat?: number;
  count: number;
  kind: 'call' | 'bh' | 'irq_exit' | 'actions';
  /** The softirq a bh / irq_exit step was seen to run. */
  vector?: SoftirqName;
}

interface FnInfo {
  frame: number | undefined;
  from: string;
  len: number | undefined;
  readonly edges: Map<string, Edge>;
  bhDisable: boolean;
  /** Fields and steps a hand-written addition (--with) gives: kept as written. */
  extra?: { fields: Record<string, unknown>; steps: unknown[] };
}

export interface ImportSummary {
  readonly functions: number;
  readonly syscalls: readonly string[];
  readonly handlers: readonly { readonly name: string; readonly kind: HandlerKind; readonly count: number }[];
  readonly actions: Partial<Record<SoftirqName, string>>;
  readonly framesFrom: {
    readonly elf: number;
    readonly table: number;
    /** Frames a --with file gives (kept as written). */
    readonly with: number;
    readonly default: number;
  };
  readonly paths: number;
}

export interface ImportResult {
  /** A code model as plain data, ready for YAML (validated by the caller with validateCodeModel). */
  readonly model: Record<string, unknown>;
  readonly summary: ImportSummary;
  readonly diagnostics: readonly Diagnostic[];
}

export interface ImportOptions {
  readonly name: string;
  readonly source: string;
  /** Frame sizes read from ELF files (function name -> bytes). */
  readonly elfFrames?: ReadonlyMap<string, number>;
  /** Frame size for functions no input sizes (bytes). */
  readonly defaultFrame?: number;
  /** Self time written for every function (a distribution as YAML spells it). */
  readonly self?: unknown;
}

const parseLoc = (text: string): { fn: string; at?: number; len?: number } => {
  const m = /^([^+\s]+)\+0x([0-9a-f]+)(?:\/0x([0-9a-f]+))?/.exec(text);
  if (!m) return { fn: text.split(/\s/)[0] ?? text };
  // Offsets the reader already checked; one past 2^53 leaves the call site unknown.
  const hex = (h: string) => {
    const r = readNumber(
      h,
      { code: 'import/bad-number', what: 'offset', syntax: 'hex' },
      { file: '<table>' },
    );
    return r.ok ? r.value : undefined;
  };
  const at = hex(m[2]!);
  const len = m[3] ? hex(m[3]) : undefined;
  return { fn: m[1]!, ...(at === undefined ? {} : { at }), ...(len === undefined ? {} : { len }) };
};

/** A table's chain as a path: the calls (with the sizes and call sites the era gives), exceptions and softirqs. */
export function pathOfChain(chain: Chain): PathNode[] {
  const out: PathNode[] = [];
  // local_bh_enable's own frames (__local_bh_enable_ip, do_softirq) read as calls: they belong to the softirq after them.
  let held: PathFn[] = [];
  const flush = () => {
    out.push(...held);
    held = [];
  };
  for (const it of chain.items) {
    if (it.kind === 'call' && softirqPathOf(it.frame.fn) === 'bh-enable') {
      held.push({
        t: 'fn',
        name: it.frame.fn,
        ...(it.frame.sizeKnown ? { size: it.frame.size } : {}),
        ...retOf(parseLoc(it.frame.ret)),
      });
      continue;
    }
    if (it.kind === 'softirq') {
      const plumbing = [
        ...held,
        ...it.plumbing.map((f) => ({
          t: 'fn' as const,
          name: f.fn,
          ...(f.sizeKnown ? { size: f.size } : {}),
          ...retOf(parseLoc(f.ret)),
        })),
      ];
      held = [];
      out.push({ t: 'softirq', path: it.path, plumbing });
      continue;
    }
    flush();
    switch (it.kind) {
      case 'start':
        out.push({ t: 'start', path: it.path === 'el0-sync' ? 'syscall' : it.path });
        break;
      case 'call': {
        if (
          it.role === 'tracer' ||
          isTracerFunction(it.frame.fn) ||
          isEntryC(it.frame.fn) ||
          isSoftirqPlumbing(it.frame.fn)
        )
          break;
        const ret = parseLoc(it.frame.ret);
        out.push({
          t: 'fn',
          name: it.frame.fn,
          ...(it.frame.sizeKnown ? { size: it.frame.size } : {}),
          ...retOf(ret),
        });
        break;
      }
      case 'exception':
        if (it.interrupted.fn !== '(interrupted)' && !isTracerFunction(it.interrupted.fn)) {
          const ret = parseLoc(it.interrupted.ret);
          out.push({
            t: 'fn',
            name: it.interrupted.fn,
            ...(it.interrupted.sizeKnown ? { size: it.interrupted.size } : {}),
            ...retOf(ret),
          });
        }
        out.push({ t: 'irq' });
        if (it.stage === 'irq-exit') out.push({ t: 'irq-exit' });
        break;
      case 'sample':
        // The traced function whose entry recorded the maximum: entered, so a callee of what is below it.
        {
          const last = held.at(-1) ?? out.at(-1);
          const seen = last?.t === 'fn' && last.name === it.fn;
          if (
            !seen &&
            !it.inPlace &&
            !isTracerFunction(it.fn) &&
            !isSoftirqPlumbing(it.fn) &&
            !isEntryC(it.fn)
          )
            out.push({ t: 'fn', name: it.fn });
        }
        break;
    }
  }
  flush();
  return out;
}

function retOf(r: { at?: number; len?: number }): { at?: number; len?: number } {
  return { ...(r.at !== undefined ? { at: r.at } : {}), ...(r.len !== undefined ? { len: r.len } : {}) };
}

/** A func_stack_trace unwind (innermost first) as a path, entry code and plumbing classified by name. */
export function pathOfUnwind(frames: readonly string[]): PathNode[] {
  const outer = [...frames].reverse();
  const out: PathNode[] = [];
  let plumbing: PathFn[] = [];
  for (const name of outer) {
    const v = vectorKind(name);
    if (v !== undefined) {
      if (v === 'el1-irq') out.push({ t: 'irq' });
      else if (out.length === 0)
        out.push({ t: 'start', path: v === 'el0-irq' ? 'el0-irq' : v === 'kthread' ? 'kthread' : 'syscall' });
      continue;
    }
    if (isEntryC(name) || name === 'call_on_irq_stack' || isTracer(name)) continue;
    const sp = softirqPathOf(name);
    if (sp !== undefined || isSoftirqPlumbing(name)) {
      plumbing.push({ t: 'fn', name });
      continue;
    }
    if (name === SOFTIRQ_ENTRY && plumbing.length > 0) {
      const path = plumbing.map((p) => softirqPathOf(p.name)).find((x) => x !== undefined) ?? 'bh-enable';
      out.push({ t: 'softirq', path, plumbing });
      plumbing = [];
    }
    out.push({ t: 'fn', name });
  }
  if (out[0]?.t !== 'start') out.unshift({ t: 'start', path: 'unknown' });
  return out;
}

/** Builds the call graph from paths, then the code model. */
export class CodeModelBuilder {
  private readonly fns = new Map<string, FnInfo>();
  private readonly syscalls = new Map<string, number>();
  private readonly handlers = new Map<string, { kind: HandlerKind; count: number }>();
  private readonly actions = new Map<SoftirqName, string>();
  private bhEnable: string[] | null = null;
  private readonly irqExitCalls = new Set<string>();
  private softirqFn: string | undefined;
  private readonly ksoftirqd: string[] = [];
  private paths = 0;
  readonly diagnostics: Diagnostic[] = [];

  addTable(chain: Chain, file: string): void {
    this.addPath(pathOfChain(chain), 1, file);
  }

  addTrace(t: FuncStackTrace, file: string): void {
    for (const s of t.stacks) this.addPath(pathOfUnwind(s.frames), s.count, file);
  }

  /**
   * Merges a hand-written (partial) code model: its functions' calls become edges like observed ones,
   * its other steps and fields are kept, its kernel paths replace the ones found. Frames it gives win
   * over the tables' (ELF sizes still win over both).
   */
  addModel(m: {
    functions?: Record<string, Record<string, unknown>>;
    kernel?: Record<string, unknown>;
  }): void {
    for (const [name, f] of Object.entries(m.functions ?? {})) {
      const info = this.fn(name);
      if (typeof f.frame === 'number') {
        info.frame = f.frame;
        info.from = 'with';
      }
      const { calls, frame: _frame, ...fields } = f as { calls?: unknown[]; frame?: unknown };
      const steps: unknown[] = [];
      for (const st of calls ?? []) {
        const c = st as { call?: string; at?: number; p?: number; repeat?: number };
        if (typeof c.call === 'string') {
          this.fn(c.call);
          const e = this.edge(name, c.call, 'call', c.at, 1);
          if (typeof c.p === 'number') e.p = c.p;
          if (typeof c.repeat === 'number') e.repeat = c.repeat;
        } else steps.push(st);
      }
      info.extra = { fields, steps };
    }
    this.kernelOverride = { ...this.kernelOverride, ...(m.kernel ?? {}) };
  }

  private kernelOverride: Record<string, unknown> = {};

  private fn(name: string, size?: number, len?: number): FnInfo {
    let f = this.fns.get(name);
    if (f === undefined) {
      f = { frame: undefined, from: 'default', len: undefined, edges: new Map(), bhDisable: false };
      this.fns.set(name, f);
    }
    if (size !== undefined && (f.frame === undefined || size > f.frame)) {
      f.frame = size;
      f.from = 'table';
    }
    if (len !== undefined) f.len = len;
    return f;
  }

  private edge(
    caller: string,
    callee: string,
    kind: Edge['kind'],
    at: number | undefined,
    count: number,
    len?: number,
  ): Edge {
    const f = this.fn(caller, undefined, len);
    const key = kind === 'call' ? callee : `${kind}:${callee}`;
    let e = f.edges.get(key);
    if (e === undefined) {
      e = { at, count: 0, kind };
      f.edges.set(key, e);
    }
    if (e.at === undefined) e.at = at;
    e.count += count;
    return e;
  }

  /** Walks one path. `stack` holds the functions of the current context, outermost first. */
  addPath(path: readonly PathNode[], count: number, file: string): void {
    this.paths++;
    let stack: string[] = [];
    let root: 'syscall' | 'handler' | 'softirq' | 'irq-exit' | 'kthread' | 'none' = 'none';
    let handlerRoot: string | null = null;
    let handlerStart = 0;
    let pendingBh: { caller: string; at: number | undefined } | null = null;
    let inSoftirq = false;
    for (const node of path) {
      if (node.t === 'start') {
        stack = [];
        root =
          node.path === 'syscall'
            ? 'syscall'
            : node.path === 'el0-irq'
              ? 'handler'
              : node.path === 'kthread'
                ? 'kthread'
                : 'none';
        continue;
      }
      if (node.t === 'irq') {
        if (handlerRoot !== null) this.classify(handlerRoot, stack.slice(handlerStart), count);
        root = 'handler';
        handlerRoot = null;
        handlerStart = stack.length;
        stack.push('|');
        continue;
      }
      if (node.t === 'irq-exit') {
        root = 'irq-exit';
        stack.push('|');
        continue;
      }
      if (node.t === 'softirq') {
        const caller = topFn(stack);
        const own = node.plumbing.filter(
          (p) => !isSoftirqPlumbing(p.name) && softirqPathOf(p.name) !== 'ksoftirqd',
        );
        if (node.path === 'bh-enable') {
          if (this.bhEnable === null && own.length > 0) this.bhEnable = own.map((p) => p.name);
          for (const p of own) this.fn(p.name, p.size);
          if (caller !== null) pendingBh = { caller, at: own[0]?.at };
        } else if (node.path === 'irq-exit' && caller !== null) {
          pendingBh = { caller, at: node.plumbing[0]?.at };
        } else if (node.path === 'ksoftirqd') {
          for (const p of node.plumbing) if (!this.ksoftirqd.includes(p.name)) this.ksoftirqd.push(p.name);
        }
        root = 'softirq';
        inSoftirq = true;
        stack.push(node.path === 'bh-enable' ? '|bh' : node.path === 'irq-exit' ? '|irq_exit' : '|ksoftirqd');
        continue;
      }
      if (this.addFn(node, stack, count, root, inSoftirq, pendingBh, file)) pendingBh = null;
      if (root === 'handler' && handlerRoot === null && topFn(stack) === node.name) handlerRoot = node.name;
      root =
        root === 'syscall' ||
        root === 'handler' ||
        root === 'softirq' ||
        root === 'kthread' ||
        root === 'irq-exit'
          ? 'none'
          : root;
    }
    if (handlerRoot !== null) this.classify(handlerRoot, stack.slice(handlerStart), count);
  }

  private addFn(
    node: PathFn,
    stack: string[],
    count: number,
    root: string,
    inSoftirq: boolean,
    pendingBh: { caller: string; at: number | undefined } | null,
    file: string,
  ): boolean {
    const name = node.name;
    this.fn(name, node.size);
    const top = stack[stack.length - 1];
    const vec = SOFTIRQ_ACTIONS[name];
    if (vec !== undefined && inSoftirq) {
      // An action: its caller (__do_softirq or handle_softirqs) gets the action-loop step.
      this.actions.set(vec, name);
      const caller = topFn(stack);
      if (caller !== null) this.edge(caller, name, 'actions', node.at, count);
      if (pendingBh !== null) {
        const kind = stack.includes('|irq_exit') ? 'irq_exit' : 'bh';
        this.edge(pendingBh.caller, name, kind, pendingBh.at, count).vector = vec;
        if (kind === 'bh') this.fn(pendingBh.caller).bhDisable = true;
      }
      stack.push(name);
      return pendingBh !== null;
    }
    if (root === 'syscall') this.syscalls.set(name, (this.syscalls.get(name) ?? 0) + count);
    else if (root === 'softirq' && name === SOFTIRQ_ENTRY) this.softirqFn = name;
    else if (root === 'irq-exit') {
      if (!isSoftirqPlumbing(name) && !isEntryC(name)) this.irqExitCalls.add(name);
    } else if (top !== undefined && !top.startsWith('|'))
      this.edge(top, name, 'call', node.at, count, node.len);
    else if (top === undefined && root === 'none')
      this.diagnostics.push(
        diag(
          'import/no-entry',
          'notice',
          `${name}: a path that starts without an entry (kept as a function)`,
          { file },
        ),
      );
    stack.push(name);
    return false;
  }

  /** Which source a handler path stands for, from the functions it passes through. */
  private classify(root: string, path: readonly string[], count: number): void {
    const names = path.join(' ');
    const kind: HandlerKind =
      /arch_timer_handler|hrtimer_interrupt|tick_sched_timer|tick_handle_periodic/.test(names)
        ? 'timer'
        : /handle_IPI|ipi_handler|do_handle_IPI|smp_call_function|scheduler_ipi/.test(names)
          ? 'ipi'
          : 'device';
    const key = `${root} ${kind}`;
    const h = this.handlers.get(key) ?? { kind, count: 0 };
    h.count += count;
    this.handlers.set(key, h);
  }

  build(opts: ImportOptions): ImportResult {
    const elf = opts.elfFrames;
    const dflt = opts.defaultFrame ?? 64;
    const framesFrom = { elf: 0, table: 0, with: 0, default: 0 };
    const functions: Record<string, unknown> = {};
    const names = [...this.fns.keys()].sort();
    for (const name of names) {
      const f = this.fns.get(name)!;
      const e = elf?.get(name) ?? elf?.get(name.replace(/\.(constprop|isra|part|cold)\.\d+$/, ''));
      const frame = e ?? f.frame ?? dflt;
      const from = e !== undefined ? 'elf' : f.frame !== undefined ? f.from : 'default';
      framesFrom[from as 'elf' | 'table' | 'with' | 'default']++;
      const steps = [...(f.edges.size > 0 || f.bhDisable ? this.steps(f) : []), ...(f.extra?.steps ?? [])];
      functions[name] = {
        frame: frame - (frame % 8),
        ...(opts.self !== undefined ? { self: opts.self } : {}),
        ...(f.len !== undefined ? { len: f.len } : {}),
        from,
        ...(f.extra?.fields ?? {}),
        ...(steps.length > 0 ? { calls: steps } : {}),
      };
    }
    const kernel: Record<string, unknown> = {};
    if (this.bhEnable) kernel.bhEnable = this.bhEnable;
    if (this.softirqFn) kernel.softirq = this.softirqFn;
    if (this.actions.size > 0)
      kernel.actions = Object.fromEntries(
        SOFTIRQ_NAMES.filter((v) => this.actions.has(v)).map((v) => [v, this.actions.get(v)]),
      );
    if (this.irqExitCalls.size > 0) kernel.irqExit = [...this.irqExitCalls].sort();
    if (this.ksoftirqd.length > 0) kernel.ksoftirqd = this.ksoftirqd.filter((n) => this.fns.has(n));
    Object.assign(kernel, this.kernelOverride);
    return {
      model: {
        codeModel: 1,
        name: opts.name,
        source: opts.source,
        functions,
        ...(Object.keys(kernel).length > 0 ? { kernel } : {}),
      },
      summary: {
        functions: names.length,
        syscalls: [...this.syscalls.keys()].sort(),
        handlers: [...this.handlers.entries()].map(([k, v]) => ({
          name: k.split(' ')[0]!,
          kind: v.kind,
          count: v.count,
        })),
        actions: Object.fromEntries(this.actions),
        framesFrom,
        paths: this.paths,
      },
      diagnostics: this.diagnostics,
    };
  }

  /** A function's steps in code order (by return offset; unknown offsets last, by name). */
  private steps(f: FnInfo): unknown[] {
    const es = [...f.edges.entries()].sort(
      ([ka, a], [kb, b]) => (a.at ?? 1e9) - (b.at ?? 1e9) || ka.localeCompare(kb),
    );
    const out: unknown[] = [];
    if (f.bhDisable) out.push({ local_bh_disable: true });
    for (const [key, e] of es) {
      const callee = key.slice(key.indexOf(':') + 1);
      if (e.kind === 'call')
        out.push({
          call: key,
          ...(e.at !== undefined ? { at: e.at } : {}),
          ...(e.p !== undefined ? { p: e.p } : {}),
        });
      else if (e.kind === 'actions') {
        if (!out.some((s) => (s as { softirq_actions?: boolean }).softirq_actions))
          out.push({ softirq_actions: true });
      } else if (e.kind === 'bh')
        out.push({ raise: e.vector ?? SOFTIRQ_ACTIONS[callee] }, { local_bh_enable: true });
      else out.push({ raise: e.vector ?? SOFTIRQ_ACTIONS[callee] }, { irq_exit: true });
    }
    return out;
  }
}

function topFn(stack: readonly string[]): string | null {
  const t = stack[stack.length - 1];
  return t === undefined || t.startsWith('|') ? null : t;
}
