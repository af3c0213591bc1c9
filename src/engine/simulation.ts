// A discrete-event simulation: virtual time in nanoseconds, events ordered by (time, named priority,
// sequence), handlers that schedule further events, and a run that stops at a time or an event
// budget and says which. Knows nothing of kernels.
//
// Priorities are names given once, earliest first: at equal times an event of an earlier-named
// priority runs first, and events of one priority run in the order they were scheduled. So ties
// are deterministic and an event log reads as "t=4000000 timer", not "t=4000000 prio 3".
import { assertTrue } from '../base/assert.ts';
import { EventQueue } from './event-queue.ts';
import type { Ns } from './time.ts';

export type Handler = (sim: Simulation) => void;

interface Scheduled {
  readonly fn: Handler;
  readonly label: string;
}

export type StopReason = 'time' | 'events' | 'drained' | 'stopped';

export interface RunEnd {
  /** `time`: reached `untilNs`; `events`: ran `maxEvents`; `drained`: nothing left; `stopped`: a handler called stop(). */
  readonly reason: StopReason;
  readonly atNs: Ns;
  readonly events: number;
  /** What stop() was given, for `stopped`. */
  readonly detail?: string;
}

export interface LoggedEvent {
  readonly atNs: Ns;
  readonly priority: string;
  readonly label: string;
}

export class Simulation {
  private readonly queue = new EventQueue<Scheduled>();
  private readonly ids = new Map<string, number>();
  /** Virtual time of the event running now (or of the last one). */
  now: Ns = 0;
  /** Events run so far. */
  events = 0;
  private stopDetail: string | null = null;
  /** When set, every event run is appended (tests assert ordered event logs). */
  log: LoggedEvent[] | null = null;

  constructor(readonly priorities: readonly string[]) {
    priorities.forEach((p, i) => {
      assertTrue(!this.ids.has(p), `priority "${p}" named twice`);
      this.ids.set(p, i);
    });
  }

  /** The handle of a named priority (look it up once, outside hot loops). */
  priority(name: string): number {
    const id = this.ids.get(name);
    assertTrue(id !== undefined, `unknown priority "${name}" (known: ${this.priorities.join(', ')})`);
    return id;
  }

  /** Schedules `fn` at absolute time `atNs` (never in the past). */
  at(atNs: Ns, priority: number, fn: Handler, label = ''): void {
    // (the messages are built only when the check fails: at() runs for every interrupt)
    if (!(Number.isFinite(atNs) && atNs >= this.now))
      assertTrue(false, `event at ${atNs} ns is before now (${this.now} ns)`);
    if (!(priority >= 0 && priority < this.priorities.length))
      assertTrue(false, `bad priority handle ${priority}`);
    this.queue.schedule(atNs, priority, { fn, label });
  }

  after(delayNs: Ns, priority: number, fn: Handler, label = ''): void {
    this.at(this.now + delayNs, priority, fn, label);
  }

  get pending(): number {
    return this.queue.size;
  }

  /** Time of the next event, or null. */
  nextAt(): Ns | null {
    return this.queue.peek()?.tick ?? null;
  }

  /** Ends the run after the current handler returns. */
  stop(detail: string): void {
    this.stopDetail = detail;
  }

  /**
   * Runs events in order until time would pass `untilNs` (events at exactly `untilNs` run), `maxEvents`
   * have run in this call, the queue is empty, or a handler calls stop(). Time ends at `untilNs` when
   * that is what stopped the run.
   */
  run(opts: { untilNs: Ns; maxEvents?: number }): RunEnd {
    const budget = opts.maxEvents ?? Number.POSITIVE_INFINITY;
    let ran = 0;
    this.stopDetail = null;
    for (;;) {
      const next = this.queue.peek();
      if (next === undefined) return this.end('drained');
      if (next.tick > opts.untilNs) {
        this.now = opts.untilNs;
        return this.end('time');
      }
      if (ran >= budget) return this.end('events');
      this.queue.pop();
      this.now = next.tick;
      ran++;
      this.events++;
      if (this.log !== null)
        this.log.push({
          atNs: next.tick,
          priority: this.priorities[next.priority]!,
          label: next.payload.label,
        });
      next.payload.fn(this);
      if (this.stopDetail !== null) return this.end('stopped', this.stopDetail);
    }
  }

  private end(reason: StopReason, detail?: string): RunEnd {
    return { reason, atNs: this.now, events: this.events, ...(detail === undefined ? {} : { detail }) };
  }
}
