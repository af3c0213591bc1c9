// Reads kernel stack-overflow reports:
// - arm64 VMAP_STACK, panic_bad_stack() in arch/arm64/kernel/traps.c:
//     Insufficient stack space to handle exception!
//     ESR: 0x0000000096000047 -- DABT (current EL)
//     FAR: 0xffff800084927fe0
//     Task stack:     [0xffff800084928000..0xffff80008492c000]
//     IRQ stack:      [0xffff800080030000..0xffff800080034000]
// - riscv handle_bad_stack() (no "IRQ stack:" line, "badaddr:" instead of FAR),
// - arm (32-bit, 5.18+) handle_bad_stack() in arch/arm/kernel/traps.c: the same head with 8-digit
//   ranges, then die("kernel stack overflow") with "PC is at" / "sp : %08lx" registers, and
// - x86_64 handle_stack_overflow() in arch/x86/kernel/traps.c:
//     BUG: stack guard page was hit at 000000005b13312d (stack is 00000000a1a685f7..00000000fe4e891f)
//     kernel stack overflow (double-fault): 0000 [#1] PREEMPT SMP KASAN
// - any kernel whose CONFIG_SCHED_STACK_END_CHECK or fault handler found the task stack's end
//   magic overwritten (no guard page involved, so no ranges; the arch comes from the registers):
//     Kernel panic - not syncing: corrupted stack end detected inside scheduler
//     Thread overran stack, or stack corrupted
// plus the call trace that follows ("Call trace:" / "Call Trace:"). Tolerates dmesg timestamps,
// Android log prefixes, quote indentation, runs of spaces collapsed to one, mail line wraps, and
// author elision lines ("[the above line repeated ...]"), which are counted.
import { type Diagnostic, diag } from '../base/diag.ts';
import { readNumber } from '../base/number.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';
import { stripLogPrefix } from './log-prefix.ts';

export interface StackRange {
  readonly low: bigint;
  readonly high: bigint;
}

export interface OverflowReport {
  /** 'unknown' only for stack-end reports whose registers were not copied. */
  readonly arch: 'arm64' | 'riscv64' | 'x86_64' | 'arm' | 'ppc64' | 'unknown';
  /**
   * 'guard-page': VMAP_STACK caught the overflow at the guard page (arm64/riscv panic_bad_stack,
   * x86 handle_stack_overflow). 'stack-end': the STACK_END_MAGIC word at the stack's lowest
   * address was found overwritten (schedule_debug(), or the page-fault oops path).
   */
  readonly kind: 'guard-page' | 'stack-end';
  /** The line that said the stack end was corrupted, when there was one. */
  readonly stackEnd: { readonly text: string; readonly line: number } | null;
  readonly esr: { readonly value: bigint; readonly text: string } | null;
  /** Faulting address (FAR / badaddr / the guard-page address). */
  readonly far: bigint | null;
  /** SP at the exception (sp : / RSP:). */
  readonly sp: bigint | null;
  readonly taskStack: StackRange | null;
  readonly irqStack: StackRange | null;
  readonly overflowStack: StackRange | null;
  /** x86 prints hashed %p values for the stack bounds: not real addresses. */
  readonly hashedBounds: boolean;
  readonly pc: string | null;
  readonly lr: string | null;
  readonly panic: string | null;
  readonly comm: string | null;
  readonly kernel: string | null;
  /** Call trace function names, innermost first, as printed (without offsets). */
  readonly callTrace: readonly { readonly fn: string; readonly text: string; readonly line: number }[];
  /** Lines an author or a logger put in place of elided output. */
  readonly elisions: readonly { readonly text: string; readonly line: number }[];
}

function strip(t: string): string {
  return stripLogPrefix(t.trimStart()).trim();
}

const ARM64_HEAD = /Insufficient stack space to handle exception!/;
const X86_HEAD = /BUG: stack guard page was hit at ([0-9a-fx]+) \(stack is ([0-9a-fx]+)\.\.([0-9a-fx]+)\)/;
/** arm (32-bit) backtrace lines: "[<pc>] (fn) from [<lr>] (...)" before 5.16, "fn from caller+0x/0x" since. */
const ARM_FRAME =
  /^\[<[0-9a-f]+>\] \(.*\) from \[<|^[\w.$]+(?: \[[^\]]+\])? from [\w.$]+\+0x[0-9a-f]+\/0x[0-9a-f]+/;
/** kernel/sched/core.c schedule_debug(); arch/x86 and powerpc page-fault oops paths. */
const STACK_END = /corrupted stack end detected inside scheduler|Thread overran stack, or stack corrupted/;

export function sniffOverflowReport(text: string): boolean {
  const head = text.slice(0, 262144);
  return (
    ARM64_HEAD.test(head) ||
    X86_HEAD.test(head) ||
    /kernel stack overflow/i.test(head) ||
    STACK_END.test(head)
  );
}

const RELEASE = /\d+\.\d+\S*/y;

/**
 * "CPU: 0 PID: 1 Comm: x Not tainted 6.1.0-13-arm64 #1": the first "N.N..." after "Tainted"/"Not
 * tainted". One pass: a marker whose first digits are not a release is skipped with those digits.
 */
function releaseAfterTaint(t: string): string | null {
  for (let from = 0; ; ) {
    const at = t.indexOf('ainted', from);
    if (at < 0) return null;
    const marker = t.startsWith('Not t', at - 5) || t.startsWith('T', at - 1);
    let d = at + 6;
    while (d < t.length && !(t.charCodeAt(d) >= 0x30 && t.charCodeAt(d) <= 0x39)) d++;
    if (d >= t.length) return null;
    RELEASE.lastIndex = d;
    const m = marker ? RELEASE.exec(t) : null;
    if (m) return m[0];
    while (d < t.length && t.charCodeAt(d) >= 0x30 && t.charCodeAt(d) <= 0x39) d++;
    from = d;
  }
}

export function parseOverflowReport(
  text: string,
  file = '<input>',
  firstLine = 1,
): ParseOutput<OverflowReport> {
  const diagnostics: Diagnostic[] = [];
  const lines = splitLines(text, firstLine).map((l) => ({ no: l.no, text: strip(l.text) }));
  /** An address as printed (with or without 0x); a malformed or over-long one is a diagnostic and null. */
  let lineNo = 0;
  const big = (s: string): bigint | null => {
    const r = readNumber(
      s,
      { code: 'overflow/bad-address', what: 'address', syntax: 'addr' },
      { file, line: lineNo },
    );
    if (r.ok) return r.value;
    diagnostics.push(r.error);
    return null;
  };
  let arch: OverflowReport['arch'] | null = null;
  let esr: OverflowReport['esr'] = null;
  let far: bigint | null = null;
  let sp: bigint | null = null;
  let taskStack: StackRange | null = null;
  let irqStack: StackRange | null = null;
  let overflowStack: StackRange | null = null;
  let hashedBounds = false;
  let pc: string | null = null;
  let lr: string | null = null;
  let panic: string | null = null;
  let comm: string | null = null;
  let kernel: string | null = null;
  const callTrace: { fn: string; text: string; line: number }[] = [];
  const elisions: { text: string; line: number }[] = [];
  let inTrace = false;
  const range = (s: string): StackRange | null => {
    const m = /\[0x([0-9a-f]+)\.\.0x([0-9a-f]+)\]/i.exec(s);
    const low = m && big(m[1]!);
    const high = m && big(m[2]!);
    return low !== null && high !== null ? { low, high } : null;
  };
  let cr2: bigint | null = null;
  let stackEnd: OverflowReport['stackEnd'] = null;
  /** Register dump styles seen, to name the arch of a stack-end report. */
  const seen = { x86: false, arm64: false, arm: false, ppc64: false };
  for (const { no, text: t } of lines) {
    // "# " lines are provenance headers of saved copies, never kernel output.
    if (t === '' || t.startsWith('# ')) continue;
    lineNo = no;
    let m: RegExpExecArray | null;
    if ((m = /^CR2: ([0-9a-f]{16})/.exec(t)) && cr2 === null) cr2 = big(m[1]!);
    if (ARM64_HEAD.test(t)) arch ??= 'arm64';
    if ((m = STACK_END.exec(t)) && stackEnd === null) stackEnd = { text: m[0], line: no };
    if (/^kernel stack overflow \(double-fault\)/.test(t)) arch ??= 'x86_64';
    if (/^(?:RIP|RSP): |^<\/?(?:TASK|IRQ|SOFTIRQ|#DF)>$/.test(t)) seen.x86 = true;
    if (/^pc : |^pstate: /.test(t)) seen.arm64 = true;
    if (ARM_FRAME.test(t) || /^PC is at /.test(t)) seen.arm = true;
    if (/^NIP[: ]|^MSR: /.test(t)) seen.ppc64 = true;
    if ((m = X86_HEAD.exec(t))) {
      arch = 'x86_64';
      far = big(m[1]!);
      // Since 4.15 %p is hashed: these are not the real bounds.
      hashedBounds = true;
    }
    if ((m = /^ESR: 0x([0-9a-f]+) -- (.*)$/i.exec(t))) {
      const value = big(m[1]!);
      esr = value === null ? null : { value, text: m[2]!.trim() };
    }
    if ((m = /^FAR: 0x([0-9a-f]+)/i.exec(t))) far = big(m[1]!);
    if (/^Task stack:/.test(t)) taskStack = range(t);
    if (/^IRQ stack:/.test(t)) irqStack = range(t);
    if (/^Overflow stack:/.test(t)) overflowStack = range(t);
    if ((m = /^pc : (\S+)/.exec(t)) && !t.startsWith('pc : [<')) pc = m[1]!;
    if ((m = /^lr : (\S+)/.exec(t))) lr = m[1]!;
    // arm (32-bit) __show_regs(): "PC is at %pS", "LR is at %pS", "sp : %08lx  ip : ..."
    if ((m = /^PC is at (\S+)/.exec(t))) pc = m[1]!;
    if ((m = /^LR is at (\S+)/.exec(t))) lr = m[1]!;
    if ((m = /^sp : ([0-9a-f]{8})\s+ip : /.exec(t))) sp = big(m[1]!);
    if ((m = /^sp : ([0-9a-f]{8,16})$/.exec(t))) sp = big(m[1]!);
    if ((m = /^epc : (\S+)/.exec(t)) && !/^epc : [0-9a-f]{16}/.test(t)) {
      pc = m[1]!;
      arch ??= 'riscv64';
    }
    if ((m = /^ra : (\S+)/.exec(t)) && !/^ra : [0-9a-f]{16}/.test(t)) lr = m[1]!;
    if ((m = /\bsp : ([0-9a-f]{16})\b/.exec(t)) && sp === null) sp = big(m[1]!);
    if ((m = /badaddr: ([0-9a-f]{16})/.exec(t))) {
      far = big(m[1]!);
      arch = 'riscv64';
    }
    if ((m = /^RSP: [0-9a-f]{4}:([0-9a-f]{16})/.exec(t)) && sp === null) sp = big(m[1]!);
    if ((m = /^(Kernel panic - not syncing: .*?)(?: \]---)?$/.exec(t)) && panic === null) panic = m[1]!;
    if ((m = /^CPU: \d+ (?:UID: \d+ )?PID: \d+ Comm: (\S+)/.exec(t)) && comm === null) comm = m[1]!;
    if (kernel === null && t.includes('ainted')) kernel = releaseAfterTaint(t);
    if (/^Call [Tt]race:/.test(t)) {
      inTrace = callTrace.length === 0;
      continue;
    }
    // arm (32-bit) prints its backtrace without a "Call trace:" line.
    if (!inTrace && callTrace.length === 0 && ARM_FRAME.test(t)) inTrace = true;
    if (inTrace) {
      if (/^\[the .*\]$|^\.\.\.+$|repeated|Lost \d+ message/.test(t)) {
        elisions.push({ text: t, line: no });
        continue;
      }
      // x86 stack markers ("<TASK>", "<IRQ>", "<#DF>", "</#DF>": show_trace_log_lvl()) carry no frame; older kernels print them
      // before the first frame of the context on the same line.
      if (/^<\/?#?[A-Z_]+>$/.test(t)) continue;
      const f =
        /^(?:<\/?#?[A-Z_]+>\s+)?(?:\[<[0-9a-f]+>\] )?(?:\? )?([A-Za-z_.$][\w.$]*)\+0x[0-9a-f]+\/0x[0-9a-f]+/.exec(
          t,
        ) ??
        // arm (32-bit) unwind_backtrace: "[<801072f8>] (show_stack+0x10/0x14) from [<8016d06c>] (...)"
        /^\[<[0-9a-f]+>\] \(([A-Za-z_.$][\w.$]*)(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)?\)/.exec(t) ??
        // arm 5.16+ dump_backtrace_entry(): "unwind_backtrace from show_stack+0x10/0x14"
        /^([A-Za-z_.$][\w.$]*)(?: \[[^\]]+\])? from [A-Za-z_.$][\w.$]*\+0x[0-9a-f]+\/0x[0-9a-f]+/.exec(t);
      if (f) callTrace.push({ fn: f[1]!, text: t, line: no });
      else if (
        /^(RIP|RSP|RAX|RDX|RBP|R1[0-5]|R[0-9]|Code|FS|CS|CR2|DR[0-7]|---|SMP:|Kernel Offset|PHYS_OFFSET|CPU features|Memory Limit)/.test(
          t,
        )
      ) {
        if (/^---|^SMP:|^Kernel Offset/.test(t)) inTrace = false;
      } else if (/^[a-z_]\w* [^ ]+:\d+ \[inline\]$/.test(t)) {
        // syzbot's symbolized inline pseudo-frames carry no stack of their own
      } else inTrace = false;
    }
  }
  // arm (32-bit) prints the arm64 head; its stacks sit below 4 GB and its registers read differently.
  if (
    arch === 'arm64' &&
    ((taskStack !== null && taskStack.high <= 0xffffffffn) || (seen.arm && !seen.arm64))
  )
    arch = 'arm';
  let kind: OverflowReport['kind'] = 'guard-page';
  if (arch === null && stackEnd !== null) {
    kind = 'stack-end';
    arch = seen.x86 ? 'x86_64' : seen.arm64 ? 'arm64' : seen.ppc64 ? 'ppc64' : seen.arm ? 'arm' : 'unknown';
  }
  if (arch === null) {
    diagnostics.push(
      diag(
        'overflow/no-report',
        'error',
        'no stack overflow report found',
        { file, line: firstLine },
        '"Insufficient stack space to handle exception!" (arm64, riscv), "BUG: stack guard page was hit" (x86_64) or "corrupted stack end detected inside scheduler"',
      ),
    );
    return { value: undefined, diagnostics };
  }
  // x86 hashes the "hit at" address; CR2 holds the real faulting address.
  if (arch === 'x86_64' && cr2 !== null) far = cr2;
  if (kind === 'guard-page' && arch !== 'x86_64' && taskStack === null)
    diagnostics.push(
      diag('overflow/no-task-range', 'data-loss', 'the "Task stack:" line is missing', { file }),
    );
  for (const e of elisions)
    diagnostics.push(
      diag('overflow/elided', 'notice', `elided in the copy: "${e.text}"`, { file, line: e.line }),
    );
  return {
    value: {
      arch,
      kind,
      stackEnd,
      esr,
      far,
      sp,
      taskStack,
      irqStack,
      overflowStack,
      hashedBounds,
      pc,
      lr,
      panic,
      comm,
      kernel,
      callTrace,
      elisions,
    },
    diagnostics,
  };
}

/** Head patterns for the log item scanner (src/analyze/items). */
export { ARM64_HEAD as OVERFLOW_ARM64_HEAD, STACK_END as OVERFLOW_STACK_END, X86_HEAD as OVERFLOW_X86_HEAD };
