// `stacklab profiles [--json] [--profile P] [--set F=V]`: the kernel designs, side by side.
import type { Command } from 'commander';
import type { KernelProfile } from '../../model/profile.ts';
import { BUILTIN_PROFILES } from '../../model/profiles.ts';
import { TEXT_COLUMNS } from '../../report/text-width.ts';
import type { CliContext } from '../context.ts';
import { JSON_VERSION } from '../json.ts';
import { type ProfileOptions, profileOptions, selectedProfiles } from '../profile-options.ts';
import { jsonOption, outputOption, printText, wideOption } from '../shared-options.ts';

export function registerProfiles(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('profiles')
    .description(
      'list the kernel profiles (the five designs linux-4.2 ... x86_64-6.1, and the real kernel eras linux-4.19 ... x86_64-3.x) with their settings and sources',
    );
  profileOptions(cmd, 'all');
  jsonOption(cmd);
  wideOption(cmd);
  outputOption(cmd, ctx)
    .addHelpText(
      'after',
      `
Fields are the kernel's names (THREAD_SIZE, PT_REGS_SIZE, irqStack.IRQ_STACK_SIZE ...); nested fields use
dots. Overrides are validated: an unknown field or value lists what is accepted.

  stacklab profiles
  stacklab profiles --profile linux-6.1 --json
  stacklab profiles --profile linux-4.5 --set irqStack.switchRule=sp-in-task-stack`,
    )
    .action((opts: ProfileOptions & { json?: boolean; wide?: boolean }) => {
      const profiles = selectedProfiles(
        ctx,
        opts,
        BUILTIN_PROFILES.map((p) => p.id),
      );
      if (opts.json) {
        ctx.io.out(
          `${JSON.stringify({ version: JSON_VERSION, kind: 'stacklab.profiles', profiles }, null, 2)}\n`,
        );
        return;
      }
      printText(ctx, renderProfiles(profiles, opts.wide ? undefined : TEXT_COLUMNS), opts);
    });
}

const ROWS: readonly [string, (p: KernelProfile) => string][] = [
  ['kernel', (p) => `${p.arch} ${p.kernel}`],
  ['THREAD_SIZE', (p) => `${p.THREAD_SIZE} (${p.stackAllocation})`],
  ['THREAD_START_SP gap', (p) => `${p.THREAD_START_SP_GAP}`],
  [
    'thread_info',
    (p) => (p.threadInfo === 'in-task' ? 'in task_struct' : `stack bottom, ${p.THREAD_INFO_SIZE} B`),
  ],
  ['pt_regs', (p) => `${p.PT_REGS_SIZE}${p.S_STACKFRAME === null ? '' : ` (record @${p.S_STACKFRAME})`}`],
  [
    'IRQ stack',
    (p) =>
      p.irqStack ? `${p.irqStack.IRQ_STACK_SIZE} per CPU, gap ${p.irqStack.IRQ_STACK_START_GAP}` : 'none',
  ],
  ['switch rule', (p) => p.irqStack?.switchRule ?? 'none'],
  ['linkage', (p) => p.irqStack?.linkage ?? '-'],
  ['IRQ entry frames', (p) => frames(p.entry.el1Irq.frames)],
  ['irq_exit softirq', (p) => (p.PREEMPT_RT ? 'ksoftirqd (PREEMPT_RT)' : softirqPlace(p, 'irq-exit'))],
  ['bh_enable softirq', (p) => softirqPlace(p, 'bh-enable')],
  ['ksoftirqd softirq', () => 'own task stack'],
  ['VMAP_STACK', (p) => (p.VMAP_STACK ? `yes, align ${p.THREAD_ALIGN}` : 'no')],
  [
    'overflow detection',
    (p) =>
      p.overflowDetection === 'none' ? 'none (silent)' : `${p.overflowDetection}, ${p.OVERFLOW_STACK_SIZE} B`,
  ],
  ['RANDOMIZE_KSTACK_OFFSET', (p) => (p.RANDOMIZE_KSTACK_OFFSET ? 'yes (0..1024 B)' : 'no')],
  [
    'unwinder',
    (p) =>
      `${p.unwinder.pcIsLrMinus4 ? 'pc=LR-4, ' : ''}${p.unwinder.crossesStacks ? 'crosses stacks' : 'task stack only'}`,
  ],
  [
    'tracer',
    (p) =>
      `${p.tracer.hook}, unfound ${p.tracer.unfound}${p.tracer.shift ? ', shift' : ''}${p.tracer.lrMinus4Compensated ? ', LR-4 fix' : ''}${p.tracer.ipEntry === 'none' ? ', no ip row' : ''}`,
  ],
  ['trampoline', (p) => `${p.tracer.trampoline.size} B`],
  ['frame record', (p) => (p.returnSlot === 'frame-bottom' ? 'below locals (GCC)' : 'above locals')],
  [
    'also',
    (p) =>
      [
        p.PREEMPT_RT ? 'PREEMPT_RT' : '',
        p.ARM64_PTR_AUTH_KERNEL ? 'PAC' : '',
        p.kstackHistogram ? 'kstack_* vmstat' : '',
      ]
        .filter(Boolean)
        .join(', ') || '-',
  ],
];

function frames(fs: readonly { name: string; size: number }[]): string {
  return fs.length === 0 ? '(asm only)' : fs.map((f) => `${f.name}:${f.size}`).join(' ');
}

/** Where __do_softirq runs for each entry path, in words. */
export function softirqPlace(p: KernelProfile, path: 'irq-exit' | 'bh-enable'): string {
  const s = p.softirq;
  if (path === 'bh-enable') return s.ownStack === 'irq-stack' ? 'IRQ stack' : 'task stack';
  if (s.irqExitRunsIn === 'handler') {
    if (!p.irqStack) return 'task stack (under the IRQ)';
    return s.HAVE_IRQ_EXIT_ON_IRQ_STACK || s.ownStack === 'current' ? 'IRQ stack' : 'IRQ stack (own-stack)';
  }
  return s.ownStack === 'irq-stack' ? 'IRQ stack (via own stack)' : 'task stack';
}

/** A profile column narrower than its longest cell wraps that cell at spaces. */
const CELL_MAX = 23;

/**
 * The profiles side by side, in as many tables as it takes to fit `width` columns (a profile's
 * column holds at most CELL_MAX characters a line); one table at any width when `width` is infinite.
 */
export function renderProfiles(profiles: readonly KernelProfile[], width = Number.POSITIVE_INFINITY): string {
  const labelWidth = Math.max(...ROWS.map(([name]) => name.length));
  const cap = Number.isFinite(width) ? CELL_MAX : Number.POSITIVE_INFINITY;
  // At most `cap`, but never narrower than a word of it (cells wrap at spaces only).
  const columnWidth = (p: KernelProfile) =>
    Math.max(
      Math.min(cap, Math.max(p.id.length, ...ROWS.map(([, f]) => f(p).length))),
      ...ROWS.flatMap(([, f]) =>
        f(p)
          .split(' ')
          .map((w) => w.length),
      ),
    );
  const groups: KernelProfile[][] = [];
  let used = labelWidth;
  for (const p of profiles) {
    const w = 2 + columnWidth(p);
    if (groups.length === 0 || used + w > width) {
      groups.push([]);
      used = labelWidth;
    }
    groups[groups.length - 1]!.push(p);
    used += w;
  }
  let out = '';
  for (const g of groups) {
    if (out) out += '\n';
    const widths = [labelWidth, ...g.map(columnWidth)];
    const line = (r: readonly string[]) =>
      `${r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd()}\n`;
    out += line(['', ...g.map((p) => p.id)]) + line(widths.map((w) => '-'.repeat(w)));
    for (const [name, f] of ROWS) {
      const cells = g.map((p, i) => wrap(f(p), widths[i + 1]!));
      const height = Math.max(...cells.map((c) => c.length));
      for (let k = 0; k < height; k++) out += line([k === 0 ? name : '', ...cells.map((c) => c[k] ?? '')]);
    }
  }
  out += '\n';
  const summaryWidth = Number.isFinite(width) ? width - 2 : 100;
  for (const p of profiles) {
    out += `${p.id}: ${p.title}\n  ${wrap(p.summary, summaryWidth).join('\n  ')}\n  sources:\n`;
    for (const src of p.sources) out += `    - ${wrap(src, summaryWidth - 4).join('\n      ')}\n`;
  }
  return out;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const w of text.split(/\s+/)) {
    if (cur.length + w.length + 1 > width && cur) {
      out.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) out.push(cur);
  return out;
}
