// Small commander option parsers shared by the commands (kept apart from profile-options.ts, which
// loads the profile schema: `frames` must not pay for it at start-up).

/** A repeatable, comma-separated option: "--x a,b --x c" gives ["a", "b", "c"]. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').filter((v) => v.length > 0)];
}
