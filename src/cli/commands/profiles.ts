// `stacklab profiles [--json] [--profile P] [--set F=V]`: the kernel designs, side by side.
import type { Command } from 'commander';
import type { KernelProfile } from '../../model/profile.ts';
import { PROFILES } from '../../model/profiles.ts';
import type { CliContext } from '../context.ts';
import { JSON_VERSION } from '../json.ts';
import { type ProfileOptions, profileOptions, selectedProfiles } from '../profile-options.ts';
import { jsonOption, outputOption } from '../shared-options.ts';

export function registerProfiles(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('profiles')
    .description(
      'list the kernel profiles (linux-4.2, rfc-2015, linux-4.5, linux-6.1, x86_64-6.1) and their settings',
    );
  profileOptions(cmd, 'all');
  jsonOption(cmd);
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
    .action((opts: ProfileOptions & { json?: boolean }) => {
      const profiles = selectedProfiles(
        ctx,
        opts,
        PROFILES.map((p) => p.id),
      );
      if (opts.json) {
        ctx.io.out(
          `${JSON.stringify({ version: JSON_VERSION, kind: 'stacklab.profiles', profiles }, null, 2)}\n`,
        );
        return;
      }
      ctx.io.out(renderProfiles(profiles));
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
  ['irq_exit softirq', (p) => softirqPlace(p, 'irq-exit')],
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
      `${p.tracer.hook}, unfound ${p.tracer.unfound}${p.tracer.shift ? ', shift' : ''}${p.tracer.lrMinus4Compensated ? ', LR-4 fix' : ''}`,
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

export function renderProfiles(profiles: readonly KernelProfile[]): string {
  const head = ['', ...profiles.map((p) => p.id)];
  const body = ROWS.map(([name, f]) => [name, ...profiles.map(f)]);
  const widths = head.map((_, c) => Math.max(...[head, ...body].map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    `${r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd()}\n`;
  let out = line(head) + line(widths.map((w) => '-'.repeat(w)));
  for (const r of body) out += line(r);
  out += '\n';
  for (const p of profiles) out += `${p.id}: ${p.title}\n  ${wrap(p.summary, 100).join('\n  ')}\n`;
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
