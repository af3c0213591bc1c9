// Frame sizes the user already has from the compiler: GCC/clang -fstack-usage (.su) files. They are
// exact for static frames, so where one names a function unambiguously it replaces the decoded size.
// (clang's .stack_sizes lives inside the ELF and is read with the binary: stack-sizes.ts.)
import { type Diagnostic, diag } from '../base/diag.ts';
import type { StackUsageEntry } from '../formats/gcc-stack-usage.ts';

/** What an import needs to know about a function (BinaryFunction satisfies it). */
export interface ImportTarget {
  readonly name: string;
  readonly aliases: readonly string[];
}

export interface ImportedFrame {
  readonly bytes: number;
  readonly dynamic: boolean;
  readonly entry: StackUsageEntry;
}

/** "frames.c" and "drivers/net/frames.o" share the stem "frames". */
function stem(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/**
 * Matches .su entries to functions: by name when the name is unique on both sides, else by name and
 * file stem (foo.c ↔ foo.o / foo.ko). Returns the frame per function (keyed by the caller's key) and
 * a diagnostic per entry left unmatched or ambiguous.
 */
export function matchStackUsage<K>(
  functions: readonly { key: K; fn: ImportTarget; file: string }[],
  entries: readonly StackUsageEntry[],
  suFile: string,
): { frames: Map<K, ImportedFrame>; diagnostics: Diagnostic[] } {
  const byName = new Map<string, { key: K; fn: ImportTarget; file: string }[]>();
  for (const f of functions) {
    for (const n of [f.fn.name, ...f.fn.aliases]) {
      let l = byName.get(n);
      if (l === undefined) byName.set(n, (l = []));
      l.push(f);
    }
  }
  const entriesByName = new Map<string, number>();
  for (const e of entries) entriesByName.set(e.function, (entriesByName.get(e.function) ?? 0) + 1);
  const frames = new Map<K, ImportedFrame>();
  const diagnostics: Diagnostic[] = [];
  for (const e of entries) {
    let candidates = byName.get(e.function) ?? [];
    if (candidates.length > 1 || (entriesByName.get(e.function) ?? 0) > 1) {
      candidates = candidates.filter((c) => stem(c.file) === stem(e.file));
    }
    if (candidates.length !== 1) {
      diagnostics.push(
        diag(
          candidates.length === 0 ? 'frames/su-unmatched' : 'frames/su-ambiguous',
          'notice',
          candidates.length === 0
            ? `${e.function}: no function of that name in the binaries`
            : `${e.function}: ${candidates.length} functions match; the .su line is not used`,
          { file: suFile, line: e.srcLine },
        ),
      );
      continue;
    }
    frames.set(candidates[0]!.key, { bytes: e.bytes, dynamic: e.qualifier !== 'static', entry: e });
  }
  return { frames, diagnostics };
}
