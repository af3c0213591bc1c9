// `stacklab seed`: the RFC's experiment end to end on embedded defaults.
import type { Command } from 'commander';
import { parseFtraceStackTrace, printFtraceStackTrace } from '../../formats/ftrace-stack-trace.ts';
import { SEED_SOURCE, SEED_STACK_TRACE } from '../../model/seed-table.ts';
import type { CliContext } from '../context.ts';

export function registerSeed(program: Command, ctx: CliContext): void {
  program
    .command('seed')
    .description("the main job: the RFC's experiment end to end on embedded defaults")
    .action(() => {
      const parsed = parseFtraceStackTrace(SEED_STACK_TRACE, 'seed');
      const table = parsed.value?.tables[0];
      if (!table) throw new Error('embedded seed table does not parse');
      ctx.io.out(`seed: ${SEED_SOURCE}\n\n${printFtraceStackTrace(table)}`);
      ctx.io.out('\n(replay under the other profiles lands with the stack machine)\n');
    });
}
