// Small commander option parsers shared by the commands (kept apart from profile-options.ts, which
// loads the profile schema: `frames` must not pay for it at start-up).
import { usage } from './context.ts';

/** A repeatable, comma-separated option: "--x a,b --x c" gives ["a", "b", "c"]. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').filter((v) => v.length > 0)];
}

/** A whole number from 1 up (--item N), or a usage error naming the flag. */
export function positiveInt(text: string, flag: string): number {
  if (!/^\d{1,15}$/.test(text) || Number(text) === 0) usage(`${flag} ${text}: a positive whole number`);
  return Number(text);
}
