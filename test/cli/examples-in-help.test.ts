// The examples in every command's --help and in the READMEs name only files that exist in the
// repository (or that an earlier example line writes): a new user can paste them as they are.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import type { Command } from 'commander';
import { memoryIo } from '../../src/cli/io.ts';
import { buildProgram, main } from '../../src/cli/main.ts';
import { builtinScenarios } from '../../src/cli/scenario-files.ts';
import { SCENARIO_IDS as MM_SCENARIOS } from '../../src/device/workloads.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** Options whose value is a file stacklab reads, and the ones it writes. */
const READS = new Set(['--su', '--annotations', '--profile-file']);
const WRITES = new Set(['--output', '--report', '--out']);

/** Every command, subcommands included, as its argv prefix ("mm compare"). */
function commands(program: Command, prefix: string[] = []): { path: string[]; cmd: Command }[] {
  return program.commands.flatMap((c) => {
    const path = [...prefix, c.name()];
    return [{ path, cmd: c }, ...commands(c, path)];
  });
}

/** The `stacklab ...` commands of a text: `\` continuations joined, split at pipes and `&&`. */
export function exampleCommands(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.replace(/\s*\\\n\s*/g, ' ').split('\n')) {
    for (const segment of line.split(/\||&&|;/)) {
      // Two spaces or more end the command: what follows explains it.
      const words = (segment.trim().split(/\s{2,}/)[0] ?? '').split(/\s+/);
      const at = words[0] === 'npx' ? 1 : 0;
      if (words[at] === 'stacklab' && words.length > at + 1) out.push(words.slice(at + 1));
    }
  }
  return out;
}

/** Files an example reads that do not exist; `written` collects what it writes (for later lines). */
function missingFiles(program: Command, argv: string[], written: Set<string>): string[] {
  const all = commands(program);
  let cmd: Command | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const next = all.find(
      (c) => c.path.join(' ') === [...(cmd ? all.find((x) => x.cmd === cmd)!.path : []), argv[i]].join(' '),
    );
    if (!next) break;
    cmd = next.cmd;
  }
  if (cmd === undefined) return [`unknown command in "stacklab ${argv.join(' ')}"`];
  const options = [...cmd.options, ...(cmd.parent?.options ?? [])];
  const operands = cmd.registeredArguments.map((a) => a.name());
  const missing: string[] = [];
  const check = (file: string) => {
    if (file !== '-' && !written.has(file) && !existsSync(join(ROOT, file))) missing.push(file);
  };
  let operand = 0;
  for (; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '>' || w === '2>') {
      written.add(argv[++i]!);
      continue;
    }
    if (w.startsWith('-') && w !== '-') {
      const o = options.find((x) => x.long === w || x.short === w);
      if (o === undefined) return [`unknown option ${w} in "stacklab ${argv.join(' ')}"`];
      if (!(o.required || o.optional)) continue;
      const value = argv[++i]!;
      if (WRITES.has(o.long!)) written.add(value);
      else if (READS.has(o.long!)) check(value);
      continue;
    }
    const name = operands[Math.min(operand++, operands.length - 1)];
    // A scenario is a built-in name (mm's workloads, run's data/scenarios/) or a file.
    if (
      name?.toLowerCase() === 'scenario' &&
      ((MM_SCENARIOS as readonly string[]).includes(w) || builtinScenarios().includes(w))
    )
      continue;
    check(w);
  }
  return missing;
}

describe('examples name files that exist', () => {
  test('every command --help', async () => {
    const program = await buildProgram({ io: memoryIo(), exitCode: 0 });
    let checked = 0;
    const problems: string[] = [];
    for (const { path } of commands(program)) {
      const io = memoryIo();
      assert.equal(await main([...path, '--help'], io), 0);
      const written = new Set<string>();
      for (const argv of exampleCommands(io.stdout)) {
        checked++;
        for (const m of missingFiles(program, argv, written)) problems.push(`${path.join(' ')} --help: ${m}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(checked >= 25, `${checked} examples`);
  });

  test('README.md and examples/arm64/README.md', async () => {
    const program = await buildProgram({ io: memoryIo(), exitCode: 0 });
    const problems: string[] = [];
    let checked = 0;
    for (const readme of ['README.md', 'examples/arm64/README.md']) {
      const text = readFileSync(join(ROOT, readme), 'utf8');
      // Code blocks only: the command table shows placeholders (TABLE, ELF...).
      const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).join('\n');
      const written = new Set<string>();
      for (const argv of exampleCommands(blocks.replace(/#.*$/gm, ''))) {
        checked++;
        for (const m of missingFiles(program, argv, written)) problems.push(`${readme}: ${m}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(checked >= 6, `${checked} examples`);
  });

  test('the check sees a missing file, an output written earlier, and a scenario name', async () => {
    const program = await buildProgram({ io: memoryIo(), exitCode: 0 });
    const written = new Set<string>();
    assert.deepEqual(missingFiles(program, ['frames', 'vmlinux', '--su', 'x.su'], written), [
      'vmlinux',
      'x.su',
    ]);
    assert.deepEqual(
      missingFiles(program, ['mm', 'compare', 'build', '--json', '>', 'mm.json'], written),
      [],
    );
    assert.deepEqual(missingFiles(program, ['run', 'seed-dragonboard'], written), []);
    assert.deepEqual(missingFiles(program, ['run', 'qemu-6.1-nope'], written), ['qemu-6.1-nope']);
    assert.deepEqual(missingFiles(program, ['report', 'mm.json', '-o', 'r.html'], written), []);
    assert.deepEqual(exampleCommands('  cat x | stacklab analyze - \\\n   --json\n'), [
      ['analyze', '-', '--json'],
    ]);
  });
});
