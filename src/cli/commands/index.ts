// The command table: one file per verb, registered in the order `stacklab --help` lists them.
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerAnalyze } from './analyze.ts';
import { registerConvert } from './convert.ts';
import { registerFrames } from './frames.ts';
import { registerImport } from './import.ts';
import { registerMerge } from './merge.ts';
import { registerMm } from './mm.ts';
import { registerPaths } from './paths.ts';
import { registerProfiles } from './profiles.ts';
import { registerReplay } from './replay.ts';
import { registerReport } from './report.ts';
import { registerRun } from './run.ts';
import { registerSeed } from './seed.ts';
import { registerSweep } from './sweep.ts';

export type RegisterCommand = (program: Command, ctx: CliContext) => void;

export const COMMANDS: RegisterCommand[] = [
  registerSeed,
  registerProfiles,
  registerReplay,
  registerRun,
  registerImport,
  registerSweep,
  registerMerge,
  registerAnalyze,
  registerMm,
  registerFrames,
  registerPaths,
  registerReport,
  registerConvert,
];
