// Reads and prints the output of the kernel's scripts/checkstack.pl (Linux 6.1), the
// "objdump -d vmlinux $(find -name '*.ko') | scripts/checkstack.pl arm64" report:
//
//   0xffff800008a1c2d0 nlmclnt_reclaim [vmlinux]:		720
//   0x0000000000002690 pfkey_sendmsg [af_key]:		80
//
// Each line is "$addr $func [$file]:" padded with tabs towards column 56 (one tab per started
// 8 columns short of 56), then the summed frame in decimal; lines are sorted by size, largest
// first. Older scripts (before "don't display $dre as different entity", 2020) printed dynamic
// adjustments on lines of their own as "Dynamic (0x140)"; published copies collapse tabs into
// spaces, indent by four spaces (markdown), keep "$ objdump ..." command lines and elide with
// ".." lines. All of that is tolerated; anything else is counted as checkstack/bad-line.
import { type Diagnostic, diag } from '../base/diag.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';

export interface CheckstackEntry {
  /** The address as printed, without "0x" (objdump's column: 16 digits for arm64). */
  readonly address: string;
  readonly function: string;
  /** checkstack's file tag: the object's base name without ".ko" (vmlinux, af_key). */
  readonly file: string;
  /** Summed stack growth in bytes; for an old "Dynamic (0x..)" line, that amount. */
  readonly bytes: number;
  /** The line was an old-style "Dynamic (0x..)" report of a "sub sp, sp, #imm". */
  readonly dynamic: boolean;
  /** 1-based line in the input. */
  readonly line: number;
}

const ENTRY = /^0x([0-9a-fA-F]+) (\S+) \[([^\]]*)\]:\s*(?:(\d+)|Dynamic \(0x([0-9a-fA-F]+)\))\s*$/;
const COMMAND = /^\$ /;
const ELISION = /^\.{2,}$/;

/** Column checkstack.pl pads the "addr func [file]:" intro towards. */
const PAD_COLUMN = 56;

export function sniffCheckstack(text: string): boolean {
  return text
    .slice(0, 8192)
    .split('\n')
    .some((l) => ENTRY.test(l.trim()));
}

export function parseCheckstack(text: string, file = '<input>'): ParseOutput<CheckstackEntry[]> {
  const diagnostics: Diagnostic[] = [];
  const entries: CheckstackEntry[] = [];
  for (const l of splitLines(text)) {
    const body = l.text.trim();
    if (body === '' || body.startsWith('#')) continue;
    const m = ENTRY.exec(body);
    if (m) {
      entries.push({
        address: m[1]!.toLowerCase(),
        function: m[2]!,
        file: m[3]!,
        bytes: m[4] !== undefined ? Number(m[4]) : Number.parseInt(m[5]!, 16),
        dynamic: m[4] === undefined,
        line: l.no,
      });
      continue;
    }
    if (COMMAND.test(body) || ELISION.test(body)) {
      diagnostics.push(
        diag('checkstack/not-an-entry', 'info', `skipped "${body.slice(0, 60)}"`, { file, line: l.no }),
      );
      continue;
    }
    diagnostics.push(
      diag(
        'checkstack/bad-line',
        'data-loss',
        `not a checkstack.pl line: "${body.slice(0, 80)}"`,
        { file, line: l.no },
        '"0xADDR function [file]:<TAB>BYTES"',
      ),
    );
  }
  if (entries.length === 0) {
    diagnostics.push(
      diag(
        'checkstack/empty',
        'error',
        'no checkstack.pl lines found',
        { file },
        '"0xADDR function [file]:<TAB>BYTES"',
      ),
    );
    return { value: undefined, diagnostics };
  }
  return { value: entries, diagnostics };
}

/** One line exactly as checkstack.pl prints it (with its newline). */
export function printCheckstackLine(e: {
  address: string;
  function: string;
  file: string;
  bytes: number;
}): string {
  let intro = `0x${e.address} ${e.function} [${e.file}]:`;
  for (let pad = PAD_COLUMN - intro.length; pad > 0; pad -= 8) intro += '\t';
  return `${intro}${e.bytes}\n`;
}

/**
 * checkstack.pl's report: entries above `minStack` bytes (its default is 100), largest first, ties in
 * input order (Perl's sort is a stable merge sort).
 */
export function printCheckstack(
  entries: readonly { address: string; function: string; file: string; bytes: number }[],
  minStack = 100,
): string {
  // Sort positions, not objects: on a module tree (165k lines) this is most of the printing.
  const order: number[] = [];
  entries.forEach((e, i) => {
    if (e.bytes > minStack) order.push(i);
  });
  order.sort((a, b) => entries[b]!.bytes - entries[a]!.bytes || a - b);
  const lines = new Array<string>(order.length);
  for (let k = 0; k < order.length; k++) lines[k] = printCheckstackLine(entries[order[k]!]!);
  return lines.join('');
}

/** objdump's address column: 16 lower-case hex digits. */
export function checkstackAddress(address: bigint): string {
  return address.toString(16).padStart(16, '0');
}
