// The shape `stacklab report` needs of each --json result it renders, checked with zod before any
// renderer touches it: a hand-edited or truncated result names its first missing or wrong field
// ("replay.profiles[0].verdicts: expected array") instead of failing inside a renderer. Only the
// fields the renderers read are listed; everything else passes through.
import { z } from 'zod';
import { DEVICE_IDS } from '../device/devices.ts';
import { STACK_STRATEGIES } from '../device/kernel-stacks.ts';
import { SCENARIO_IDS } from '../device/workloads.ts';
import { KERNEL_MODES } from '../mm/migratetype.ts';

const num = z.number();
const str = z.string();

const ProfileReplay = z.looseObject({
  profile: str,
  title: str,
  reproducesInput: z.boolean().nullable(),
  verdicts: z.array(z.looseObject({ stack: str, size: num, used: num, margin: num, how: str })),
  combinedMax: num,
  frames: z.array(
    z.looseObject({
      name: str,
      stack: str,
      depth: num,
      size: num,
      context: z.enum(['task', 'softirq', 'hardirq']),
    }),
  ),
  ftrace: z.looseObject({ text: str, entries: num, maxDepth: num, samplesIgnored: num }),
  notes: z.array(str),
});

const Replay = z.looseObject({
  input: z.looseObject({ file: str, entries: num, maxDepth: num, sourceEra: str, sourceWhy: str }),
  reading: z.array(str),
  profiles: z.array(ProfileReplay),
  diagnostics: z.array(z.looseObject({ code: str, message: str, line: num.optional() })),
});

const Seed = z.looseObject({
  seed: z.looseObject({ source: str, entries: num, maxDepth: num }),
  replay: Replay,
  checks: z.array(z.looseObject({ ok: z.boolean(), claim: str, detail: str })),
  sections: z.array(z.looseObject({ title: str, text: str })),
});

const MmRun = z.looseObject({
  device: str,
  mode: z.enum(KERNEL_MODES),
  stacks: z.enum(STACK_STRATEGIES),
  scenario: z.enum(SCENARIO_IDS),
  seed: num,
  agedWith: z.enum(STACK_STRATEGIES),
  warmup: num,
  measuredSeconds: num,
  watermarks: z.looseObject({ minFreeKbytes: num, min: num, low: num, high: num }),
  forks: z.looseObject({
    measured: num,
    failed: num,
    slowpath: num,
    latencyUs: z.looseObject({ p50: num, p90: num, p99: num, p999: num, max: num, mean: num }),
  }),
  stackAllocs: z.looseObject({
    allocs: num,
    slowpath: num,
    compactStalls: num,
    directReclaims: num,
    cacheHits: num,
  }),
  window: z.record(str, num),
  zone: z.looseObject({
    unusableIndex: z.array(num),
    extfragIndex: z.array(num),
    blockTypes: z.array(str),
    blockCounts: z.array(num),
    mixedCounts: z.array(num),
  }),
  memory: z.looseObject({
    freePages: num,
    pcpPages: num,
    anonPages: num,
    filePages: num,
    slabUnreclaimablePages: num,
    slabReclaimablePages: num,
    zramPoolPages: num,
    zramStoredPages: num,
    kernelStackPages: num,
    liveTasks: num,
    liveProcs: num,
  }),
  background: z.looseObject({ kswapdCpuMs: num, kcompactdCpuMs: num }),
  invariantViolations: z.array(str),
});

const MmCompare = z.looseObject({
  device: z.enum(DEVICE_IDS),
  overrides: z.array(str),
  mode: z.enum(KERNEL_MODES),
  scenario: z.enum(SCENARIO_IDS),
  seed: num,
  forks: num,
  warmup: num,
  agedWith: z.enum(STACK_STRATEGIES),
  agedSeconds: num,
  runs: z.array(MmRun),
});

/** The schema of each kind with a renderer of its own; the others are shown as their JSON. */
export const RESULT_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  'stacklab.seed': Seed,
  'stacklab.replay': Replay,
  'stacklab.mm.run': z.looseObject({ result: MmRun }),
  'stacklab.mm.compare': z.looseObject({ result: MmCompare }),
  'stacklab.analyze.stack-trace': z.looseObject({ data: Replay, text: str.optional() }),
  'stacklab.analyze': z.looseObject({ data: z.unknown(), text: str.optional() }),
};

/** The first problem with a document's shape, in words, or undefined when it has the shape. */
export function shapeProblem(kind: string, doc: unknown): { message: string; expected?: string } | undefined {
  const schema =
    RESULT_SCHEMAS[kind] ??
    (kind.startsWith('stacklab.analyze.') ? RESULT_SCHEMAS['stacklab.analyze'] : undefined);
  if (schema === undefined) return undefined;
  const r = schema.safeParse(doc);
  if (r.success) return undefined;
  const issue = r.error.issues[0]!;
  const field = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`))
    .join('');
  const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
  if (missing)
    return {
      message: `field ${field} is missing`,
      expected: article(String((issue as { expected?: unknown }).expected)),
    };
  return { message: `field ${field || '(top)'}: ${issue.message.replace(/^Invalid (input|option): /, '')}` };
}

function article(type: string): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}
