// Which kernel printed a stack_trace table: the eras a table's symbols allow, best first, each with
// the evidence for it. replay-table.ts then replays the table under each candidate until one gives
// it back byte for byte, so a guess here is always checked.
import type { StackTraceTable } from '../formats/ftrace-stack-trace.ts';
import { vectorKind } from '../model/entry-symbols.ts';
import type { KernelProfile } from '../model/profile.ts';
import {
  BUILTIN_PROFILES,
  LINUX_4_2,
  LINUX_4_5,
  LINUX_4_19,
  LINUX_5_10,
  LINUX_6_1,
  LINUX_6_1_RT,
  LINUX_6_12,
  X86_64_3_X,
  X86_64_6_1,
} from '../model/profiles.ts';

/** The era a table came from: how to read its Depths back into frames. */
export interface SourceEra {
  /** A built-in profile id, or "arm" / "ppc64" / "unknown" for tables stacklab has no profile for. */
  readonly id: string;
  readonly profile: KernelProfile | null;
  readonly returnSlot: 'frame-bottom' | 'frame-top';
  readonly shifted: boolean;
  readonly ptRegsSize: number;
  readonly startGap: number;
  readonly S_LR: number | null;
  readonly S_PC: number;
  /** The unwinder reports the interrupted PC (a row for the interrupted function follows the vector row). */
  readonly reportsElr: boolean;
  /**
   * The kernel ran with pointer authentication (ARM64_PTR_AUTH_KERNEL on a PAC CPU): saved return
   * addresses were signed, so the table holds only the ones the scan found unsigned.
   */
  readonly pointerAuth?: boolean;
  readonly why: string;
}

export const fnOf = (text: string): string => {
  const plus = text.indexOf('+0x');
  return plus > 0 ? text.slice(0, plus) : (text.split(/\s/)[0] ?? text);
};

/** Strips GCC clone suffixes for name matching ("el0_svc_common.constprop.0" -> "el0_svc_common"). */
export const baseName = (fn: string): string => fn.replace(/(\.(constprop|isra|part|cold|clone)\.\d+)+$/, '');

export function eraFromProfile(p: KernelProfile, why: string, pointerAuth = false): SourceEra {
  return {
    id: p.id,
    profile: p,
    returnSlot: p.returnSlot,
    shifted: p.tracer.shift,
    ptRegsSize: p.PT_REGS_SIZE,
    startGap: p.THREAD_START_SP_GAP,
    S_LR: p.S_LR,
    S_PC: p.S_PC,
    reportsElr: p.unwinder.reportsInterruptedPc,
    ...(pointerAuth || p.ARM64_PTR_AUTH_KERNEL ? { pointerAuth: true } : {}),
    why,
  };
}

/** The era named by a profile id (--source), or null when there is no such built-in profile. */
export function sourceEraFor(id: string): SourceEra | null {
  const p = BUILTIN_PROFILES.find((x) => x.id === id);
  return p ? eraFromProfile(p, `given (--source ${id})`) : null;
}

/**
 * A table from something stacklab has no profile for (32-bit arm, ppc64, a chain made by hand): read
 * with return addresses at `returnSlot` (the frame top unless told), no shift, no geometry.
 */
export function unmodelledEra(
  id: string,
  why: string,
  returnSlot: SourceEra['returnSlot'] = 'frame-top',
): SourceEra {
  return {
    id,
    profile: null,
    returnSlot,
    shifted: false,
    ptRegsSize: 0,
    startGap: 0,
    S_LR: null,
    S_PC: 0,
    reportsElr: true,
    why,
  };
}

const ARM64_ENTRY = [
  'el0t_64_sync_handler',
  'el0t_64_sync',
  'el1h_64_irq',
  'el1h_64_sync',
  'invoke_syscall',
  'el0_svc_common',
  'el0_svc_handler',
  'el0_sync_handler',
  'el1_sync_handler',
  'el0_svc_naked',
  'el1_irq',
  'el0_irq_naked',
  'el1_da',
  'el0_sync',
  'el0_svc',
  'do_el0_svc',
];
const X86_ENTRY = [
  'entry_SYSCALL_64_after_hwframe',
  'entry_SYSCALL_64',
  'system_call_fastpath',
  'system_call',
  'do_syscall_64',
  'asm_sysvec_apic_timer_interrupt',
  'page_fault',
];
/** Where a task's stack begins (the outermost row of a complete shifted arm64 table). */
const STACK_STARTS = new Set([
  'el0t_64_sync_handler',
  'el0t_32_sync_handler',
  'el0t_64_irq_handler',
  'el0t_32_irq_handler',
  'el0_sync_handler',
  'el0_sync_compat_handler',
  'kthread',
  'ret_from_fork',
  'secondary_start_kernel',
  'start_kernel',
  'cpu_startup_entry',
]);
/** PREEMPT_RT's sleeping locks and its softirq path (kernel/locking/rtmutex.c, spinlock_rt.c). */
const RT_SYMBOL = /^(rt_(spin|read|write)_(un)?lock|rt_mutex_\w+|rtlock_\w+|__rt_mutex_\w+|rwbase_\w+)$/;

/** A candidate with its evidence score (higher is more likely) and the sentence saying why. */
interface Scored {
  readonly era: SourceEra;
  readonly score: number;
}

/**
 * The eras that could have printed `table`, most likely first: arm64 6.x entry names (el0t_64_*,
 * el1h_64_*, invoke_syscall) mean the shifted 5.4+ tracer; el0_svc_naked / el1_irq mean before 5.4;
 * x86_64, 32-bit arm and ppc64 entry names mean those architectures. Within an architecture the
 * entry frame sizes a profile measured and era-only symbols (PREEMPT_RT's rt_spin_lock, 6.10's
 * *_noprof) rank the candidates; every candidate is a reading the replay may still refute.
 */
export function candidateSourceEras(table: StackTraceTable): SourceEra[] {
  const names = table.rows.map((r) => baseName(fnOf(r.location.text)));
  const fns = new Set(names);
  const has = (...list: string[]) => list.find((n) => fns.has(n));
  const row0 = table.rows[0]?.location;
  const patchableIp = row0?.offset === 8;
  const last = names[names.length - 1] ?? '';
  const arm64 = has(...ARM64_ENTRY);
  if (arm64 || (last === 'kthread' && patchableIp)) return arm64Candidates(table, names, last, arm64);
  const x86 = has(...X86_ENTRY);
  if (x86) {
    const old = has('system_call_fastpath', 'system_call');
    const why = `x86_64 entry symbol ${x86}`;
    return old
      ? [eraFromProfile(X86_64_3_X, `${why} (the 2.6-3.x system_call path)`), eraFromProfile(X86_64_6_1, why)]
      : [eraFromProfile(X86_64_6_1, why), eraFromProfile(X86_64_3_X, why)];
  }
  const arm = has('ret_fast_syscall', '__gnu_mcount_nc', 'vector_swi', '__irq_svc');
  if (arm) return [unmodelledEra('arm', `32-bit arm symbol ${arm}`)];
  const ppc = has('system_call_common', 'system_call_exception');
  if (ppc) return [unmodelledEra('ppc64', `ppc64 symbol ${ppc}`)];
  // Fixed-width ISAs return to 4-byte aligned offsets; x86's variable-length calls rarely do.
  const offs = table.rows.map((r) => r.location.offset).filter((o): o is number => o !== null);
  const unaligned = offs.filter((o) => o % 4 !== 0).length;
  if (offs.length >= 4 && unaligned / offs.length > 0.25)
    return [
      eraFromProfile(
        X86_64_6_1,
        `no era symbol, but ${unaligned} of ${offs.length} return offsets are not 4-byte aligned: x86_64`,
      ),
    ];
  return [
    { ...eraFromProfile(LINUX_4_2, 'no era-specific symbol: read as arm64 before 5.4'), id: 'unknown' },
  ];
}

function arm64Candidates(
  table: StackTraceTable,
  names: readonly string[],
  last: string,
  entrySymbol: string | undefined,
): SourceEra[] {
  // ARCH_FTRACE_SHIFT_STACK_TRACER (5.4+) drops the outermost entry, which is always where the task
  // began (an exception vector, or ret_from_fork): a table whose last row is one was not shifted;
  // one that ends in C code (el0t_64_sync_handler, kthread ...) was.
  const lastIsVector = vectorKind(last) !== undefined;
  const fns = new Set(names);
  if (
    lastIsVector &&
    !['el0t_64_sync', 'el1h_64_irq', 'el1h_64_sync', 'el0t_64_irq'].some((n) => fns.has(n))
  ) {
    const why = `arm64 entry symbol ${entrySymbol ?? last}; the last row (${last}) is the vector: before 5.4`;
    const android = fns.has('el0_svc_handler') || fns.has('el0_svc_common');
    const scored: Scored[] = [
      { era: eraFromProfile(LINUX_4_2, why), score: fns.has('el0_svc_naked') ? 2 : 0 },
      {
        era: eraFromProfile(
          LINUX_4_5,
          `${why}; the interrupted PC is printed after the vector row (4.5-5.3)`,
        ),
        score: 1,
      },
      {
        era: eraFromProfile(LINUX_4_19, `${why}; 4.19 syscall entry (el0_svc_handler)`),
        score: android ? 3 : -1,
      },
    ];
    return ranked(scored);
  }
  const why = lastIsVector
    ? `arm64 5.11+ vector names but the last row (${last}) is a vector`
    : `arm64; the last row (${last}) is C code: a 5.4+ shifted table`;
  const rt = names.find((n) => RT_SYMBOL.test(n)) ?? (rtSoftirqPath(names) ? 'handle_softirqs' : undefined);
  const noprof = names.find((n) => n.endsWith('_noprof'));
  const fiveTen = names.find((n) => n === 'el0_sync_handler' || n === 'el1_irq' || n === 'el1_sync_handler');
  // A complete table ends where the task's stack began; with pointer authentication only the
  // return addresses found unsigned are left, and the entry code's are signed.
  const lastRow = table.rows[table.rows.length - 1];
  const cut = !STACK_STARTS.has(last) && !lastIsVector;
  // The kernel prints the outermost row with Size = Depth; a copy cut short does not. A complete
  // table that still does not reach the stack's start lost rows inside: signed return addresses.
  const pacLikely = cut && lastRow !== undefined && lastRow.size === lastRow.depth;
  const scored: Scored[] = [];
  const add = (p: KernelProfile, score: number, reason: string) => {
    scored.push({ era: eraFromProfile(p, reason ? `${why}; ${reason}` : why), score });
    if (cut && p.arch === 'arm64')
      scored.push({
        era: eraFromProfile(
          p,
          `${why}; its last row (${last}) is not where a task's stack begins: read with pointer authentication (only unsigned return addresses found)`,
          true,
        ),
        score: pacLikely ? score + 0.5 : score - 0.5,
      });
  };
  const entryMatch = (p: KernelProfile) => entryFrameMatches(table, p);
  add(LINUX_6_1, entryMatch(LINUX_6_1), '');
  add(
    LINUX_6_12,
    entryMatch(LINUX_6_12) + (noprof ? 3 : 0),
    noprof ? `${noprof}: 6.10+ allocation profiling names` : '',
  );
  add(LINUX_6_1_RT, entryMatch(LINUX_6_1_RT) + (rt ? 4 : -1), rt ? `${rt}: PREEMPT_RT` : '');
  add(LINUX_5_10, fiveTen ? 4 : -2, fiveTen ? `${fiveTen}: 5.10 entry code` : '');
  return ranked(scored);
}

/** RT's local_bh_enable runs softirqs on the spot: __local_bh_enable_ip directly under handle_softirqs/__do_softirq. */
function rtSoftirqPath(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++)
    if (names[i] === '__local_bh_enable_ip' && /^(handle_softirqs|__do_softirq)$/.test(names[i - 1]!))
      return true;
  return false;
}

/**
 * How many of the table's entry C rows have the frame size `p` measured for them (shifted tables
 * print each function's own frame as its Size). A strong, sourced signal: 6.1's do_el0_svc is 288 B,
 * 6.12's 16 B.
 */
function entryFrameMatches(table: StackTraceTable, p: KernelProfile): number {
  const sizes = new Map(p.entry.syscall.frames.map((f) => [baseName(f.name), f.size]));
  // The return addresses a profile took from its kernel's tables print the function lengths of that
  // build ("el0_svc+0x34/0x120" on 6.1-rt, "+0x34/0xdc" on 6.1): the same text is the same build.
  const paths = [p.entry.syscall, p.entry.el1Irq, p.entry.el0Irq, p.entry.el1Sync];
  const rets = new Set(paths.flatMap((e) => [e.callSite, ...e.frames.map((f) => f.ret ?? '')]));
  let n = 0;
  table.rows.forEach((r, i) => {
    if (rets.has(r.location.text)) n += 2;
    if (i === table.rows.length - 1) return;
    const s = sizes.get(baseName(fnOf(r.location.text)));
    if (s !== undefined) n += s === r.size ? 1 : -1;
  });
  return n;
}

function ranked(scored: readonly Scored[]): SourceEra[] {
  return [...scored]
    .map((s, i) => ({ ...s, i }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map((s) => s.era);
}

/** The most likely era (the first candidate). */
export function detectSourceEra(table: StackTraceTable, hint?: string): SourceEra {
  if (hint) {
    const given = sourceEraFor(hint);
    if (given) return given;
  }
  return candidateSourceEras(table)[0]!;
}
