// A simulation as a Perfetto / chrome://tracing timeline: per CPU a track of which task runs, one of
// hard IRQs and one of softirqs, per task a track of its syscalls, and counter tracks of the depth of
// each stack (the deepest point per time bucket). The recorder keeps the first MAX_SLICES slices.
import type { RunResult } from '../analyze/run.ts';
import type { SliceRecorder } from '../kernel/sim/kernel-sim.ts';

export const MAX_SLICES = 200_000;

interface Slice {
  readonly track: string;
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

export class TimelineRecorder implements SliceRecorder {
  readonly slices: Slice[] = [];
  dropped = 0;

  slice(track: string, name: string, startNs: number, endNs: number): void {
    if (this.slices.length >= MAX_SLICES) {
      this.dropped++;
      return;
    }
    this.slices.push({ track, name, start: startNs, end: endNs });
  }
}

/** Chrome trace event JSON ("traceEvents"; ts and dur in microseconds). */
export function printTimeline(rec: TimelineRecorder, r: RunResult): string {
  const tids = new Map<string, number>();
  const events: object[] = [
    { name: 'process_name', ph: 'M', pid: 1, tid: 0, args: { name: `${r.scenario} under ${r.profile.id}` } },
  ];
  const tid = (track: string) => {
    let t = tids.get(track);
    if (t === undefined) {
      t = tids.size + 1;
      tids.set(track, t);
      events.push({ name: 'thread_name', ph: 'M', pid: 1, tid: t, args: { name: track } });
    }
    return t;
  };
  for (const s of rec.slices)
    events.push({
      name: s.name,
      ph: 'X',
      ts: s.start / 1000,
      dur: Math.max(0, s.end - s.start) / 1000,
      pid: 1,
      tid: tid(s.track),
    });
  for (const d of r.depthSeries) {
    const name = `cpu${d.cpu} ${d.stack} stack depth (bytes)`;
    d.maxBytes.forEach((v, i) => {
      events.push({ name, ph: 'C', ts: (i * d.bucketNs) / 1000, pid: 1, args: { bytes: v } });
    });
  }
  return `${JSON.stringify({
    traceEvents: events,
    displayTimeUnit: 'ns',
    otherData: {
      stacklab: r.version,
      slices: rec.slices.length,
      droppedSlices: rec.dropped,
      maxSlices: MAX_SLICES,
    },
  })}\n`;
}
