// One vocabulary for the CLI (src/cli/shared-options.ts, profile-options.ts): every command's options
// are read from the program itself, and an option two commands share has the same name, value and
// help text; every command has --json and -o FILE; the commands that take a profile share the
// profile options; the README's command table matches the CLI.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import type { Command, Option } from 'commander';
import { memoryIo } from '../../src/cli/io.ts';
import { buildProgram, main } from '../../src/cli/main.ts';
import { PROFILE_FILE_HELP, PROFILE_HELP, SET_HELP, SOURCE_HELP } from '../../src/cli/profile-options.ts';
import { JSON_HELP, OUTPUT_HELP } from '../../src/cli/shared-options.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SEED = join(ROOT, 'data/seed/stack_trace-rfc-2015.txt');
/** Commands that read a stack_trace table, and so take --source. */
const TABLE_READERS = ['replay', 'analyze', 'convert'];

interface Cmd {
  readonly path: string;
  readonly cmd: Command;
  /** Its options and, for a subcommand of mm, the ones mm declares for it. */
  readonly options: readonly Option[];
}

async function allCommands(): Promise<Cmd[]> {
  const program = await buildProgram({ io: memoryIo(), exitCode: 0 });
  const out: Cmd[] = [];
  const visit = (c: Command, prefix: string) => {
    for (const sub of c.commands) {
      const path = prefix ? `${prefix} ${sub.name()}` : sub.name();
      out.push({ path, cmd: sub, options: sub.options });
      visit(sub, path);
    }
  };
  visit(program, '');
  return out;
}

/** What makes two spellings of an option the same: flags (name, short form, value) and repeatability. */
function shape(o: Option): string {
  const repeatable = Array.isArray(o.defaultValue);
  return `${o.flags}${o.required ? ' (value)' : ''}${repeatable ? ' (repeatable)' : ''}`;
}

async function run(argv: string[], io = memoryIo()) {
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr, written: io.written };
}

describe('one vocabulary', () => {
  test('an option two commands share has the same flags, value, repeatability and help text', async () => {
    const byFlag = new Map<string, { path: string; o: Option }[]>();
    for (const c of await allCommands())
      for (const o of c.options) {
        if (o.hidden || o.long === undefined) continue;
        byFlag.set(o.long, [...(byFlag.get(o.long) ?? []), { path: c.path, o }]);
      }
    const problems: string[] = [];
    let shared = 0;
    for (const [flag, uses] of byFlag) {
      if (uses.length < 2) continue;
      shared++;
      // mm's --set overrides device fields, not profile fields: the same shape, its own text.
      const groups =
        flag === '--set'
          ? [uses.filter((u) => !u.path.startsWith('mm')), uses.filter((u) => u.path.startsWith('mm'))]
          : [uses];
      for (const group of groups) {
        const [first, ...rest] = group;
        if (first === undefined) continue;
        for (const u of rest) {
          if (shape(u.o) !== shape(first.o))
            problems.push(`${flag}: "${shape(u.o)}" in ${u.path}, "${shape(first.o)}" in ${first.path}`);
          // --format lists the formats of its command; the rest reads the same everywhere.
          const text = (o: Option) =>
            flag === '--format' ? o.description.replace(/:.*/, ':') : o.description;
          if (text(u.o) !== text(first.o))
            problems.push(
              `${flag}: help "${u.o.description}" in ${u.path}, "${first.o.description}" in ${first.path}`,
            );
        }
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(shared >= 10, `${shared} shared options: the scan is broken`);
  });

  test('every command has --json and -o FILE; --format comes with --json', async () => {
    for (const c of await allCommands()) {
      const json = c.options.find((o) => o.long === '--json');
      assert.equal(json?.description, JSON_HELP, `${c.path} --json`);
      const output = c.options.find((o) => o.long === '--output');
      assert.equal(output?.short, '-o', `${c.path} -o`);
      assert.equal(output.description, OUTPUT_HELP, `${c.path} -o`);
    }
  });

  test('the commands that take a profile share --profile, --set, --profile-file; table readers --source', async () => {
    const takers = (await allCommands()).filter((c) => c.options.some((o) => o.long === '--profile'));
    assert.deepEqual(takers.map((c) => c.path).sort(), [
      'analyze',
      'convert',
      'paths',
      'profiles',
      'replay',
      'run',
    ]);
    for (const c of takers) {
      const o = (long: string) => c.options.find((x) => x.long === long);
      assert.equal(o('--profile')?.description, PROFILE_HELP, c.path);
      assert.equal(o('--profile')?.short, '-p', c.path);
      assert.ok(o('--profile')?.defaultValueDescription, `${c.path}: say what no --profile means`);
      assert.equal(o('--set')?.description, SET_HELP, c.path);
      assert.equal(o('--profile-file')?.description, PROFILE_FILE_HELP, c.path);
      assert.equal(
        o('--source')?.description,
        TABLE_READERS.includes(c.path) ? SOURCE_HELP : undefined,
        c.path,
      );
    }
  });

  test('old spellings still work: convert --to is --format', async () => {
    const to = await run(['convert', SEED, '--to', 'speedscope']);
    const format = await run(['convert', SEED, '--format', 'speedscope']);
    assert.equal(to.code, 0, to.err);
    assert.equal(to.out, format.out);
    assert.equal((await run(['convert', SEED, '--to', 'nope'])).code, 2);
    // --json is --format json wherever there is a --format.
    assert.equal(
      (await run(['replay', SEED, '--json'])).out,
      (await run(['replay', SEED, '--format', 'json'])).out,
    );
    assert.equal(JSON.parse((await run(['convert', SEED, '--json'])).out).kind, 'stacklab.convert');
  });

  test('-o FILE holds exactly what stdout would; nothing is written when the command fails', async () => {
    const frames = ['frames', join(ROOT, 'examples/arm64/mini-kernel')];
    for (const argv of [['profiles'], ['replay', SEED, '--json'], frames, ['mm', 'devices', '--json']]) {
      const plain = await run(argv);
      const filed = await run([...argv, '-o', '/tmp/stacklab-contract.out']);
      assert.equal(filed.code, 0, filed.err);
      assert.equal(filed.out, '', argv.join(' '));
      assert.equal(filed.written.get('/tmp/stacklab-contract.out'), plain.out, argv.join(' '));
      assert.match(filed.err, /stacklab: wrote \/tmp\/stacklab-contract\.out/);
    }
    const bad = await run(['replay', '/nonexistent', '-o', '/tmp/stacklab-contract.out']);
    assert.equal(bad.code, 1);
    assert.equal(bad.written.size, 0);
    const dir = await run(['profiles', '-o', ROOT]);
    assert.equal(dir.code, 1, 'a directory is not an output file');
    assert.match(dir.err, /--output: cannot write .*: is a directory/);
  });

  test('report: the page goes to -o FILE or to a redirected stdout, not to a terminal', async () => {
    const replay = await run(['replay', SEED, '-p', 'linux-6.1', '--json']);
    const tty = Object.assign(memoryIo({ '/r.json': replay.out }), { stdoutIsTty: true });
    const r = await run(['report', '/r.json'], tty);
    assert.equal(r.code, 2);
    assert.match(r.err, /-o FILE\.html/);
    const j = await run(['report', '/r.json', '--json'], memoryIo({ '/r.json': replay.out }));
    assert.equal(j.code, 0, j.err);
    const doc = JSON.parse(j.out);
    assert.equal(doc.kind, 'stacklab.report');
    assert.deepEqual(
      doc.results.map((x: { file: string; kind: string }) => [x.file, x.kind]),
      [['/r.json', 'stacklab.replay']],
    );
  });
});

/** The README's command table: one row per command, its synopsis in the first cell. */
function readmeRows(): { synopsis: string; words: { w: string; optional: boolean }[] }[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = text.slice(
    text.indexOf('## Commands'),
    text.indexOf('\n## ', text.indexOf('## Commands') + 3),
  );
  const rows: { synopsis: string; words: { w: string; optional: boolean }[] }[] = [];
  for (const m of section.matchAll(/^\| `(stacklab [^`]*)`/gm)) {
    const synopsis = m[1]!.replaceAll('\\|', '|');
    const words: { w: string; optional: boolean }[] = [];
    let depth = 0;
    for (const raw of synopsis.split(/\s+/).slice(1)) {
      let w = raw;
      const opens = (w.match(/\[/g) ?? []).length;
      const closes = (w.match(/\]/g) ?? []).length;
      w = w.replace(/[[\]]/g, '');
      depth += opens;
      if (w !== '') words.push({ w, optional: depth > 0 });
      depth -= closes;
    }
    rows.push({ synopsis, words });
  }
  return rows;
}

describe("the README's command table matches the CLI", () => {
  test('a row per command; each flag exists; required ones and only they are outside brackets', async () => {
    const commands = await allCommands();
    const rows = readmeRows();
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      // The command: the longest run of words naming one.
      let c: Cmd | undefined;
      let i = 0;
      for (let n = 1; n <= row.words.length; n++) {
        const found = commands.find(
          (x) =>
            x.path ===
            row.words
              .slice(0, n)
              .map((w) => w.w)
              .join(' '),
        );
        if (found) [c, i] = [found, n];
      }
      if (c === undefined) {
        problems.push(`no such command: ${row.synopsis}`);
        continue;
      }
      seen.add(c.path);
      const options = [...c.options, ...(c.cmd.parent?.options ?? [])];
      const args = c.cmd.registeredArguments;
      const positionals: { w: string; optional: boolean }[] = [];
      for (; i < row.words.length; i++) {
        const { w, optional } = row.words[i]!;
        if (!w.startsWith('-')) {
          positionals.push({ w, optional });
          continue;
        }
        const o = options.find((x) => x.long === w || x.short === w);
        if (o === undefined) {
          problems.push(`${row.synopsis}: ${c.path} has no ${w}`);
          continue;
        }
        if (o.mandatory !== !optional)
          problems.push(
            `${row.synopsis}: ${w} is ${o.mandatory ? 'required' : 'optional'} (brackets: ${optional})`,
          );
        if (o.required || o.optional) i++;
      }
      const want = args.map((a) => a.required);
      if (positionals.length !== args.length || positionals.some((p, k) => p.optional === want[k]))
        problems.push(
          `${row.synopsis}: arguments ${positionals.map((p) => (p.optional ? `[${p.w}]` : p.w)).join(' ')}; ` +
            `the CLI has ${args.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' ')}`,
        );
      for (const o of c.options)
        if (o.mandatory && !row.words.some((w) => w.w === o.long || w.w === o.short))
          problems.push(`${row.synopsis}: the required ${o.long} is missing`);
    }
    for (const c of commands)
      if (!seen.has(c.path)) problems.push(`README.md has no row for "stacklab ${c.path}"`);
    assert.deepEqual(problems, []);
    assert.ok(rows.length >= 12, `${rows.length} rows`);
  });
});

describe('unknown commands', () => {
  test('are exit 2 with "unknown command" and the closest match, whatever follows; never the main help', async () => {
    for (const argv of [
      ['nosuch'],
      ['nosuch', '--help'],
      ['help', 'nosuch'],
      ['repaly', 'x.txt'],
      ['sweeep', '--help'],
    ]) {
      const r = await run(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.out, '', argv.join(' '));
      assert.match(
        r.err,
        /^stacklab: unknown command "\w+" \(did you mean "\w+"\? commands: seed, profiles, /,
      );
      assert.equal(r.err.split('\n').length, 2, 'one line, not the whole help');
    }
    assert.match((await run(['repaly'])).err, /did you mean "replay"\?/);
    assert.match((await run(['help', 'porfiles'])).err, /did you mean "profiles"\?/);
  });

  test('known ones still give their help, exit 0', async () => {
    for (const argv of [
      ['help', 'replay'],
      ['replay', '--help'],
      ['mm', 'compare', '--help'],
      ['sweep', '--help'],
      ['merge', '--help'],
      ['--help'],
      ['help'],
    ]) {
      const r = await run(argv);
      assert.equal(r.code, 0, `${argv.join(' ')}: ${r.err}`);
      assert.match(r.out, /^Usage: stacklab/, argv.join(' '));
    }
  });
});
