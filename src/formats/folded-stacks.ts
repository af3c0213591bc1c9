// FlameGraph's folded stacks ("collapsed" format, brendangregg/FlameGraph stackcollapse-*.pl):
//
//   task_stack;pt_regs(el0_svc_naked);SyS_sendmmsg;__sys_sendmmsg 320
//
// One line per leaf path: frames outermost first, separated by ";", then a space and a count (here:
// bytes). FlameGraph has no escape for ";" in a name, so one is written as ":" (and counted).
import { type Diagnostic, diag } from '../base/diag.ts';
import { takeNumber } from '../base/number.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';

export interface FoldedLine {
  readonly frames: readonly string[];
  readonly count: number;
}

export function printFolded(lines: readonly FoldedLine[]): string {
  return lines
    .map((l) => `${l.frames.map((f) => f.replaceAll(';', ':').replaceAll('\n', ' ')).join(';')} ${l.count}\n`)
    .join('');
}

export function sniffFolded(text: string): boolean {
  const nl = text.indexOf('\n');
  const first = nl < 0 ? text : text.slice(0, nl);
  const split = splitCount(first);
  return (
    split?.frames.includes(';') === true &&
    /^[^\s;]/.test(first) &&
    first.charAt(first.length - split.count.length - 1) === ' '
  );
}

/** "frames COUNT" split at the last run of blanks, or null when the line does not end in digits. Linear. */
function splitCount(line: string): { frames: string; count: string } | null {
  let end = line.length;
  while (end > 0 && isBlank(line.charCodeAt(end - 1))) end--;
  let digits = end;
  while (digits > 0 && line.charCodeAt(digits - 1) >= 0x30 && line.charCodeAt(digits - 1) <= 0x39) digits--;
  if (digits === end || end !== line.length) return null;
  let frames = digits;
  while (frames > 0 && isBlank(line.charCodeAt(frames - 1))) frames--;
  if (frames === digits || frames === 0) return null;
  return { frames: line.slice(0, frames), count: line.slice(digits, end) };
}

const isBlank = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c;

export function parseFolded(text: string, file = '<input>'): ParseOutput<FoldedLine[]> {
  const out: FoldedLine[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const l of splitLines(text)) {
    if (l.text.trim() === '') continue;
    const m = splitCount(l.text);
    const count =
      m === null
        ? undefined
        : takeNumber(
            m.count,
            { code: 'folded/bad-number', what: 'count' },
            { file, line: l.no },
            diagnostics,
          );
    if (m === null || count === undefined) {
      diagnostics.push(
        diag('folded/bad-line', 'data-loss', 'not "frame;frame;... COUNT"', { file, line: l.no }),
      );
      continue;
    }
    out.push({ frames: m.frames.split(';'), count });
  }
  return { value: out, diagnostics };
}
