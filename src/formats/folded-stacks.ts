// FlameGraph's folded stacks ("collapsed" format, brendangregg/FlameGraph stackcollapse-*.pl):
//
//   task_stack;pt_regs(el0_svc_naked);SyS_sendmmsg;__sys_sendmmsg 320
//
// One line per leaf path: frames outermost first, separated by ";", then a space and a count (here:
// bytes). FlameGraph has no escape for ";" in a name, so one is written as ":" (and counted).
import { type Diagnostic, diag } from '../base/diag.ts';
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
  const first = text.split('\n', 1)[0] ?? '';
  return /^[^\s;][^\n]*;[^\n]* \d+$/.test(first);
}

export function parseFolded(text: string, file = '<input>'): ParseOutput<FoldedLine[]> {
  const out: FoldedLine[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const l of splitLines(text)) {
    if (l.text.trim() === '') continue;
    const m = /^(.*\S)\s+(\d+)$/.exec(l.text);
    if (!m) {
      diagnostics.push(
        diag('folded/bad-line', 'data-loss', 'not "frame;frame;... COUNT"', { file, line: l.no }),
      );
      continue;
    }
    out.push({ frames: m[1]!.split(';'), count: Number(m[2]) });
  }
  return { value: out, diagnostics };
}
