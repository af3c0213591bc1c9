// Copying a running model, so several experiments can start from one aged state. Typed arrays and
// plain arrays are copied, everything else is shared or replaced by the caller's overrides.

/** A copy of `obj` with its prototype, own typed arrays and arrays duplicated, then `overrides` set. */
export function cloneShallow<T extends object>(obj: T, overrides: Record<string, unknown> = {}): T {
  const c = Object.create(Object.getPrototypeOf(obj)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    if (ArrayBuffer.isView(v)) c[k] = (v as unknown as { slice(): unknown }).slice();
    else if (Array.isArray(v)) c[k] = v.slice();
    else c[k] = v;
  }
  Object.assign(c, overrides);
  return c as T;
}
