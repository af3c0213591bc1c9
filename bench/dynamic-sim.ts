// Dynamic kernel stacks in the simulator (issue 13), against a baseline measured in the same run:
//
//   baseline  the scenario under its profile with vmap stacks (stackAllocation as built in)
//   dynamic   the same run with stackAllocation=dynamic (the RFC's defaults), and with
//             unmapOnReturnToUser (every deep call faults again)
//
// Prints per run the CPU time, frame events per second and their ratio to the baseline (the hook's
// cost: one compare per push, a slow path per fault), and the dynamic stacks' faults/s, refills,
// refill failures and panics. Runs alternate (baseline, dynamic, unmap) DYN_SIM_REPS times; the
// ratio uses the fastest of each.
//
//   node --import tsx bench/dynamic-sim.ts                 # qemu-6.1-udp, 10 s simulated, 3 reps
//   DYN_SIM_SCENARIO=server-6.1 DYN_SIM_SECONDS=5 node --import tsx bench/dynamic-sim.ts
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runResult } from '../src/analyze/run.ts';
import { validateScenario } from '../src/kernel/sim/scenario.ts';
import { simulate } from '../src/kernel/sim/simulate.ts';
import { parseYamlInput } from '../src/kernel/sim/yaml-input.ts';
import { resolveProfile } from '../src/model/profiles.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'data/scenarios');
const name = process.env.DYN_SIM_SCENARIO ?? 'qemu-6.1-udp';
const seconds = Number(process.env.DYN_SIM_SECONDS ?? 10);
const reps = Number(process.env.DYN_SIM_REPS ?? 3);
const load = (f: string) => {
  const r = parseYamlInput(readFileSync(join(dir, f), 'utf8'), f, 'bench');
  if (!r.ok) throw new Error(r.error.message);
  return r.value.value;
};
const v = validateScenario(load(`${name}.yaml`), `${name}.yaml`, (n) => ({ ok: true, value: load(n) }));
if (!v.ok) throw new Error(v.error.message);
const scenario = v.value;

const variants = [
  { label: 'baseline (vmap)', sets: [] as string[] },
  { label: 'dynamic', sets: ['stackAllocation=dynamic'] },
  { label: 'dynamic + unmap', sets: ['stackAllocation=dynamic', 'dynamicStack.unmapOnReturnToUser=true'] },
];

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const best = variants.map(() => Number.POSITIVE_INFINITY);
const lines: string[] = variants.map(() => '');
for (let r = 0; r < reps; r++) {
  variants.forEach((x, i) => {
    const p = resolveProfile(scenario.profile, x.sets);
    if (!p.ok) throw new Error(p.error.message);
    const t0 = cpuMs();
    const raw = simulate({ scenario, profile: p.value, seed: 1, durationNs: seconds * 1e9 });
    const ms = cpuMs() - t0;
    const res = runResult(raw);
    if (ms < best[i]!) best[i] = ms;
    const d = res.dynamic;
    lines[i] =
      `${x.label.padEnd(16)} ${(raw.frameEvents / (best[i]! / 1000) / 1e6).toFixed(2)} M frame events/s` +
      (d
        ? `  faults ${d.faults} (${d.faultsPerSecond.toFixed(1)}/s), refills ${d.refills}, refill failures ${d.refillFailures}, panics ${d.panics}`
        : '');
  });
}
console.log(`${name} under ${scenario.profile}, ${seconds} s simulated, best CPU time of ${reps}`);
variants.forEach((_, i) => {
  console.log(`  ${lines[i]}  ${best[i]!.toFixed(0)} ms  ${(best[i]! / best[0]!).toFixed(3)}x baseline`);
});
