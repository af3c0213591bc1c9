// `stacklab paths ELF... [--entry SYM] [--top N] [--profile P]`: the deepest call paths through the
// binaries' call graph, with per-frame sizes, and the interrupt overlay of each kernel profile.
import type { Command } from 'commander';
import { irqOverlay, type OverlayResult, overlayInputs } from '../../analyze/irq-overlay.ts';
import { type Diagnostic, diag, InputError } from '../../base/diag.ts';
import {
  buildCallGraph,
  type CallGraph,
  findNodes,
  type GraphPart,
  graphPart,
  nodeLabel,
} from '../../elf/call-graph.ts';
import {
  analyzeWorstCase,
  graphRoots,
  type RecursionPolicy,
  type StackPath,
  topPaths,
} from '../../elf/paths.ts';
import {
  EMPTY_ANNOTATIONS,
  parseStackAnnotations,
  type StackAnnotations,
} from '../../formats/stack-annotations.ts';
import { type CliContext, reportDiagnostics, usage } from '../context.ts';
import { expandElfArgs, forEachBinary } from '../elf-inputs.ts';
import { EXIT_BAD_INPUT } from '../exit-codes.ts';
import { writeHtmlReport } from '../html-report.ts';
import { JSON_VERSION } from '../json.ts';
import { collect, type ProfileOptions, profileOptions, selectedProfiles } from '../profile-options.ts';
import { jsonOption, outputOption, printText, reportOption, wideOption } from '../shared-options.ts';

interface PathsOptions extends ProfileOptions {
  entry: string[];
  top: number;
  annotations?: string;
  recursionBound?: number;
  irqEntry?: string;
  softirqEntry?: string;
  json?: boolean;
  report?: string;
  wide?: boolean;
}

export function registerPaths(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('paths')
    .description(
      'the deepest call paths through AArch64 ELF files, with an interrupt overlay per kernel profile',
    )
    .argument(
      '<elf...>',
      'ELF files (vmlinux, .ko, programs), or directories searched for .ko modules (also .ko.xz, .ko.zst, .ko.gz)',
    );
  cmd
    .option(
      '-e, --entry <sym>',
      'start paths at this function ("name" or "tag:name"; repeatable)',
      collect,
      [],
    )
    .option('-n, --top <n>', 'how many paths to print', positive('--top'), 5)
    .option(
      '-a, --annotations <file>',
      'YAML: indirect callees, function-pointer tables, recursion bounds, frames',
    )
    .option(
      '--recursion-bound <n>',
      'nesting bound for recursion the annotations do not cover',
      positive('--recursion-bound'),
    )
    .option('--irq-entry <sym>', 'hard-IRQ entry for the overlay (default: gic_handle_irq)')
    .option('--softirq-entry <sym>', 'softirq entry for the overlay (default: __do_softirq)');
  profileOptions(cmd, 'none; each one adds its interrupt overlay');
  reportOption(cmd);
  jsonOption(cmd);
  wideOption(cmd);
  outputOption(cmd, ctx)
    .addHelpText(
      'after',
      `
Edges come from bl/b targets and, in .ko files, from R_AARCH64_CALL26/JUMP26 relocations; calls into
vmlinux exports resolve when vmlinux is given too. A path's depth at each function is the stack in use
when it is entered: a tail call made after the epilogue adds nothing. Recursion is reported; with a
bound (annotations "recursion:" or --recursion-bound) it costs bound x its frames, else "unbounded".
Indirect calls (blr) are counted; an annotations file lists their callees. Paths that meet them, or
functions no binary defines, are marked "≥" (a lower bound).

With --profile, the worst task path (from --entry, hard-IRQ and softirq code left out) gets the
profile's exception frames and entry code, the worst hard-IRQ path (gic_handle_irq) and the worst
softirq path (__do_softirq), each on the stack the profile puts it on, and the task-stack and
IRQ-stack totals are compared with THREAD_SIZE and IRQ_STACK_SIZE.

Examples (examples/arm64/ holds a small kernel, a module and annotations to try):
  stacklab paths examples/arm64/mini-kernel --entry el0_svc --top 3
  stacklab paths examples/arm64/mini-kernel examples/arm64/mini-module.ko --entry mod_open
  stacklab paths examples/arm64/mini-kernel --entry el0_svc -a examples/arm64/mini-kernel.yaml \\
    --profile linux-6.1 --profile rfc-2015
  stacklab paths examples/arm64/mini-kernel --recursion-bound 16 --json`,
    )
    .action((elfArgs: string[], opts: PathsOptions) => runPaths(ctx, elfArgs, opts));
}

function positive(flag: string): (v: string) => number {
  return (v) => {
    if (!/^[1-9]\d*$/.test(v)) usage(`${flag}: "${v}" is not a positive integer`);
    return Number(v);
  };
}

function readAnnotations(ctx: CliContext, file: string | undefined): StackAnnotations {
  if (file === undefined) return EMPTY_ANNOTATIONS;
  const r = parseStackAnnotations(ctx.io.readText(file), file);
  if (r.value === undefined) {
    reportDiagnostics(ctx.io, r.diagnostics.slice(1));
    throw new InputError(
      r.diagnostics[0] ?? diag('annotations/invalid', 'error', 'unusable annotations', { file }),
    );
  }
  return r.value;
}

function runPaths(ctx: CliContext, elfArgs: string[], opts: PathsOptions): void {
  if (opts.report !== undefined) ctx.io.checkOutput(opts.report, '--report');
  const profiles = selectedProfiles(ctx, opts, []);
  const annotations = readAnnotations(ctx, opts.annotations);
  const files = expandElfArgs(ctx, elfArgs);
  // Each binary is reduced to its part of the graph as soon as it is read (bounded memory on a tree).
  const parts: GraphPart[] = [];
  const read: { path: string; tag: string; functions: number }[] = [];
  const diagnostics: Diagnostic[] = [];
  const { failed } = forEachBinary(
    ctx,
    files,
    { sites: true, details: false, tables: annotations.tables },
    (b) => {
      parts.push(graphPart(b));
      read.push({ path: b.file, tag: b.tag, functions: b.functions.length });
      diagnostics.push(...b.diagnostics);
    },
  );
  if (parts.length === 0) {
    ctx.exitCode = EXIT_BAD_INPUT;
    return;
  }
  const { graph: g, diagnostics: graphDiags } = buildCallGraph(parts, annotations);
  diagnostics.push(...graphDiags);
  const policy: RecursionPolicy = {
    bounds: new Map(Object.entries(annotations.recursion)),
    defaultBound: opts.recursionBound,
  };
  const where = files.length === 1 ? files[0] : `${files.length} files`;
  /** The nodes of a symbol the user named: none is bad input naming the flag and the symbol. */
  const named = (flag: string, sym: string): number[] => {
    const nodes = findNodes(g, sym);
    if (nodes.length === 0)
      throw new InputError(
        diag(
          'paths/no-entry',
          'error',
          `${flag}: no function "${sym}" in ${where}`,
          undefined,
          'a function symbol, or tag:name',
        ),
      );
    return nodes;
  };
  let entries: number[] | undefined;
  if (opts.entry.length > 0) entries = opts.entry.flatMap((e) => named('--entry', e));
  if (profiles.length > 0) {
    if (opts.irqEntry !== undefined) named('--irq-entry', opts.irqEntry);
    if (opts.softirqEntry !== undefined) named('--softirq-entry', opts.softirqEntry);
  }
  const overlays: OverlayResult[] = [];
  let excluded: Uint8Array | undefined;
  if (profiles.length > 0) {
    const inputs = overlayInputs(g, policy, entries, opts.irqEntry, opts.softirqEntry);
    for (const p of profiles) overlays.push(irqOverlay(p, inputs));
    // The printed task paths are the ones the overlay used: hard-IRQ and softirq code left out.
    excluded = new Uint8Array(g.size);
    for (const name of [inputs.hardirq?.entry, inputs.softirq?.entry]) {
      if (name !== undefined) for (const v of findNodes(g, name)) excluded[v] = 1;
    }
  }
  const wc = analyzeWorstCase(g, policy, excluded);
  const roots = entries ?? graphRoots(g, wc);
  const { paths, truncated } = topPaths(g, wc, roots, opts.top);
  if (truncated)
    diagnostics.push(diag('paths/truncated', 'notice', `search stopped early: fewer than ${opts.top} paths`));
  const edges = g.edgeStart[g.size]!;
  const doc = {
    version: JSON_VERSION,
    kind: 'stacklab.paths',
    files: read,
    graph: { functions: g.size, edges },
    entries: (entries ?? []).map((v) => ({ function: g.name[v], tag: g.tag[v] })),
    paths: paths.map((p) => pathJson(g, p)),
    overlay: overlays,
  };
  if (opts.json) {
    ctx.io.out(`${JSON.stringify(doc, null, 1)}\n`);
  } else {
    let text =
      `stacklab paths: ${parts.length} file(s), ${g.size} functions, ${edges} call edges; ` +
      `${entries === undefined ? `${roots.length} roots (no --entry)` : `entry ${opts.entry.join(', ')}`}` +
      `${excluded === undefined ? '' : ' (hard-IRQ and softirq code left out)'}\n\n`;
    paths.forEach((p, i) => {
      text += renderPath(g, p, i + 1);
    });
    if (paths.length === 0) text += 'no path\n';
    for (const o of overlays) text += renderOverlay(o);
    if (overlays.length > 1) text += renderOverlaySummary(overlays);
    printText(ctx, text, opts);
  }
  reportDiagnostics(ctx.io, diagnostics);
  if (opts.report !== undefined)
    writeHtmlReport(ctx, opts.report, `stacklab paths ${elfArgs.join(' ')}`, doc);
  if (failed.length > 0) ctx.exitCode = EXIT_BAD_INPUT;
}

function pathJson(g: CallGraph, p: StackPath) {
  return {
    totalBytes: p.totalBytes,
    unbounded: p.unbounded,
    incomplete: p.incomplete,
    dynamic: p.dynamic,
    steps: p.steps.map((s) => ({
      function: g.name[s.node],
      tag: g.tag[s.node],
      depthBefore: s.depthBefore,
      frameBytes: s.frameBytes,
      via: s.via,
      ...(g.frameKnown[s.node] === 0 ? { frameKnown: false } : {}),
      ...(g.dynamic[s.node] === 1 ? { dynamic: true } : {}),
      ...(g.unresolvedIndirect[s.node]! > 0 ? { unresolvedIndirectCalls: g.unresolvedIndirect[s.node] } : {}),
      ...(s.recursion === undefined
        ? {}
        : {
            recursion: {
              size: s.recursion.members.length,
              members: s.recursion.members.slice(0, 32).map((v) => g.name[v]),
              bound: s.recursion.bound ?? null,
            },
          }),
    })),
  };
}

const VIA_TEXT: Record<string, string> = { start: '', call: '', jump: 'tail call', indirect: 'indirect' };

function renderPath(g: CallGraph, p: StackPath, rank: number): string {
  const first = g.name[p.steps[0]!.node];
  const last = g.name[p.steps[p.steps.length - 1]!.node];
  const marks = [
    p.unbounded ? 'unbounded recursion' : '',
    p.incomplete ? 'lower bound' : '',
    p.dynamic ? '+ dynamic' : '',
  ]
    .filter(Boolean)
    .join(', ');
  let out = `#${rank}  ${p.incomplete ? '≥' : ''}${p.totalBytes} bytes  ${first} → ${last} (${p.steps.length} functions)${marks ? `  [${marks}]` : ''}\n`;
  out += '      depth  frame  function\n';
  for (const s of p.steps) {
    const notes: string[] = [];
    const via = VIA_TEXT[s.via];
    if (via) notes.push(via);
    if (g.frameKnown[s.node] === 0) notes.push('frame unknown');
    if (g.dynamic[s.node] === 1) notes.push('+dynamic');
    if (g.unresolvedIndirect[s.node]! > 0)
      notes.push(`${g.unresolvedIndirect[s.node]} indirect call(s) not followed`);
    if (s.recursion !== undefined) {
      const m = s.recursion.members;
      const names =
        m.length <= 6 ? `{${m.map((v) => g.name[v]).join(', ')}}` : `a cycle of ${m.length} functions`;
      notes.push(
        s.recursion.bound === undefined
          ? `in recursion ${names}: UNBOUNDED, each function counted once`
          : `recursion ${names} x${s.recursion.bound}`,
      );
    }
    out += `  ${String(s.depthBefore).padStart(9)}  ${String(s.frameBytes).padStart(5)}  ${nodeLabel(g, s.node)}${notes.length > 0 ? `  (${notes.join('; ')})` : ''}\n`;
  }
  return `${out}\n`;
}

function percent(bytes: number, size: number): string {
  return `${((100 * bytes) / size).toFixed(0)}%`;
}

function renderOverlay(o: OverlayResult): string {
  const pl = o.placement;
  let out = `Interrupt overlay: ${o.profile} — ${o.title}\n`;
  out += `  hard IRQs on the ${pl.hardirq} stack; softirqs from irq_exit on the ${pl.irqExitSoftirq} stack, from local_bh_enable on the ${pl.bhSoftirq} stack\n`;
  const block = (
    name: string,
    stack: 'task' | 'irq',
    t: { bytes: number; size: number; margin: number; scenario: string },
  ) => {
    const s = o.scenarios.find((x) => x.id === t.scenario)!;
    let b = `  ${name}: ${t.bytes} of ${t.size} bytes (${percent(t.bytes, t.size)}), margin ${t.margin}${t.margin < 0 ? '  OVERFLOW' : ''} — worst when ${s.title}\n`;
    for (const seg of s[stack])
      b += `    ${String(seg.bytes).padStart(6)}  ${seg.what}${seg.from === 'profile' ? '  [profile]' : ''}\n`;
    return b;
  };
  out += block('task stack', 'task', o.worstTask);
  if (o.worstIrq !== undefined) out += block('IRQ stack', 'irq', o.worstIrq);
  for (const n of o.notes) out += `  note: ${n}\n`;
  return `${out}\n`;
}

function renderOverlaySummary(os: readonly OverlayResult[]): string {
  const rows = os.map((o) => [
    o.profile,
    `${o.worstTask.bytes}/${o.worstTask.size} (${percent(o.worstTask.bytes, o.worstTask.size)})`,
    o.worstIrq === undefined
      ? '-'
      : `${o.worstIrq.bytes}/${o.worstIrq.size} (${percent(o.worstIrq.bytes, o.worstIrq.size)})`,
  ]);
  const head = ['profile', 'task stack', 'IRQ stack'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    `${r
      .map((c, i) => c.padEnd(w[i]!))
      .join('  ')
      .trimEnd()}\n`;
  return line(head) + line(w.map((x) => '-'.repeat(x))) + rows.map(line).join('');
}
