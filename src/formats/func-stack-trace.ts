// Reads the function tracer's stack traces (options/func_stack_trace): the raw trace, where each
// traced call is followed by "<stack trace>" and one " => fn" line per frame across every stack
// the unwinder crossed, and the counted form capture-arm64.sh writes ("N x" then the frames).
// kernel/trace/trace_output.c trace_stack_print() prints " => %pS" per entry (innermost first).
//
//   init-1       [001] d.h..    16.232585: <stack trace>
//    => hrtimer_interrupt
//    => arch_timer_handler_virt
//   ...
//   657 x
//      __icmp_send
//      __udp4_lib_rcv
import { type Diagnostic, diag } from '../base/diag.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';
import { stripLogPrefix } from './log-prefix.ts';

export interface TracedStack {
  /** How many times this stack was recorded. */
  readonly count: number;
  /** Function names, innermost (the traced function) first; offsets and modules stripped. */
  readonly frames: readonly string[];
  readonly line: number;
}

export interface FuncStackTrace {
  readonly stacks: readonly TracedStack[];
  readonly form: 'raw' | 'counted';
}

/** Longest line looked at (a function name is at most KSYM_NAME_LEN 512 plus a module). */
const MAX_LINE = 1024;

export function sniffFuncStackTrace(text: string): boolean {
  const head = text.slice(0, 16384);
  return /^\s*=> [A-Za-z_.$][\w.$]*/m.test(head) || /^\d{1,9} x\n\s+[A-Za-z_][\w.$]*\n/m.test(head);
}

/** "fn+0x1c/0x60 [mod]" -> "fn" */
function nameOf(text: string): string {
  const t = text.trim();
  const end = t.search(/[+\s]/);
  return end < 0 ? t : t.slice(0, end);
}

export function parseFuncStackTrace(text: string, file = '<input>'): ParseOutput<FuncStackTrace> {
  const diagnostics: Diagnostic[] = [];
  const stacks: TracedStack[] = [];
  let cur: { count: number; frames: string[]; line: number } | null = null;
  let form: FuncStackTrace['form'] = 'raw';
  const flush = () => {
    if (cur !== null && cur.frames.length > 0) stacks.push(cur);
    cur = null;
  };
  for (const l of splitLines(text)) {
    if (l.text.length > MAX_LINE) {
      diagnostics.push(
        diag('func-stack-trace/long-line', 'data-loss', `line of ${l.text.length} characters skipped`, {
          file,
          line: l.no,
        }),
      );
      continue;
    }
    const body = stripLogPrefix(l.text).trimEnd();
    const counted = /^(\d{1,9}) x$/.exec(body);
    if (counted) {
      flush();
      form = 'counted';
      cur = { count: Number(counted[1]), frames: [], line: l.no };
      continue;
    }
    if (body.startsWith('=> ')) {
      if (cur === null) cur = { count: 1, frames: [], line: l.no };
      cur.frames.push(nameOf(body.slice(3)));
      continue;
    }
    if (
      form === 'counted' &&
      cur !== null &&
      /^[A-Za-z_.$][\w.$]*(\+0x[0-9a-f]+\/0x[0-9a-f]+)?( \[\S+\])?$/.test(body)
    ) {
      cur.frames.push(nameOf(body));
      continue;
    }
    // Anything else ends a stack (the next trace line, a blank line, a header).
    flush();
  }
  flush();
  if (stacks.length === 0) {
    diagnostics.push(
      diag(
        'func-stack-trace/empty',
        'error',
        'no stack traces found',
        { file, line: 1 },
        '" => function" lines after "<stack trace>", or "N x" blocks',
      ),
    );
    return { value: undefined, diagnostics };
  }
  return { value: { stacks, form }, diagnostics };
}
