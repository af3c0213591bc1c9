// Virtual time. A simulation counts nanoseconds in a JS number: exact to 2^53 ns (104 days), which
// is more than any run asks for. Durations in files and flags always carry a unit.
import { diag } from '../base/diag.ts';
import { err, ok, type Result } from '../base/result.ts';

/** Virtual nanoseconds. */
export type Ns = number;

export const NS_PER_US = 1e3;
export const NS_PER_MS = 1e6;
export const NS_PER_S = 1e9;
export const NS_PER_HOUR = 3600 * NS_PER_S;

const UNITS: Record<string, number> = {
  ns: 1,
  us: NS_PER_US,
  µs: NS_PER_US,
  ms: NS_PER_MS,
  s: NS_PER_S,
  sec: NS_PER_S,
  min: 60 * NS_PER_S,
  h: NS_PER_HOUR,
  hour: NS_PER_HOUR,
  d: 24 * NS_PER_HOUR,
};
/** Longest duration accepted anywhere: 30 simulated days (far below the 2^53 ns limit). */
export const MAX_DURATION_NS = 30 * 24 * NS_PER_HOUR;

const DURATION = /^(\d{1,15}(?:\.\d{1,9})?(?:e\d{1,2})?)\s?(ns|us|µs|ms|sec|s|min|hour|h|d)$/;

/** "8s", "10min", "1.5h", "250us" -> ns. A bare number is refused: the unit is part of the value. */
export function parseDuration(text: string, where = 'duration'): Result<Ns> {
  const t = text.trim();
  const m = DURATION.exec(t);
  const bad = (why: string): Result<Ns> =>
    err(
      diag(
        'duration/invalid',
        'error',
        `${where}: ${why}`,
        undefined,
        'a number with a unit: 8s, 10min, 1h, 250us, 500ns',
      ),
    );
  if (m === null) return bad(/^\d+(\.\d+)?$/.test(t) ? `"${t}" has no unit` : `"${t}" is not a duration`);
  const ns = Number(m[1]) * UNITS[m[2]!]!;
  if (!Number.isFinite(ns) || ns <= 0) return bad(`"${t}" must be positive`);
  if (ns > MAX_DURATION_NS) return bad(`"${t}" is longer than 30 days`);
  return ok(ns);
}

/** A readable duration: "8 s", "1.25 ms", "1 h 30 min". */
export function formatDuration(ns: Ns): string {
  if (ns >= NS_PER_HOUR) {
    const h = Math.floor(ns / NS_PER_HOUR);
    const min = Math.round((ns - h * NS_PER_HOUR) / (60 * NS_PER_S));
    return min > 0 ? `${h} h ${min} min` : `${h} h`;
  }
  if (ns >= 60 * NS_PER_S) return `${trim(ns / (60 * NS_PER_S))} min`;
  if (ns >= NS_PER_S) return `${trim(ns / NS_PER_S)} s`;
  if (ns >= NS_PER_MS) return `${trim(ns / NS_PER_MS)} ms`;
  if (ns >= NS_PER_US) return `${trim(ns / NS_PER_US)} µs`;
  return `${trim(ns)} ns`;
}

function trim(v: number): string {
  return Number(v.toPrecision(3)).toString();
}
