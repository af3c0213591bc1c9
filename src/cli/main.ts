// The composition root: argv -> command -> exit code. Nothing else in src/ may import this folder.
import { Command, CommanderError, Help, type Option } from 'commander';
import { AssertionFailed } from '../base/assert.ts';
import { InputError } from '../base/diag.ts';
import { type CliContext, UsageError } from './context.ts';
import { EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE } from './exit-codes.ts';
import { type Io, processIo } from './io.ts';

export const VERSION = '0.1.0';

/**
 * The program with its commands. When the command about to run is `frames`, only it is loaded: a
 * module tree run should not spend its start-up parsing every other command (and zod, yaml).
 */
export async function buildProgram(ctx: CliContext, command?: string): Promise<Command> {
  const program = new Command();
  program
    .name('stacklab')
    .description(
      'A laboratory for Linux kernel stacks on ARM64: per-CPU IRQ stacks, the ftrace stack tracer, ' +
        'stack sizes and what they cost in memory (the 2015 RFC "Implement IRQ stack on ARM64").',
    )
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.io.out(s),
      writeErr: (s) => ctx.io.err(s),
    })
    .configureHelp({
      // A repeatable option starts as an empty list: "(default: [])" tells the reader nothing.
      optionDescription(this: Help, option: Option): string {
        const d = option.defaultValue as unknown;
        if (Array.isArray(d) && d.length === 0 && option.defaultValueDescription === undefined)
          return option.description;
        return Help.prototype.optionDescription.call(this, option);
      },
    })
    .exitOverride();
  program.addHelpText(
    'after',
    `
Exit codes: 0 success (a simulated kernel panic is a result), 1 bad input, 2 bad usage, 3 internal error.
Every FILE may be "-" for stdin. Data goes to stdout, diagnostics to stderr.

Start with:  stacklab seed          the RFC's experiment end to end
             stacklab profiles      the kernel designs stacklab models`,
  );
  const commands =
    command === 'frames'
      ? [(await import('./commands/frames.ts')).registerFrames]
      : (await import('./commands/index.ts')).COMMANDS;
  for (const register of commands) register(program, ctx);
  for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

/**
 * The command argv names ("help X" names X), when it is not one of the program's: commander would
 * print the main help and exit 0 for "X --help" and dump the whole help for "help X".
 */
export function unknownCommand(program: Command, argv: readonly string[]): string | undefined {
  const name = argv[0] === 'help' ? argv[1] : argv[0];
  if (name === undefined || name.startsWith('-')) return undefined;
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  if (names.includes(name) || (name === 'help' && argv[0] === 'help')) return undefined;
  const closest = [...names].sort((a, b) => editDistance(name, a) - editDistance(name, b))[0];
  return `unknown command "${name}" (did you mean "${closest}"? commands: ${names.join(', ')})`;
}

/** Levenshtein distance (insert, delete, substitute; a swap of two letters counts as one). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const ctx: CliContext = { io, exitCode: EXIT_OK };
  const program = await buildProgram(ctx, argv[0]);
  const unknown = unknownCommand(program, argv);
  if (unknown !== undefined) {
    io.err(`stacklab: ${unknown}\n`);
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0)
        return EXIT_OK;
      // Everything else, "stacklab" without a command (help on stderr) included, is bad usage.
      return EXIT_USAGE;
    }
    // A progress line may be half drawn: the message starts on a clean line.
    if (io.stderrIsTty) io.err('\r\x1b[K');
    if (e instanceof UsageError) {
      io.err(`stacklab: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof InputError) {
      io.err(`${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    const msg = e instanceof AssertionFailed ? `internal error (a bug in stacklab): ${e.message}` : String(e);
    io.err(`stacklab: ${msg}\n${e instanceof Error && e.stack ? e.stack : ''}\n`);
    return EXIT_INTERNAL;
  }
}
