// The CLI's one vocabulary: every command that has one of these options declares it through the
// function here, so the name, the value, the help text and the behaviour are the same everywhere
// (test/cli/contract.test.ts holds every command to it). Profile options live in profile-options.ts
// (they load the profile model, which `frames` does not need).
//
//   --format FMT     the one flag for the output format (--json is --format json)
//   --json           machine-readable output, JSON with a version field, on every command
//   -o, --output F   the output into one file, written atomically, instead of stdout
//   --out DIR        a folder of output files
//   --report F       an HTML report
//   --wide           everything, in lines as long as it takes (text output fits 100 columns)
import { type Command, Option } from 'commander';
import { fitText } from '../report/text-width.ts';
import type { CliContext } from './context.ts';
import type { Io } from './io.ts';

export const JSON_HELP = 'machine-readable output: JSON with a version field';
export const OUTPUT_HELP = 'write the output to FILE (atomically, once complete) instead of stdout';
export const OUT_DIR_HELP = 'write the output files into DIR (created if missing)';
export const REPORT_HELP = 'also write an HTML report to FILE';
export const SEED_HELP = 'seed of every random choice: the same seed gives the same bytes';
export const SCHEMA_HELP = 'print the JSON Schema of the files this command reads, and exit';
export const WIDE_HELP = 'everything, in lines as long as it takes (without it, text fits 100 columns)';

export function jsonOption(cmd: Command): Command {
  return cmd.option('--json', JSON_HELP);
}

/**
 * `--format <format>` with its formats (the first is the default) and `--json` for `--format json`
 * when json is one of them. Read it back with formatOf().
 */
export function formatOption(cmd: Command, formats: readonly string[], help: string): Command {
  cmd.addOption(new Option('--format <format>', `output format: ${help}`).choices(formats));
  return formats.includes('json') ? jsonOption(cmd) : cmd;
}

/** The format asked for: --json wins, then --format, then the first (default) format. */
export function formatOf(opts: { format?: string; json?: boolean }, formats: readonly string[]): string {
  if (opts.json && formats.includes('json')) return 'json';
  return opts.format ?? formats[0]!;
}

export function reportOption(cmd: Command): Command {
  return cmd.option('--report <file>', REPORT_HELP);
}

export function outDirOption(cmd: Command): Command {
  return cmd.option('--out <dir>', OUT_DIR_HELP);
}

/** `--seed <n>`; `fallback` is the default (a number's digits), or none when the input names its own. */
export function seedOption(cmd: Command, fallback?: string): Command {
  return fallback === undefined
    ? cmd.option('--seed <n>', SEED_HELP)
    : cmd.option('--seed <n>', SEED_HELP, fallback);
}

/** `--schema`: `run` and `sweep` publish the schema of their input files. */
export function schemaOption(cmd: Command): Command {
  return cmd.option('--schema', SCHEMA_HELP);
}

/** `--item N` of the commands that read whole logs (analyze, convert): the numbers analyze lists. */
export function itemOption(cmd: Command): Command {
  return cmd.option(
    '--item <N>',
    'item N of a log alone, in full (the numbers `stacklab analyze LOG` lists)',
  );
}

export function wideOption(cmd: Command): Command {
  return cmd.option('--wide', WIDE_HELP);
}

/** Text for a person: fitted to 100 columns (src/report/text-width.ts) unless --wide. */
export function printText(ctx: CliContext, text: string, opts: { wide?: boolean }): void {
  ctx.io.out(opts.wide ? text : fitText(text));
}

/**
 * An old spelling kept working: hidden from --help, its value goes to `target` unless that was given
 * too. `flags` is commander's ("--to <format>").
 */
export function aliasOption(cmd: Command, flags: string, target: string): Command {
  const alias = new Option(flags).hideHelp();
  const choices = cmd.options.find((o) => o.attributeName() === target)?.argChoices;
  if (choices) alias.choices(choices);
  cmd.addOption(alias);
  return cmd.hook('preAction', (self, action) => {
    const v = action.getOptionValue(alias.attributeName());
    if (self === action && v !== undefined && action.getOptionValueSource(target) !== 'cli')
      action.setOptionValueWithSource(target, v, 'cli');
  });
}

/**
 * An option's value on the command that runs, or on an ancestor where it was given (`mm -o F compare`:
 * mm declares the options of its subcommands so they parse before the subcommand's name).
 */
function given(action: Command, name: string): unknown {
  for (let c: Command | null = action; c !== null; c = c.parent) {
    if (c.getOptionValueSource(name) === 'cli') return c.getOptionValue(name);
  }
  return undefined;
}

/**
 * `-o, --output <file>`: what the command prints to stdout goes into FILE instead, written atomically
 * when the command has finished (a failed run leaves the file as it was). Checked before the work
 * starts. The command itself writes to ctx.io as always.
 */
export function outputOption(cmd: Command, ctx: CliContext): Command {
  let saved: Io | undefined;
  let chunks: string[] = [];
  return cmd
    .option('-o, --output <file>', OUTPUT_HELP)
    .hook('preAction', (self, action) => {
      const file = self === action ? (given(action, 'output') as string | undefined) : undefined;
      if (file === undefined) return;
      ctx.io.checkOutput(file, '--output');
      saved = ctx.io;
      chunks = [];
      const decoder = new TextDecoder();
      ctx.io = {
        ...saved,
        out: (text) => {
          chunks.push(text);
        },
        // Whole UTF-8 characters (Io.outBytes); the caller may reuse its buffer.
        outBytes: (data) => {
          chunks.push(decoder.decode(data));
        },
        stdoutIsTty: false,
      };
    })
    .hook('postAction', (self, action) => {
      const file = self === action ? (given(action, 'output') as string | undefined) : undefined;
      if (file === undefined || saved === undefined) return;
      ctx.io = saved;
      saved = undefined;
      ctx.io.writeFileAtomic(file, chunks.join(''));
      chunks = [];
      ctx.io.err(`stacklab: wrote ${file}\n`);
    });
}
