// Simulator throughput, against a baseline measured in the same run (DESIGN §6, issue 8):
//
//   baseline  a bare push/pop loop over the same typed arrays: the seed-dragonboard code model walked
//             depth first with the same PRNG decisions, each frame written to and popped from the
//             fast machine's frame array (9 fields), no time, no interrupts, no tracers, no statistics
//   sim       the full simulator (both tracers on, interrupts, softirqs, scheduling, statistics)
//
// Times are CPU time of this process (the machine is shared). Prints frame events per second of each and their ratio, and the CPU time of one simulated hour of
// seed-dragonboard on 4 CPUs (extrapolated from the run, or measured with SIM_HOUR=1).
//
//   node --import tsx bench/sim.ts                # 60 s simulated, 3 rounds (ROUNDS=N)
//   SIM_SECONDS=600 node --import tsx bench/sim.ts
//   SIM_HOUR=1 node --import tsx bench/sim.ts     # a whole simulated hour
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runResult } from '../src/analyze/run.ts';
import { RngStreams } from '../src/engine/streams.ts';
import { CompiledModel, ST_CALL } from '../src/kernel/sim/compiled.ts';
import { F, MAX_FRAMES } from '../src/kernel/sim/fast-machine.ts';
import { validateScenario } from '../src/kernel/sim/scenario.ts';
import { simulate } from '../src/kernel/sim/simulate.ts';
import { parseYamlInput } from '../src/kernel/sim/yaml-input.ts';
import { resolveProfile } from '../src/model/profiles.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'data/scenarios');
const load = (f: string) => {
  const r = parseYamlInput(readFileSync(join(dir, f), 'utf8'), f, 'bench');
  if (!r.ok) throw new Error(r.error.message);
  return r.value.value;
};
const v = validateScenario(load('seed-dragonboard.yaml'), 'seed-dragonboard.yaml', (n) => ({
  ok: true,
  value: load(n),
}));
if (!v.ok) throw new Error(v.error.message);
const scenario = v.value;
const profileR = resolveProfile(scenario.profile);
if (!profileR.ok) throw new Error(profileR.error.message);
const profile = profileR.value;

/** The bare loop: frames pushed and popped over the same arrays, the same call decisions, nothing else. */
function bare(events: number): { events: number; ms: number } {
  const code = new CompiledModel(scenario.codeModel);
  const rng = new RngStreams(1).stream('cpu', 0);
  const frames = new Int32Array(MAX_FRAMES * F);
  const root = code.index.get(scenario.tasks[0]!.syscalls[0]!.call)!;
  const fnStack = new Int32Array(MAX_FRAMES);
  const stepStack = new Int32Array(MAX_FRAMES);
  const repStack = new Int32Array(MAX_FRAMES);
  const { stepStart, stKind, stArg, stArg2, stThreshold, frame } = code;
  let n = 0;
  let depth = 0;
  let done = 0;
  const t0 = cpuMs();
  while (done < events) {
    // push root
    let sp = 0;
    fnStack[0] = root;
    stepStack[0] = stepStart[root]!;
    repStack[0] = -1;
    frames[0] = root;
    frames[2] = frame[root]!;
    depth = frame[root]!;
    n = 1;
    done++;
    while (sp >= 0) {
      const fn = fnStack[sp]!;
      const st = stepStack[sp]!;
      if (st >= stepStart[fn + 1]!) {
        n--;
        depth -= frames[n * F + 2]!;
        done++;
        sp--;
        continue;
      }
      if (stKind[st] !== ST_CALL) {
        stepStack[sp] = st + 1;
        continue;
      }
      if (repStack[sp]! < 0) repStack[sp] = stArg2[st]!;
      let called = false;
      while (repStack[sp]! > 0) {
        repStack[sp]!--;
        const thr = stThreshold[st]!;
        if (thr >= 4294967296 || rng.nextU32() < thr) {
          const callee = stArg[st]!;
          const o = n * F;
          frames[o] = callee;
          frames[o + 1] = callee;
          frames[o + 2] = frame[callee]!;
          frames[o + 3] = 0;
          frames[o + 4] = 0;
          frames[o + 5] = depth;
          frames[o + 6] = 1;
          frames[o + 7] = st;
          frames[o + 8] = -1;
          depth += frame[callee]!;
          n++;
          done++;
          sp++;
          fnStack[sp] = callee;
          stepStack[sp] = stepStart[callee]!;
          repStack[sp] = -1;
          called = true;
          break;
        }
      }
      if (!called) {
        stepStack[sp] = st + 1;
        repStack[sp] = -1;
      }
    }
  }
  return { events: done, ms: cpuMs() - t0 };
}

/** CPU time of this process (user + system), ms: other processes on a shared machine do not count. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const seconds = process.env.SIM_HOUR ? 3600 : Number(process.env.SIM_SECONDS ?? 60);
const rounds = Math.max(1, Number(process.env.ROUNDS ?? (process.env.SIM_HOUR ? 1 : 3)));
// Warm both up (JIT), then measure: the rounds alternate the baseline and the simulator, so a
// neighbour's burst on the shared machine slows both in the same round; each rate is its best round.
bare(2e6);
simulate({ scenario, profile, seed: 1, durationNs: 1e9 });
const bareRates: number[] = [];
const simRates: number[] = [];
const simMs: number[] = [];
let out: ReturnType<typeof simulate> | undefined;
for (let k = 0; k < rounds; k++) {
  const b = bare(1e8);
  bareRates.push(b.events / b.ms / 1e3);
  const t0 = cpuMs();
  out = simulate({ scenario, profile, seed: 1, durationNs: seconds * 1e9 });
  const ms = cpuMs() - t0;
  simMs.push(ms);
  simRates.push(out.frameEvents / ms / 1e3);
}
const r = runResult(out!);
const bareRate = Math.max(...bareRates);
const simRate = Math.max(...simRates);
const ms = Math.min(...simMs);
const list = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
console.log(
  `scenario seed-dragonboard under ${profile.id}, ${scenario.cpus} CPUs, ${seconds} s simulated, both tracers on, best of ${rounds} alternated rounds`,
);
console.log(
  `baseline bare push/pop loop: ${bareRate.toFixed(1)} M frame events/s (rounds: ${list(bareRates)})`,
);
console.log(
  `simulator:                   ${simRate.toFixed(1)} M frame events/s (rounds: ${list(simRates)}; ${out!.frameEvents} events a round)`,
);
console.log(
  `ratio baseline/simulator:    ${(bareRate / simRate).toFixed(2)}x (round by round: ${bareRates.map((b, i) => (b / simRates[i]!).toFixed(2)).join(', ')})`,
);
console.log(
  `one simulated hour on ${scenario.cpus} CPUs: ${((ms / seconds) * 3.6).toFixed(1)} s of CPU${seconds === 3600 ? ' (measured)' : ' (extrapolated)'}`,
);
console.log(
  `(deepest task stack ${r.maxDepth.task} B, ftrace stack_max_size ${r.ftrace.stackMaxSize}, ${r.overflow.count} overflows)`,
);
