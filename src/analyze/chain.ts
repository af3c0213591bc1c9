// Rebuilds the call chain behind a stack_trace table: which functions ran, how many bytes each
// frame took, where exceptions and softirqs entered, and which rows were the tracer itself. The
// chain is era-neutral: replay.ts lays it out again under any profile.
//
// How a table encodes frames (kernel-semantics.md §3.5): row i's Depth is where the scan found the
// return address printed on row i. On arm64 before 5.4 that slot is the saved LR in the *callee's*
// frame record, at the bottom of the callee's frame; from 5.4 the kernel shifts Depths down one
// row so each row shows its own record; on x86_64 the return address sits at the top of the
// callee's frame. All three reduce to: frame F_k holds rets[k+1], and consecutive slots bound it.
import { type Diagnostic, diag } from '../base/diag.ts';
import type { StackTraceRow, StackTraceTable } from '../formats/ftrace-stack-trace.ts';
import {
  isEntryC,
  isGraphTrampoline,
  isPreemptOnIrqExit,
  isSoftirqEntry,
  isSoftirqPlumbing,
  isTracerFunction,
  softirqPathOf,
  vectorKind,
} from '../model/entry-symbols.ts';
import type { EntryFrame } from '../model/profile.ts';
import { baseName, detectSourceEra, fnOf, type SourceEra } from './source-era.ts';

export type { SourceEra } from './source-era.ts';
export { candidateSourceEras, detectSourceEra } from './source-era.ts';

export interface ChainFrame {
  readonly fn: string;
  readonly size: number;
  /** Location text of the return address this frame's record holds (printed on the caller's row). */
  readonly ret: string;
  /** Bytes of this frame below its record (x86: n/a; arm64: SP below the record at the interrupt). */
  readonly recordOffset: number;
  /** Table row (0 = innermost) where this function is printed, if it is. */
  readonly row: number | null;
  /** The location printed on that row (a return address into this function). */
  readonly at?: string;
  /** Frame size inferred without a bounding slot (a default); replays say so. */
  readonly sizeKnown: boolean;
}

/** How the outermost context began: a syscall, an IRQ or fault from user mode, a kernel thread. */
export type StartPath = 'syscall' | 'el0-irq' | 'el0-sync' | 'kthread' | 'unknown';

export type ChainItem =
  | {
      readonly kind: 'start';
      readonly path: StartPath;
      readonly vector: string;
      /** The source era's entry C frames (el0t_64_sync_handler ...), outermost first. */
      readonly entryFrames: readonly ChainFrame[];
      /** Bytes above the first payload frame the source era used (gap + pt_regs + entry frames). */
      readonly topBytes: number;
      /** Bytes of saved registers at the top (the source era's pt_regs, or what the table implies). */
      readonly regsBytes: number;
    }
  | { readonly kind: 'call'; readonly frame: ChainFrame; readonly role: 'payload' | 'tracer' }
  | {
      readonly kind: 'exception';
      readonly type: 'irq' | 'sync';
      readonly vector: string;
      /** The interrupted function's frame (its name is "(interrupted)" when the era did not print it). */
      readonly interrupted: ChainFrame;
      /** Location text of the interrupted PC (ELR). */
      readonly elr: string;
      /** Whether x30 still held the interrupted function's return address (found in pt_regs). */
      readonly lrLive: boolean;
      readonly entryFrames: readonly ChainFrame[];
      /** Location text the first handler frame's record holds (return into the entry code). */
      readonly callSite: string;
      /**
       * What the frames inside the entry code are: the handler (called where the IRQ stack switch
       * happens), irq_enter/irq_exit code the v5.16+ entry code runs on the interrupted stack,
       * preemption on IRQ exit (the handler has returned; on the interrupted stack, IRQs may come
       * again), or more entry code (the trace stopped before the handler was called: no switch yet).
       */
      readonly stage: 'handler' | 'irq-exit' | 'preempt' | 'entry';
    }
  | {
      readonly kind: 'softirq';
      readonly path: 'irq-exit' | 'bh-enable' | 'ksoftirqd';
      /** The source era's plumbing frames between the entry path and __do_softirq. */
      readonly plumbing: readonly ChainFrame[];
    }
  | {
      readonly kind: 'sample';
      /** The traced function whose entry recorded the max. */
      readonly fn: string;
      readonly ip: string;
      readonly parent: string | null;
      /** Tracer frames of the table itself hold the ip (a sample that was in progress). */
      readonly inPlace: boolean;
      /** The trampoline geometry that reproduces the table's own Depths in its own era. */
      readonly geometry: {
        size: number;
        ipSlot: number;
        recordSlot: number;
        parentSlot: number | null;
      } | null;
    };

export interface Chain {
  readonly source: SourceEra;
  readonly items: readonly ChainItem[];
  /** The table's own line-0 Depth and entry count, for comparisons. */
  readonly maxDepth: number;
  readonly entries: number;
  /** How the table was read, in sentences (for reports). */
  readonly reading: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

interface Ret {
  readonly text: string;
  readonly fn: string;
  /** Depth of the slot it was found in; null where the table does not say (shifted-out entries). */
  readonly slot: number | null;
  readonly row: number | null;
}

/** Rebuilds the chain. Oddities (unfound entries, sizes that contradict the model) become diagnostics. */
export function rebuildChain(table: StackTraceTable, file: string, source?: string | SourceEra): Chain {
  const diags: Diagnostic[] = [];
  const src = typeof source === 'object' ? source : detectSourceEra(table, source);
  const rows = table.rows;
  const note = (code: string, msg: string, row?: StackTraceRow) =>
    diags.push(diag(code, 'notice', msg, row ? { file, line: row.line } : { file }));

  // rets[k] = the return address into F_k (rets[0] = the traced function's ip).
  const rets: Ret[] = [];
  if (src.shifted) {
    rows.forEach((r, k) => {
      rets.push({
        text: r.location.text,
        fn: fnOf(r.location.text),
        slot: k === 0 ? null : rows[k - 1]!.depth,
        row: k,
      });
    });
    const last = rows[rows.length - 1];
    if (last) {
      const vec = outerReturnFor(fnOf(last.location.text), src);
      rets.push({ text: vec, fn: fnOf(vec), slot: last.depth, row: null });
    }
  } else {
    rows.forEach((r, k) => {
      rets.push({ text: r.location.text, fn: fnOf(r.location.text), slot: r.depth, row: k });
    });
  }
  // 2.6-3.x check_stack() skipped the traced function: the table starts at the return into its
  // caller. Its ip is put back as rets[0], found nowhere, so rets[k] is still the return into F_k.
  const ipHidden = src.profile?.tracer.ipEntry === 'none';
  if (ipHidden) rets.unshift({ text: TRACED_HIDDEN, fn: TRACED_HIDDEN, slot: null, row: null });
  const rowOf = (k: number): StackTraceRow | undefined => {
    const r = rets[k]?.row;
    return r === null || r === undefined ? undefined : rows[r];
  };

  // Unfound entries of <= v4.2 tables print the previous row's Depth: their value is nowhere on the stack.
  const unfound = new Set<number>();
  for (let k = 1; k < rets.length; k++) {
    const a = rets[k - 1]!.slot;
    const b = rets[k]!.slot;
    if (a !== null && b !== null && a === b) {
      unfound.add(k);
      const row = rets[k]!.row ?? k;
      note(
        'replay/unfound-entry',
        `row ${row} shares its Depth with row ${row - 1}: its return address was not found on the stack`,
        rowOf(k),
      );
    }
    if (isGraphTrampoline(rets[k]!.fn))
      note(
        'replay/graph-trampoline',
        'return_to_handler: the function_graph tracer replaced a return address, and the unwinder reported both it and the real one, which is nowhere on the stack; stacklab does not model the graph tracer',
        rowOf(k),
      );
  }

  const slotOf = (k: number): number | null => {
    // The slot of rets[k], skipping unfound entries (they occupy no slot).
    for (let j = k; j < rets.length; j++) if (!unfound.has(j)) return rets[j]!.slot;
    return null;
  };
  const ptTop = src.startGap + src.ptRegsSize;
  /** Registers a syscall from user mode saves (x86_64 2.6-3.x: a partial pt_regs). */
  const syscallTop = src.startGap + (src.profile?.entry.syscall.regsBytes ?? src.ptRegsSize);
  const items: ChainItem[] = [];

  // The outermost rows: vector (and, in 6.1, entry C frames).
  let outer = rets.length - 1;
  let start: Extract<ChainItem, { kind: 'start' }> | null = null;
  const entryFrames: ChainFrame[] = [];
  if (outer >= 0) {
    const vk = vectorKind(baseName(rets[outer]!.fn));
    // Whatever vector is outermost entered from user mode (or started a kernel thread): nothing is below it.
    const isStartVector = vk !== undefined;
    // Entry C frames sit just inside the vector (6.1 keeps them as rows; the vector itself is shifted out).
    let k = isStartVector ? outer - 1 : outer;
    const vectorName = isStartVector ? rets[outer]!.fn : (src.profile?.entry.syscall.asm[0] ?? 'entry');
    // Frame F_k holds rets[k+1]; walk outward-in while F_k is entry code.
    let top = vk === 'syscall' ? syscallTop : ptTop;
    // With the return address at the frame top, the vector's slot tells where frames began.
    const sVec = isStartVector ? slotOf(outer) : null;
    if (
      src.returnSlot === 'frame-top' &&
      src.profile !== null &&
      sVec !== null &&
      sVec - 8 !== top &&
      sVec >= 16
    ) {
      note(
        'replay/entry-size',
        `the table starts frames ${sVec - 8} B below the top where ${src.id} saves ${top} B of registers (an older entry path?): the table's figure is used`,
      );
      top = sVec - 8;
    }
    const regsBytes = Math.max(0, Math.ceil((top - src.startGap) / 8) * 8);
    while (k >= 0 && isEntryC(baseName(rets[k]!.fn)) && src.profile !== null) {
      const size = frameSize(k, top);
      entryFrames.push({
        fn: rets[k]!.fn,
        size,
        ret: rets[k + 1]?.text ?? outerReturnFor(rets[k]!.fn, src),
        recordOffset: 0,
        row: rets[k]!.row,
        sizeKnown: true,
      });
      top += size;
      k--;
    }
    const path: StartPath =
      vk === undefined
        ? 'unknown'
        : vk === 'el1-irq' || vk === 'el0-irq'
          ? 'el0-irq'
          : vk === 'el1-sync'
            ? 'el0-sync'
            : vk;
    if (src.profile === null || path === 'unknown') {
      // No entry geometry known: the outermost frame is taken to be a bare 16-byte record.
      const s0 = slotOf(isStartVector ? outer : outer + 1);
      top = s0 === null ? ptTop : Math.max(0, s0 + 8 - 16);
      // The kernel prints the outermost row with Size = Depth. A smaller Size means the copy was
      // cut: the rows outside the last one are missing, but its Depth still says how much stack
      // lies above it. Keep that as one block rather than lose it.
      const lastRow = rows[rows.length - 1];
      const sOuter = slotOf(outer);
      if (
        path === 'unknown' &&
        s0 === null &&
        lastRow !== undefined &&
        lastRow.size !== lastRow.depth &&
        sOuter !== null &&
        sOuter - 8 > top
      ) {
        top = sOuter - 8;
        note(
          'replay/cut-table',
          `the table ends at ${rets[outer]!.fn} with Depth ${lastRow.depth} but Size ${lastRow.size}: rows outside it are missing from this copy; the ${top} B above its frame are kept as one block`,
          lastRow,
        );
      }
      if (path === 'unknown')
        note(
          'replay/no-entry',
          `outermost row ${rets[outer]!.fn} is not a known entry: top ${top} B taken from the table`,
        );
    }
    start = { kind: 'start', path, vector: vectorName, entryFrames, topBytes: top, regsBytes };
    outer = k;
    items.push(start);
  }

  function frameSize(k: number, topDepth: number): number {
    // F_k holds rets[k+1].
    if (src.returnSlot === 'frame-bottom') {
      const mine = slotOf(k + 1);
      const callers = k + 2 < rets.length ? slotOf(k + 2) : null;
      if (mine === null) return 16;
      if (callers === null) return mine + 8 - topDepth;
      return mine - callers;
    }
    const a = slotOf(k);
    const b = slotOf(k + 1);
    if (a === null || b === null) return 16;
    return a - b;
  }

  // Walk inward. F_k holds rets[k+1]; vectors mark exceptions, __do_softirq marks softirq entry.
  const topOf = () => (start ? start.topBytes : ptTop);
  const sizeOverride = new Map<number, number>();
  let k = outer;
  while (k > 0) {
    const r = rets[k]!;
    const fn = baseName(r.fn);
    const vk = vectorKind(fn);
    // With an ELR-reporting unwinder the row outside the vector is the interrupted function itself.
    const inner = rets[k - 1];
    const innerVk = inner ? vectorKind(baseName(inner.fn)) : undefined;
    if (src.reportsElr && k > 1 && (innerVk === 'el1-irq' || innerVk === 'el1-sync')) {
      const ex = exceptionAt(k - 1);
      if (ex) {
        items.push(ex.item);
        if (ex.firstHandlerSize !== undefined) sizeOverride.set(ex.next, ex.firstHandlerSize);
        k = ex.next;
        continue;
      }
    }
    if (vk === 'el1-irq' || vk === 'el1-sync' || vk === 'el0-irq') {
      const ex = exceptionAt(k);
      if (ex) {
        items.push(ex.item);
        if (ex.firstHandlerSize !== undefined) sizeOverride.set(ex.next, ex.firstHandlerSize);
        k = ex.next;
        continue;
      }
      note(
        'replay/exception-layout',
        `the ${fn} row's Depths leave no room for pt_regs (${src.ptRegsSize} B) and a handler frame: read as an ordinary frame`,
        rows[r.row ?? 0],
      );
    }
    if (isSoftirqEntry(fn) && !isSoftirqEntry(baseName(rets[k + 1]?.fn ?? ''))) items.push(softirqAt(k));
    if (src.profile !== null && isSoftirqPlumbing(fn) && hasSoftirqInside(k)) {
      k--; // carried by the softirq item, re-supplied by the target profile
      continue;
    }
    items.push({
      kind: 'call',
      role: isTracerFunction(fn) ? 'tracer' : 'payload',
      frame: {
        fn: r.fn,
        size: sizeOverride.get(k) ?? frameSize(k, topOf()),
        ret: rets[k + 1]?.text ?? r.text,
        recordOffset: 0,
        row: r.row,
        at: r.text,
        sizeKnown: true,
      },
    });
    k--;
  }
  if (
    rets.length > 0 &&
    isSoftirqEntry(baseName(rets[0]!.fn)) &&
    !isSoftirqEntry(baseName(rets[1]?.fn ?? ''))
  )
    items.push(softirqAt(0));

  // Line 0: the traced function and the trampoline geometry of its sample.
  let callerRecordOffset = 0;
  if (rets.length > 0) items.push(...innermost());
  if (callerRecordOffset > 0) placeCallerRecord(callerRecordOffset);

  // In-progress samples: a run of tracer frames holds the ip of the traced function outside it.
  const withSamples: ChainItem[] = [];
  for (let i = 0; i < items.length; i++) {
    const it = sanitize(items[i]!);
    withSamples.push(it);
    const next = items[i + 1];
    if (it.kind !== 'call' || it.role !== 'tracer' || (next?.kind === 'call' && next.role === 'tracer'))
      continue;
    let j = i;
    while (j > 0) {
      const prev = items[j - 1]!;
      if (prev.kind !== 'call' || prev.role !== 'tracer') break;
      j--;
    }
    const first = items[j] as Extract<ChainItem, { kind: 'call' }>;
    withSamples.push({
      kind: 'sample',
      fn: fnOf(first.frame.ret),
      ip: first.frame.ret,
      parent: null,
      inPlace: true,
      geometry: null,
    });
  }

  return {
    source: src,
    items: withSamples,
    maxDepth: rows[0]?.depth ?? 0,
    entries: rows.length,
    reading: describe(withSamples, src, rows),
    diagnostics: diags,
  };

  /**
   * Frames the stack machine can lay out: a whole number of 8-byte words, never negative. Tables
   * from 32-bit arm (4-byte frames) or damaged copies (Depths that grow inward) get rounded, noted.
   */
  function sanitize(it: ChainItem): ChainItem {
    const fix = (f: ChainFrame): ChainFrame => {
      if (f.size >= 0 && f.size % 8 === 0 && f.recordOffset >= 0 && f.recordOffset % 8 === 0) return f;
      const size = Math.max(0, Math.ceil(f.size / 8) * 8);
      const row = f.row === null ? undefined : rows[f.row];
      note(
        f.size < 0 ? 'replay/negative-frame' : 'replay/frame-size',
        f.size < 0
          ? `${f.fn}: the Depths imply a ${f.size} B frame (Depth grows inward); taken as 0 B`
          : `${f.fn}: a ${f.size} B frame is not a whole number of 8-byte words; taken as ${size} B`,
        row,
      );
      return { ...f, size, recordOffset: Math.max(0, Math.ceil(f.recordOffset / 8) * 8) };
    };
    switch (it.kind) {
      case 'call':
        return { ...it, frame: fix(it.frame) };
      case 'start':
        return {
          ...it,
          entryFrames: it.entryFrames.map(fix),
          topBytes: Math.max(0, Math.ceil(it.topBytes / 8) * 8),
        };
      case 'exception':
        return { ...it, interrupted: fix(it.interrupted), entryFrames: it.entryFrames.map(fix) };
      case 'softirq':
        return { ...it, plumbing: it.plumbing.map(fix) };
      case 'sample':
        return it;
    }
  }

  /**
   * The frame holding rets[2] (the traced function's caller) keeps its record `r` bytes above its
   * bottom: the frame grows by r so the slots outside it stay where the table has them.
   */
  function placeCallerRecord(r: number): void {
    for (let i = items.length - 1; i >= 0; i--) {
      const it = items[i]!;
      if (it.kind !== 'call' || it.frame.row !== 1) continue;
      items[i] = { ...it, frame: { ...it.frame, size: it.frame.size + r, recordOffset: r } };
      return;
    }
  }

  function hasSoftirqInside(k: number): boolean {
    for (let j = k - 1; j >= 0; j--) if (isSoftirqEntry(baseName(rets[j]!.fn))) return true;
    return false;
  }

  function softirqAt(k: number): ChainItem {
    // Outward from __do_softirq: plumbing frames (kept for an own-era replay), then the function
    // that tells the path (irq_exit -> irq-exit, local_bh_enable / do_softirq -> bh-enable ...).
    const plumbing: ChainFrame[] = [];
    let path: 'irq-exit' | 'bh-enable' | 'ksoftirqd' | undefined;
    for (let j = k + 1; j < rets.length; j++) {
      const f = baseName(rets[j]!.fn);
      if (isSoftirqPlumbing(f)) {
        plumbing.unshift({
          fn: rets[j]!.fn,
          size: frameSize(j, topOf()),
          ret: rets[j + 1]?.text ?? '',
          recordOffset: 0,
          row: rets[j]!.row,
          sizeKnown: true,
        });
        if (softirqPathOf(f) === 'irq-exit') path = 'irq-exit';
        continue;
      }
      path ??= softirqPathOf(f);
      break;
    }
    if (path === undefined) {
      note(
        'replay/softirq-path',
        `cannot tell how __do_softirq was entered (row ${k}): taken as local_bh_enable`,
        rows[rets[k]!.row ?? 0],
      );
      path = 'bh-enable';
    }
    return { kind: 'softirq', path, plumbing };
  }

  /** The exception whose vector ret is rets[v]: interrupted frame, pt_regs, entry frames. */
  function exceptionAt(v: number): { item: ChainItem; next: number; firstHandlerSize?: number } | null {
    const vec = baseName(rets[v]!.fn);
    const type = vectorKind(vec) === 'el1-sync' ? 'sync' : 'irq';
    const sV = slotOf(v);
    if (src.profile === null || sV === null || src.returnSlot !== 'frame-bottom') return null;
    // Entry C frames just inside the vector (6.1: el1h_64_irq_handler, el1_interrupt ...), outermost first.
    const entryRows: number[] = [];
    // Row 0 is the traced function (innermost() owns it), never one of these.
    for (let h = v - 1; h >= 1 && isEntryC(baseName(rets[h]!.fn)); h--) entryRows.push(h);
    const next = v - 1 - entryRows.length;
    const firstInside = next >= 0 ? baseName(rets[next]!.fn) : '';
    const profileEntry = (type === 'irq' ? src.profile.entry.el1Irq : src.profile.entry.el1Sync).frames;
    const stage: 'handler' | 'irq-exit' | 'preempt' | 'entry' = /^(__)?irq_(exit|enter)(_rcu)?$/.test(
      firstInside,
    )
      ? 'irq-exit'
      : isPreemptOnIrqExit(firstInside)
        ? 'preempt'
        : entryRows.length < profileEntry.length && (next <= 0 || isEntryC(firstInside))
          ? 'entry'
          : 'handler';
    const entryFramesFrom = (ptBase: number): ChainFrame[] | null => {
      const out: ChainFrame[] = [];
      let above = ptBase;
      for (const e of entryRows) {
        const s = slotOf(e + 1);
        if (s === null) return null;
        const base = s + 8;
        out.push({
          fn: rets[e]!.fn,
          size: base - above,
          ret: rets[e + 1]!.text,
          recordOffset: 0,
          row: rets[e]!.row,
          sizeKnown: true,
        });
        above = base;
      }
      return out.every((f) => f.size >= 16) ? out : null;
    };
    // The first handler frame spans from the last entry frame (or pt_regs) to its own record.
    const handlerSize = (ptBase: number, entry: ChainFrame[]): number | undefined =>
      entry.length > 0 ? undefined : sV + 8 - ptBase;
    const callerBase = (c: number) => (c < rets.length ? (slotOf(c) ?? 0) + 8 : topOf());
    if (src.reportsElr) {
      // Rows: v = vector, v+1 = the interrupted function X (its ELR), v+2 = X's caller C.
      const sElr = slotOf(v + 1);
      const sX = slotOf(v + 2);
      if (sElr === null || sX === null) return null;
      const ptBase = sElr + src.S_PC; // the scan meets ELR first in pt_regs->pc
      const xSp = ptBase - src.ptRegsSize;
      const extra = xSp - (sX + 8); // bytes of X below its frame record
      const entry = entryFramesFrom(ptBase);
      const first = handlerSize(ptBase, entry ?? []);
      if (entry === null || extra < 0 || (first !== undefined && first < 16)) return null;
      const size = xSp - callerBase(v + 3);
      if (size < 16 + extra) return null;
      return {
        item: {
          kind: 'exception',
          type,
          vector: rets[v]!.fn,
          interrupted: {
            fn: rets[v + 1]!.fn,
            size,
            ret: rets[v + 2]!.text,
            recordOffset: extra,
            row: rets[v + 1]!.row,
            sizeKnown: true,
          },
          elr: rets[v + 1]!.text,
          lrLive: false,
          entryFrames: entry,
          callSite: rets[next + 1]!.text,
          stage,
        },
        next,
        ...(first === undefined ? {} : { firstHandlerSize: first }),
      };
    }
    // 2015 unwinder: the interrupted function is not printed; row v+1 is its caller C.
    const sC = slotOf(v + 1);
    if (sC === null || src.S_LR === null) return null;
    const rC = callerBase(v + 2);
    const tries: { ptBase: number; xSize: number; lrLive: boolean }[] = [
      // H1: x30 still held the return into C (X saved it in its record and has made no call since),
      // so the scan met it in pt_regs first.
      { ptBase: sC + src.S_LR, xSize: sC + src.S_LR - src.ptRegsSize - rC, lrLive: true },
      // H2: found in X's own frame record.
      { ptBase: sC + 8 + src.ptRegsSize, xSize: sC + 8 - rC, lrLive: false },
    ];
    for (const t of tries) {
      const entry = entryFramesFrom(t.ptBase);
      if (entry === null) continue;
      const first = handlerSize(t.ptBase, entry);
      // arm64 keeps SP 16-byte aligned: every frame is a multiple of 16.
      if ((first !== undefined && (first < 16 || first % 16 !== 0)) || t.xSize < 16 || t.xSize % 16 !== 0)
        continue;
      return {
        item: {
          kind: 'exception',
          type,
          vector: rets[v]!.fn,
          interrupted: {
            fn: '(interrupted)',
            size: t.xSize,
            ret: rets[v + 1]!.text,
            recordOffset: 0,
            row: null,
            sizeKnown: true,
          },
          elr: '(interrupted)',
          lrLive: t.lrLive,
          entryFrames: entry,
          callSite: rets[next + 1]!.text,
          stage,
        },
        next,
        ...(first === undefined ? {} : { firstHandlerSize: first }),
      };
    }
    return null;
  }

  /**
   * Line 0: the traced function, and the trampoline geometry that puts its ip where the table says.
   * Hooked after its prologue (mcount) the function's frame exists; at its patchable entry or fentry
   * it does not, and its size is unknown (a replay that needs one assumes 16 B).
   */
  function innermost(): ChainItem[] {
    const r0 = rets[0]!;
    const hook = src.profile?.tracer.hook ?? 'fentry';
    const t = src.profile?.tracer.trampoline;
    const s0 = r0.slot;
    const s1 = slotOf(1);
    const s2 = slotOf(2);
    const mcount = hook === 'mcount-after-prologue';
    const words = (n: number | null, lo: number, hi: number) =>
      n !== null && n >= lo && n < hi && n % 8 === 0;
    let g: { size: number; ipSlot: number; recordSlot: number; parentSlot: number | null } | null = null;
    callerRecordOffset = 0;
    if (ipHidden && t) {
      // Nothing in the table says where the tracer kept the ip: the profile's trampoline it is.
      g = { ...t };
    } else if (mcount && t && src.returnSlot === 'frame-top') {
      // The record sits at the top of the traced function's frame (clang): row 0's Size is that
      // frame, and the trampoline below it is the profile's.
      g = { ...t };
    } else if (mcount && s0 !== null && s1 !== null && words(s0 - s1, 16, Number.MAX_SAFE_INTEGER)) {
      g = { size: s0 - s1, ipSlot: 8, recordSlot: 0, parentSlot: null };
    } else if (t && hook === 'patchable-entry' && t.parentSlot !== null && s1 !== null && s2 !== null) {
      // The parent is met in the callsite record at the trampoline's top; the next return address
      // is in the caller's own frame record, `r` bytes above the caller's SP (GCC keeps the record
      // at the bottom, r = 0, unless the frame has outgoing-argument space or locals below it; with
      // pointer authentication the next one found can be several frames out).
      const r = s1 - s2 - (t.size - t.parentSlot) - 8;
      // With the record at the frame top (clang) the caller's size already spans to it.
      if (src.returnSlot === 'frame-top') g = { ...t };
      else if (words(r, 0, Number.MAX_SAFE_INTEGER)) {
        g = { ...t };
        if (r > 0) callerRecordOffset = r;
      }
    } else if (t && hook === 'fentry' && s0 !== null && s1 !== null) {
      const ipSlot = t.size - (s0 - s1);
      if (words(ipSlot, 0, t.size)) g = { ...t, ipSlot };
    }
    if (g === null && t)
      note(
        'replay/trampoline-geometry',
        `row 0's Size does not fit ${src.id}'s ${hook} trampoline (${t.size} B): the traced function was hooked differently (an older kernel?), so row 0 will not come back exactly`,
        rows[0],
      );
    const frame: ChainFrame = {
      fn: r0.fn,
      // Hidden (x86 -pg): the traced function had pushed %rbp after the return address, 16 B. [R]
      size: ipHidden ? 16 : mcount ? frameSize(0, topOf()) : 16,
      ret: rets[1]?.text ?? '',
      recordOffset: 0,
      row: ipHidden ? null : 0,
      sizeKnown: ipHidden || (mcount && rets.length > 1),
    };
    return [
      { kind: 'call', role: 'payload', frame },
      { kind: 'sample', fn: r0.fn, ip: r0.text, parent: rets[1]?.text ?? null, inPlace: false, geometry: g },
    ];
  }
}

/** Stands for the traced function a 2.6-3.x table does not print (its ip never enters the table). */
export const TRACED_HIDDEN = '(traced function)';

/** Sentences saying how each part of the table was read. */
function describe(items: readonly ChainItem[], src: SourceEra, rows: readonly StackTraceRow[]): string[] {
  const out: string[] = [];
  if (src.pointerAuth)
    out.push(
      'pointer authentication: saved return addresses were signed and the unwinder strips them (ptrauth_strip_insn_pac), so the scan only found the unsigned copies these rows show (trampoline words, ELRs, stale copies); a row stands for all the frames up to the next one found',
    );
  if (src.profile && src.returnSlot === 'frame-bottom')
    out.push(
      src.shifted
        ? "arm64 5.4+ table: each row's Size is that function's own frame (ARCH_FTRACE_SHIFT_STACK_TRACER)"
        : "arm64 table before 5.4: each row's Size is the frame of the function on the row above it (its callee), because the saved LR sits at the bottom of the callee's frame",
    );
  for (const it of items) {
    if (it.kind === 'start' && it.path !== 'unknown')
      out.push(
        `entry ${it.vector}: ${it.topBytes} B above the first frame (${src.startGap ? `${src.startGap} B gap + ` : ''}${it.regsBytes < src.ptRegsSize ? `${it.regsBytes} B of the ${src.ptRegsSize} B pt_regs` : `${src.ptRegsSize} B pt_regs`}${it.entryFrames.length ? ` + ${it.entryFrames.length} entry C frames` : ''})`,
      );
    if (it.kind === 'exception') {
      const regs = `${src.ptRegsSize} B pt_regs`;
      if (it.elr === '(interrupted)')
        out.push(
          `${it.vector}: ${regs} on the interrupted stack; the ${src.id} unwinder does not print the interrupted function (${it.interrupted.size} B). ` +
            (it.lrLive
              ? `Its x30 still held the return into ${fnOf(it.interrupted.ret)}, so the scan met that address in pt_regs->regs[30] first: ${it.vector}'s row absorbs part of pt_regs and the handler's first frame.`
              : `The scan met the return into ${fnOf(it.interrupted.ret)} in the interrupted function's own frame record.`),
        );
      else
        out.push(
          `${it.vector}: ${regs}; the interrupted function ${it.interrupted.fn} is printed from ELR (found at pt_regs->pc)${it.interrupted.recordOffset ? `, with ${it.interrupted.recordOffset} B below its frame record` : ''}; ${it.stage === 'irq-exit' ? 'the handler had returned: the rows inside are irq_exit code' : it.stage === 'preempt' ? 'the handler had returned: the rows inside are the preemption on IRQ exit, on the interrupted stack' : it.stage === 'entry' ? 'the trace stops inside the entry code, before the handler' : 'the rows inside are the handler'}`,
        );
    }
    if (it.kind === 'softirq')
      out.push(
        `__do_softirq entered from ${it.path === 'bh-enable' ? 'local_bh_enable (process context, not irq_exit)' : it.path === 'irq-exit' ? 'irq_exit at the end of a hard IRQ' : 'ksoftirqd'}`,
      );
    if (it.kind === 'sample' && it.inPlace)
      out.push(
        `the function tracer's own frames are on the stack: ${it.fn}'s entry was being traced when the next part began`,
      );
    if (it.kind === 'sample' && !it.inPlace && it.fn === TRACED_HIDDEN)
      out.push(
        "the traced function is not printed: this era's check_stack() took its backtrace with skip = 3, so row 0 is the return into the traced function's caller",
      );
    else if (it.kind === 'sample' && !it.inPlace && it.geometry)
      out.push(
        `row 0 (${it.fn}): the traced function; the tracer trampoline holding its ip spans ${it.geometry.size} B${rows[0] ? ` (row 0's Size ${rows[0].size})` : ''}`,
      );
  }
  return out;
}

/** The return address into the exception vector held by the outermost entry C frame (shifted out of 6.1 tables). */
function outerReturnFor(outermostFn: string, src: SourceEra): string {
  const p = src.profile;
  // Kernel threads start in ret_from_fork (6.x arm64 offset as printed in ovf-arm64-001).
  if (baseName(outermostFn) === 'kthread') return 'ret_from_fork+0x10/0x20';
  if (p) {
    for (const path of [p.entry.syscall, p.entry.el0Irq, p.entry.el1Irq, p.entry.el1Sync]) {
      const f = path.frames[0];
      if (f && baseName(f.name) === baseName(outermostFn)) return f.ret ?? path.asm[0] ?? 'entry';
    }
    return p.entry.syscall.asm[0] ?? 'entry';
  }
  return 'entry';
}

export type { EntryFrame };
