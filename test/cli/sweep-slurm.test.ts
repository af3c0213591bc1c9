// The example sweep as a real Slurm job array: the test starts a one-node Slurm of its own (munged,
// slurmctld, slurmd on a temporary slurm.conf naming this host, state and spool folders in a
// temporary directory), submits examples/sweeps/slurm-array.sbatch with `sbatch --array`, merges the
// shards and checks the result against a single-process `stacklab sweep` byte for byte. Every daemon
// it started is stopped by its process id. It skips, saying why, only where the daemons cannot start.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { needs, tool } from '../debian-packages.ts';
import { ROOT, removeAll, smallSweep, stacklab, sweepJson, tempDir } from './sweep-helpers.ts';

const MUNGED = tool('munged');
const MUNGEKEY = tool('mungekey');
const SLURMCTLD = tool('/usr/sbin/slurmctld-wlm');
const SLURMD = tool('/usr/sbin/slurmd-wlm');
const SBATCH = tool('sbatch');
const SINFO = tool('sinfo');

const SHARDS = 3;

interface Cluster {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly daemons: ChildProcess[];
  /** Each daemon's output file. */
  readonly logs: Map<ChildProcess, string>;
}

function slurmConf(dir: string, port: number): string {
  const host = hostname().split('.')[0]!;
  return `# One node, root only, nothing outside ${dir}.
ClusterName=stacklab-test
SlurmctldHost=${host}
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${port}
SlurmdPort=${port + 1}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${dir}/munge/munge.socket
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd.pid
SlurmctldLogFile=${dir}/slurmctld.log
SlurmdLogFile=${dir}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=${host} CPUs=2 State=UNKNOWN
PartitionName=test Nodes=${host} Default=YES MaxTime=INFINITE State=UP
`;
}

/** Spawn options for a daemon: the cluster's environment, its output into `log`. */
function logTo(cluster: Cluster, log: string) {
  const fd = openSync(join(cluster.dir, log), 'a');
  return { env: cluster.env, stdio: ['ignore', fd, fd] as ['ignore', number, number] };
}

function daemon(cluster: Cluster, p: ChildProcess, log: string): void {
  cluster.daemons.push(p);
  cluster.logs.set(p, log);
}

async function stopAll(cluster: Cluster): Promise<void> {
  // slurmd and slurmctld first, munged (which they talk to) last; each by the pid the test started.
  for (const p of [...cluster.daemons].reverse()) {
    if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) continue;
    const exited = new Promise((r) => p.once('exit', r));
    process.kill(p.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (p.exitCode === null && p.pid !== undefined) process.kill(p.pid, 'SIGKILL');
    }, 10_000);
    await exited;
    clearTimeout(timer);
  }
}

function tail(dir: string, file: string): string {
  try {
    return readFileSync(join(dir, file), 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return `(no ${file})`;
  }
}

/** Starts the cluster; the reason when it cannot (not root, a daemon that does not come up). */
async function startCluster(cluster: Cluster): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'slurmd must run as root to start jobs, and this is not root';
  const { dir, env } = cluster;
  for (const d of ['state', 'spool', 'munge']) mkdirSync(join(dir, d), { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'munge'), 0o755);
  execFileSync(MUNGEKEY, ['--create', `--keyfile=${dir}/munge/munge.key`], { stdio: 'ignore' });
  chmodSync(join(dir, 'munge/munge.key'), 0o400);
  const port = 20000 + (process.pid % 20000);
  writeFileSync(join(dir, 'slurm.conf'), slurmConf(dir, port));
  daemon(
    cluster,
    spawn(
      MUNGED,
      [
        '-F',
        '--force',
        `--socket=${dir}/munge/munge.socket`,
        `--key-file=${dir}/munge/munge.key`,
        `--pid-file=${dir}/munge/munged.pid`,
        `--log-file=${dir}/munge/munged.log`,
        `--seed-file=${dir}/munge/seed`,
      ],
      logTo(cluster, 'munged.out'),
    ),
    'munged.out',
  );
  await new Promise((r) => setTimeout(r, 500));
  const conf = join(dir, 'slurm.conf');
  daemon(cluster, spawn(SLURMCTLD, ['-D', '-f', conf], logTo(cluster, 'slurmctld.out')), 'slurmctld.out');
  daemon(cluster, spawn(SLURMD, ['-D', '-f', conf], logTo(cluster, 'slurmd.out')), 'slurmd.out');
  const t0 = Date.now();
  while (Date.now() - t0 < 30_000) {
    await new Promise((r) => setTimeout(r, 500));
    const dead = cluster.daemons.find((p) => p.exitCode !== null);
    if (dead !== undefined)
      return `${dead.spawnfile} exited with ${dead.exitCode}: ${tail(dir, cluster.logs.get(dead) ?? '')}`;
    try {
      const state = execFileSync(SINFO, ['-h', '-o', '%t'], { env, encoding: 'utf8' }).trim();
      if (state === 'idle') return undefined;
    } catch {
      // slurmctld not listening yet.
    }
  }
  return `the node did not become idle in 30 s: ${tail(dir, 'slurmctld.log')} / ${tail(dir, 'slurmd.log')}`;
}

describe('a sweep as a real Slurm job array', needs('slurmctld', 'slurmd', 'slurm-client', 'munge'), () => {
  const made: string[] = [];
  const dir = tempDir('slurm', made);
  const cluster: Cluster = {
    dir,
    env: { ...process.env, SLURM_CONF: join(dir, 'slurm.conf') },
    daemons: [],
    logs: new Map(),
  };
  after(async () => {
    await stopAll(cluster);
    removeAll(made);
  });

  test(`sbatch --array=0-${SHARDS - 1} examples/sweeps/slurm-array.sbatch, merged: the single run's bytes`, async (t) => {
    const why = await startCluster(cluster);
    if (why !== undefined) {
      t.skip(`one-node Slurm did not start: ${why}`);
      return;
    }
    const work = tempDir('slurm-sweep', made);
    const sweep = smallSweep(work, '100ms', 2);
    const single = await stacklab(['sweep', sweep, '--out', join(work, 'single'), '--workers', '2']);
    assert.equal(single.code, 0, single.err);
    const out = join(work, 'array');
    // --wait: sbatch returns when every array task has ended, with the array's exit code.
    const submitted = execFileSync(
      SBATCH,
      [
        '--wait',
        `--array=0-${SHARDS - 1}`,
        '--cpus-per-task=1',
        `--chdir=${ROOT}`,
        `--output=${work}/task-%a.out`,
        join(ROOT, 'examples/sweeps/slurm-array.sbatch'),
      ],
      { env: { ...cluster.env, SWEEP: sweep, OUT: out }, encoding: 'utf8', timeout: 300_000 },
    );
    assert.match(submitted, /Submitted batch job \d+/);
    for (let i = 0; i < SHARDS; i++) {
      const log = readFileSync(join(work, `task-${i}.out`), 'utf8');
      assert.match(log, new RegExp(`shard ${i}/${SHARDS}: [0-9]+ of 9 points`), log);
    }
    const dirs = Array.from({ length: SHARDS }, (_, i) => join(out, `shard-${i}`));
    const merged = await stacklab(['merge', ...dirs, '--out', join(out, 'all')]);
    assert.equal(merged.code, 0, merged.err);
    assert.equal(sweepJson(join(out, 'all')), sweepJson(join(work, 'single')));
  });
});
