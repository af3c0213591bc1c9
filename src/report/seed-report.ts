// The seed experiment's report: the RFC's table replayed under every profile, and the RFC's claims
// checked against the replays. Pure: data in, data and text out.
import type { ReplayResult } from '../analyze/replay.ts';
import type { ReplayReportData } from '../analyze/replay-data.ts';
import { renderComparison, renderProfileReplay } from './replay-report.ts';

export interface SeedCheck {
  readonly id: string;
  readonly ok: boolean;
  readonly claim: string;
  readonly detail: string;
}

export interface SeedReportData {
  readonly version: string;
  readonly kind: 'stacklab.seed';
  readonly seed: { readonly source: string; readonly entries: number; readonly maxDepth: number };
  readonly replay: ReplayReportData;
  readonly checks: readonly SeedCheck[];
  /** The reference's back-of-envelope estimates (kernel-semantics.md §6) against the model's numbers. */
  readonly estimates: readonly {
    readonly what: string;
    readonly estimate: string;
    readonly model: string;
    readonly agrees: boolean;
    readonly why: string;
  }[];
  /** Sections later issues add (memory comparison, simulation), rendered in order. */
  readonly sections: readonly {
    readonly title: string;
    /** Everything (--wide, the HTML report). */
    readonly text: string;
    /** What the default text output shows, when shorter than `text`. */
    readonly summary?: string;
    readonly data: unknown;
  }[];
}

const HANDLER_FNS = [
  'gic_handle_irq',
  '__handle_domain_irq',
  'hrtimer_interrupt',
  '_raw_spin_unlock_irqrestore',
];

/** Checks the three results issue #2 names, from the replay results (never from constants). */
export function seedChecks(results: readonly ReplayResult[], data: ReplayReportData): SeedCheck[] {
  const by = (id: string) => results.find((r) => r.profile.id === id);
  const pd = (id: string) => data.profiles.find((p) => p.profile === id);
  const checks: SeedCheck[] = [];

  const l42 = by('linux-4.2');
  const d42 = pd('linux-4.2');
  if (l42 && d42) {
    checks.push({
      id: 'linux-4.2-reproduces',
      ok: d42.reproducesInput === true,
      claim: "linux-4.2 gives back the seed's table byte for byte",
      detail: `${d42.ftrace.entries} entries, line 0 Depth ${d42.ftrace.maxDepth} B (seed: ${data.input.entries} entries, ${data.input.maxDepth} B)`,
    });
  }

  const rfc = by('rfc-2015');
  const drfc = pd('rfc-2015');
  if (rfc && drfc) {
    const task = rfc.placement.filter((f) => f.stack === 'task');
    const irq = rfc.placement.filter((f) => f.stack === 'irq' && f.size > 0);
    const lastTask = task[task.length - 1];
    const firstIrq = irq[0];
    const v = drfc.verdicts.find((x) => x.stack === 'task');
    const ftraceFns = rfc.ftrace.table?.rows.map((r) => r.location.text) ?? [];
    const showsIrq = ftraceFns.some(
      (t) => HANDLER_FNS.some((h) => t.startsWith(`${h}+`)) || t.startsWith('el1_irq+'),
    );
    checks.push({
      id: 'rfc-2015-split',
      ok: (lastTask?.name.startsWith('pt_regs(el1') ?? false) && firstIrq?.name === 'gic_handle_irq',
      claim:
        "rfc-2015: the task stack keeps everything up to el1_irq's pt_regs; gic_handle_irq and above move to the IRQ stack",
      detail: `task stack ends with ${lastTask?.name ?? '?'} at ${lastTask?.depth ?? '?'} B; the IRQ stack starts with ${firstIrq?.name ?? '?'} and holds ${irq.length} frames (${rfc.irq?.maxDepth ?? 0} B)`,
    });
    checks.push({
      id: 'rfc-2015-fits-8k',
      ok: v?.fits ?? false,
      claim: 'rfc-2015: the 8 KB task stack fits',
      detail: v
        ? `${v.used} B used of ${v.size} B (${v.reserved} B thread_info + STACK_END_MAGIC at the bottom): margin ${v.margin} B`
        : 'no task stack',
    });
    checks.push({
      id: 'rfc-2015-ftrace-blind',
      ok: !showsIrq && rfc.ftrace.table !== null,
      claim: 'rfc-2015: the ftrace view no longer shows the IRQ frames',
      detail: `stack_trace would show ${drfc.ftrace.entries} entries from ${drfc.ftrace.firstRow ?? '-'} at ${drfc.ftrace.maxDepth} B; IRQ-stack samples are dropped ("we do not handle interrupt stacks yet")`,
    });
  }

  const l61 = by('linux-6.1');
  const d61 = pd('linux-6.1');
  if (l61 && d61) {
    const onIrq = (name: string) => l61.placement.some((f) => f.name === name && f.stack === 'irq');
    const nestedRegs = l61.placement.find((f) => f.kind === 'pt_regs' && f.stack === 'irq');
    const task = d61.verdicts.find((x) => x.stack === 'task');
    const irq = d61.verdicts.find((x) => x.stack === 'irq');
    const okPlace =
      onIrq('__do_softirq') && onIrq('net_rx_action') && onIrq('gic_handle_irq') && nestedRegs !== undefined;
    checks.push({
      id: 'linux-6.1-softirq-on-irq-stack',
      ok: okPlace && (task?.used ?? 0) < 2600,
      claim:
        'linux-6.1: __do_softirq and everything above it (the nested timer IRQ too) run on the IRQ stack; the task stack holds about 2 KB',
      detail: `task stack ${task?.used ?? '?'} B (6.1 entry code and 336 B pt_regs included); IRQ stack ${irq?.used ?? '?'} B with the nested IRQ's ${nestedRegs?.size ?? '?'} B pt_regs on it`,
    });
  }
  return checks;
}

/** kernel-semantics.md §6's estimates for the seed under each design, set against the replays. */
export function seedEstimates(results: readonly ReplayResult[]): SeedReportData['estimates'] {
  const by = (id: string) => results.find((r) => r.profile.id === id);
  const out: SeedReportData['estimates'][number][] = [];
  const rfc = by('rfc-2015');
  if (rfc?.task) {
    const gic = rfc.placement.find((f) => f.name === 'gic_handle_irq')?.size ?? 0;
    out.push({
      what: 'rfc-2015 task stack',
      estimate: `4360 - N_gic + 8 = ${4360 - gic + 8} B (N_gic = gic_handle_irq's ${gic} B frame)`,
      model: `${rfc.task.maxDepth} B`,
      agrees: rfc.task.maxDepth === 4360 - gic + 8,
      why: "the model's pt_regs base is where the scan found x30 (4080) + S_LR (240)",
    });
  }
  const l61 = by('linux-6.1');
  if (l61?.task) {
    const entry = l61.placement
      .filter((f) => f.stack === 'task' && l61.profile.entry.syscall.frames.some((e) => e.name === f.name))
      .reduce((a, f) => a + f.size, 0);
    const used = l61.task.maxDepth;
    out.push({
      what: 'linux-6.1 task stack',
      estimate: '< 2.1 KB, typically 1.8-2.0 KB',
      model: `${used} B (${used - entry} B without 6.1's ${entry} B of C entry frames)`,
      agrees: used < 2150,
      why: `the estimate keeps 4.2's asm-only syscall entry; 6.1 adds el0t_64_sync_handler .. invoke_syscall (${entry} B, sizes measured on Debian 6.1.192)`,
    });
  }
  return out;
}

/**
 * The seed's text report: the verdict first, then the detail. Without `wide`, sections with a summary
 * show the summary (the full tables are in --wide and the HTML report).
 */
export function renderSeedText(d: SeedReportData, opts: { wide?: boolean } = {}): string {
  let s = `stacklab seed: ${d.seed.source}\n`;
  s += `the seed's stack_trace: ${d.seed.entries} entries, ${d.seed.maxDepth} B deep, printed by ${d.replay.input.sourceEra}\n\n`;
  const held = d.checks.filter((c) => c.ok).length;
  s +=
    held === d.checks.length
      ? `Verdict: the model bears out all ${d.checks.length} of the RFC's claims checked (detail in 2.)\n`
      : `Verdict: ${d.checks.length - held} of the ${d.checks.length} claims checked DIFFER in the model (detail in 2.)\n`;
  for (const c of d.checks) s += `  [${c.ok ? 'ok' : 'DIFFERS'}] ${c.claim}\n`;
  s += '\n1. The seed replayed under every design\n\n';
  s += indent(renderComparison(d.replay.profiles), '  ');
  s += '\n2. The RFC against the model\n';
  for (const c of d.checks) s += `  [${c.ok ? 'ok' : 'DIFFERS'}] ${c.claim}\n         ${c.detail}\n`;
  const disagreements = d.replay.diagnostics.filter(
    (x) => x.code.startsWith('replay/') || x.code.startsWith('stack-trace/'),
  );
  s += '  where the seed and the model disagree:\n';
  if (disagreements.length === 0)
    s +=
      "    - nowhere in the table: every row's Depth and Size is reproduced by frames pushed on the model's stack\n";
  for (const x of disagreements) s += `    - ${x.line ? `line ${x.line}: ` : ''}${x.message}\n`;
  for (const e of d.estimates)
    s += `    - ${e.what}: the reference estimated ${e.estimate}; the model gives ${e.model}${e.agrees ? '' : ` (${e.why})`}\n`;
  s += '\n3. How stacklab reads the seed\n';
  for (const r of d.replay.reading) s += `  - ${r}\n`;
  s += '\n4. Per design\n';
  for (const p of d.replay.profiles) {
    const show = opts.wide || p.profile === 'rfc-2015' || p.profile === 'linux-6.1';
    s += `\n${renderProfileReplay(p, { ftrace: show })}`;
    if (!show)
      s += `   (ftrace view: ${p.ftrace.entries} entries from ${p.ftrace.firstRow ?? '-'}; --wide prints it)\n`;
  }
  for (const sec of d.sections) s += `\n${sec.title}\n${opts.wide ? sec.text : (sec.summary ?? sec.text)}`;
  return s;
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');
}
