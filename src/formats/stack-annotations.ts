// Reads stacklab's stack annotations: what the binary cannot say about its own call graph.
// Indirect calls (function pointers) get their possible callees, function-pointer tables are named
// so their entries become callees, recursion gets a bound, and code stacklab cannot decode
// (assembly, other binaries) gets a frame size. In the spirit of ChromeOS EC's stack_analyzer
// annotations. Example (examples/arm64/mini-kernel.yaml):
//
//   calls:                       # caller: [possible callees of its indirect calls]
//     handle_irq_desc: [handle_fasteoi_irq]
//     handle_irq_event: [e1000_intr]
//   tables:                      # every function stored in the table is a callee of `callers`
//     - table: softirq_vec
//       callers: [__do_softirq]
//       stride: 8                # bytes between entries (default 8)
//       offset: 0                # byte offset of the pointer inside an entry (default 0)
//   recursion:                   # deepest nesting: activations of each function of the cycle
//     fact: 12
//   frames:                      # bytes, for functions without decodable code here
//     call_on_irq_stack: 16
//   ignore: [panic, __stack_chk_fail]   # calls into these are not followed (no-return error paths)
//
// Function names are symbol names as `nm` prints them. Errors name the YAML path and line.
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { type Diagnostic, diag } from '../base/diag.ts';
import type { ParseOutput } from '../base/result.ts';
import { MAX_YAML_FLOW_DEPTH, yamlDocument, yamlTooDeep } from '../base/text.ts';

const Name = z.string().min(1, 'a function name');

export const PointerTableSchema = z.strictObject({
  /** Symbol of the table: an array of pointers, or of structs holding one at `offset`. */
  table: Name,
  /** Functions whose indirect calls go through this table. */
  callers: z.array(Name).min(1),
  /** Bytes between consecutive entries. */
  stride: z.number().int().min(8).multipleOf(8).default(8),
  /** Byte offset of the function pointer inside an entry. */
  offset: z.number().int().min(0).multipleOf(8).default(0),
});
export type PointerTable = z.infer<typeof PointerTableSchema>;

export const StackAnnotationsSchema = z.strictObject({
  calls: z.record(Name, z.array(Name)).default({}),
  tables: z.array(PointerTableSchema).default([]),
  recursion: z.record(Name, z.number().int().min(1).max(1_000_000)).default({}),
  frames: z
    .record(
      Name,
      z
        .number()
        .int()
        .min(0)
        .max(1 << 30),
    )
    .default({}),
  ignore: z.array(Name).default([]),
});
export type StackAnnotations = z.infer<typeof StackAnnotationsSchema>;

export const EMPTY_ANNOTATIONS: StackAnnotations = {
  calls: {},
  tables: [],
  recursion: {},
  frames: {},
  ignore: [],
};

export function sniffStackAnnotations(text: string): boolean {
  return /^(calls|tables|recursion|frames|ignore):/m.test(text.slice(0, 8192));
}

export function parseStackAnnotations(text: string, file = '<input>'): ParseOutput<StackAnnotations> {
  const deep = yamlTooDeep(text);
  if (deep !== undefined)
    return {
      value: undefined,
      diagnostics: [
        diag('annotations/too-deep', 'error', `"[" / "{" nested more than ${MAX_YAML_FLOW_DEPTH} deep`, {
          file,
          line: deep,
        }),
      ],
    };
  const lineCounter = new LineCounter();
  const yamlDoc = yamlDocument(() => parseDocument(text, { lineCounter, prettyErrors: false }));
  if ('error' in yamlDoc)
    return {
      value: undefined,
      diagnostics: [diag('annotations/bad-yaml', 'error', yamlDoc.error, { file, line: 1 })],
    };
  const doc = yamlDoc.value;
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  const yamlErrors = doc.errors.map((e) =>
    diag('annotations/bad-yaml', 'error', e.message.split('\n')[0] ?? 'YAML error', {
      file,
      ...(lineOf(e.pos[0]) === undefined ? {} : { line: lineOf(e.pos[0]) }),
    }),
  );
  if (yamlErrors.length > 0) return { value: undefined, diagnostics: yamlErrors };
  // toJS() throws on what parsing accepts: an alias whose anchor comes later, or too many aliases
  // (yaml's maxAliasCount, its guard against alias bombs).
  let raw: unknown;
  try {
    raw = doc.toJS() ?? {};
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0]! : 'YAML error';
    return {
      value: undefined,
      diagnostics: [diag('annotations/bad-yaml', 'error', message, { file, line: 1 })],
    };
  }
  const parsed = StackAnnotationsSchema.safeParse(raw);
  if (parsed.success) return { value: parsed.data, diagnostics: [] };
  const diagnostics: Diagnostic[] = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String);
    // The deepest node that exists names the line.
    let line: number | undefined;
    for (let n = path.length; n >= 0 && line === undefined; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      line = lineOf(node?.range?.[0]);
    }
    const where = path.length > 0 ? path.join('.') : '(document)';
    return diag(
      'annotations/invalid',
      'error',
      `${where}: ${issue.message}`,
      { file, ...(line === undefined ? {} : { line }) },
      'calls, tables, recursion, frames and ignore as in the file header of src/formats/stack-annotations.ts',
    );
  });
  return { value: undefined, diagnostics };
}
