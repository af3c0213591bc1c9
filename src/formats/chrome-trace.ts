// Writes the Chrome/Perfetto trace event format (JSON object form, "traceEvents"), as documented in
// "Trace Event Format" (Google) and read by ui.perfetto.dev and chrome://tracing.
//
//   {"traceEvents":[{"name":"gic_handle_irq","ph":"X","ts":4320,"dur":48,"pid":1,"tid":2}], ...}
//
// stacklab lays out a stack, not a timeline: the time axis is bytes from the top of the stack
// ("ts" = depth where the frame starts, "dur" = its size, nested frames inside their callers), one
// track per stack, so Perfetto draws each stack's frames to scale. displayTimeUnit says so.

export interface TraceSlice {
  readonly name: string;
  /** Track (a stack). */
  readonly track: string;
  readonly process: string;
  readonly start: number;
  readonly size: number;
  readonly args?: Readonly<Record<string, string | number>>;
}

export function printChromeTrace(slices: readonly TraceSlice[]): string {
  const pids = new Map<string, number>();
  const tids = new Map<string, number>();
  const events: object[] = [];
  for (const s of slices) {
    let pid = pids.get(s.process);
    if (pid === undefined) {
      pid = pids.size + 1;
      pids.set(s.process, pid);
      events.push({ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: s.process } });
    }
    const key = `${s.process}\u0000${s.track}`;
    let tid = tids.get(key);
    if (tid === undefined) {
      tid = tids.size + 1;
      tids.set(key, tid);
      events.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name: s.track } });
    }
    events.push({
      name: s.name,
      ph: 'X',
      ts: s.start,
      dur: s.size,
      pid,
      tid,
      ...(s.args ? { args: s.args } : {}),
    });
  }
  return `${JSON.stringify({ traceEvents: events, displayTimeUnit: 'ns', otherData: { units: 'bytes of stack, not time' } })}\n`;
}
