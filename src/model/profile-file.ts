// Profiles from a file (YAML or JSON): a whole profile, or a built-in one with some fields changed.
//
//   base: linux-6.1          # start from a built-in profile
//   id: phone-8k             # optional new id
//   set:                     # fields to change, nested like the profile
//     THREAD_SIZE: 8192
//     THREAD_ALIGN: 16384
//     irqStack: { IRQ_STACK_SIZE: 8192 }
import { parseDocument } from 'yaml';
import { diag } from '../base/diag.ts';
import { err, ok, type Result } from '../base/result.ts';
import { type KernelProfile, validateProfile } from './profile.ts';
import { BUILTIN_PROFILES } from './profiles.ts';

export function loadProfileFile(text: string, file: string): Result<KernelProfile> {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0] ?? lineCol(text, e.pos[0]);
    return err(
      diag('profile-file/syntax', 'error', e.message.split('\n')[0] ?? 'YAML syntax error', {
        file,
        line: pos.line,
        column: pos.col,
      }),
    );
  }
  const obj = doc.toJS() as unknown;
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    return err(
      diag(
        'profile-file/not-object',
        'error',
        'expected a mapping',
        { file, line: 1 },
        '"base: <profile id>" and "set:", or a whole profile',
      ),
    );
  const o = obj as Record<string, unknown>;
  if (!('base' in o)) return validateProfile(o, file);
  const base = BUILTIN_PROFILES.find((p) => p.id === o.base);
  if (!base)
    return err(
      diag(
        'profile-file/unknown-base',
        'error',
        `base: unknown profile "${String(o.base)}"`,
        { file },
        `one of ${BUILTIN_PROFILES.map((p) => p.id).join(', ')}`,
      ),
    );
  const extra = Object.keys(o).filter((k) => !['base', 'id', 'title', 'set'].includes(k));
  if (extra.length > 0)
    return err(
      diag(
        'profile-file/unknown-key',
        'error',
        `unknown key "${extra[0]}"`,
        { file },
        'base, id, title, set',
      ),
    );
  const merged = structuredClone(base) as Record<string, unknown>;
  const set = (o.set ?? {}) as unknown;
  if (typeof set !== 'object' || set === null || Array.isArray(set))
    return err(diag('profile-file/bad-set', 'error', 'set: expected a mapping of fields', { file }));
  const bad = mergeInto(merged, set as Record<string, unknown>, '');
  if (bad)
    return err(
      diag(
        'profile/unknown-field',
        'error',
        `set: no profile field "${bad.path}"`,
        { file },
        `one of ${bad.known.join(', ')}`,
      ),
    );
  if (typeof o.id === 'string') merged.id = o.id;
  if (typeof o.title === 'string') merged.title = o.title;
  else merged.title = `${base.title} (from ${file})`;
  const r = validateProfile(merged, file);
  return r.ok ? ok(r.value) : r;
}

function mergeInto(
  target: Record<string, unknown>,
  src: Record<string, unknown>,
  prefix: string,
): { path: string; known: string[] } | null {
  for (const [k, v] of Object.entries(src)) {
    if (!(k in target)) return { path: `${prefix}${k}`, known: Object.keys(target) };
    const t = target[k];
    if (
      v !== null &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      t !== null &&
      typeof t === 'object' &&
      !Array.isArray(t)
    ) {
      const bad = mergeInto(t as Record<string, unknown>, v as Record<string, unknown>, `${prefix}${k}.`);
      if (bad) return bad;
    } else target[k] = v;
  }
  return null;
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}
