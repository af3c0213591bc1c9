// Diagnostics of a long input, counted as they come: the first few kept in full, the rest only per
// code, so that a log with a notice in each of its 100,000 tables costs a few counters. Printed the
// way reportDiagnostics (context.ts) prints a list.
import { type Diagnostic, formatDiagnostic, type Severity } from '../base/diag.ts';
import type { Io } from './io.ts';

export class DiagnosticTally {
  private readonly first: Diagnostic[] = [];
  private readonly byCode = new Map<string, { severity: Severity; count: number }>();
  private total = 0;

  constructor(private readonly detail = 5) {}

  add(d: Diagnostic): void {
    this.total++;
    if (this.first.length < this.detail) this.first.push(d);
    const e = this.byCode.get(d.code);
    if (e) e.count++;
    else this.byCode.set(d.code, { severity: d.severity, count: 1 });
  }

  report(io: Io): void {
    if (this.total === 0) return;
    for (const d of this.first) io.err(`${formatDiagnostic(d)}\n`);
    if (this.total > this.first.length) io.err(`... ${this.total - this.first.length} more\n`);
    const summary = [...this.byCode]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([code, e]) => `${e.count} ${e.severity} (${code})`)
      .join(', ');
    io.err(`stacklab: ${summary}\n`);
  }
}
