// Scenario and code-model files: YAML (JSON is YAML too), parsed with line numbers kept so a bad
// field is reported at its line, by its path.
import { isNode, parseDocument } from 'yaml';
import { type Diagnostic, diag } from '../../base/diag.ts';
import { err, ok, type Result } from '../../base/result.ts';

export interface YamlInput {
  readonly value: unknown;
  /** The 1-based line of the node at a field path ("tasks.0.cpu"), when the file has it. */
  lineOf(path: string): number | undefined;
}

export function parseYamlInput(text: string, file: string, code: string): Result<YamlInput> {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    return err(
      diag(`${code}/syntax`, 'error', e.message.split('\n')[0] ?? 'YAML syntax error', {
        file,
        ...(pos ? { line: pos.line, column: pos.col } : {}),
      }),
    );
  }
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineAt = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  return ok({
    value: doc.toJS({ maxAliasCount: 1000 }) as unknown,
    lineOf(path: string) {
      const keys = path
        .split('.')
        .filter((k) => k !== '')
        .map((k) => (/^\d+$/.test(k) ? Number(k) : k));
      for (let n = keys.length; n > 0; n--) {
        const node = doc.getIn(keys.slice(0, n), true);
        if (isNode(node) && node.range) return lineAt(node.range[0]);
      }
      return undefined;
    },
  });
}

/** Puts the line of the diagnostic's field path (its message starts with the path) into its location. */
export function withLine(d: Diagnostic, input: YamlInput): Diagnostic {
  const path = /^([\w.$@-]+):/.exec(d.message)?.[1];
  const line = path ? input.lineOf(path) : undefined;
  return line === undefined ? d : { ...d, loc: { file: d.loc?.file ?? '<input>', line } };
}
