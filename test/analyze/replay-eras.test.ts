// The eras of issue 10 against the kernels booted here: each rule with the source line it comes
// from, and the task/IRQ split each profile predicts against what the captures measured.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { Chain, ChainItem } from '../../src/analyze/chain.ts';
import { replayChain } from '../../src/analyze/replay.ts';
import { replayStackTraceText } from '../../src/analyze/replay-table.ts';
import { candidateSourceEras } from '../../src/analyze/source-era.ts';
import { parseFtraceStackTrace } from '../../src/formats/ftrace-stack-trace.ts';
import type { KernelProfile } from '../../src/model/profile.ts';
import { PROFILES, resolveProfile } from '../../src/model/profiles.ts';
import { generatedChain } from './generated-chain.ts';

const FIX = new URL('../fixtures/', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, FIX), 'utf8');
const profile = (id: string, sets: string[] = []): KernelProfile => {
  const r = resolveProfile(id, sets);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
};
const replay = (file: string, ids: string[]) => {
  const r = replayStackTraceText(
    read(file),
    file,
    ids.map((i) => profile(i)),
  );
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
};
const by = (out: ReturnType<typeof replay>, id: string) => out.results.find((x) => x.profile.id === id)!;
const on = (res: ReturnType<typeof by>, name: string) => res.placement.find((f) => f.name === name)?.stack;

const RUNS: Record<string, string[]> = {
  'arm64-6.1-qemu': ['udp-512M', 'fork-256M'],
  'arm64-6.12-qemu': ['udp-512M', 'tcp-512M', 'fork-512M', 'fs-512M', 'boot-512M'],
  'arm64-6.1-rt-qemu': ['udp-512M', 'tcp-512M', 'fork-512M', 'fs-512M'],
  'arm64-6.1-pac-qemu': ['udp-cpumax-pac-512M', 'tcp-cpumax-pac-512M', 'fork-cpumax-pac-512M'],
  // Repeat captures of udp-512M with the tracer on (the others, notr and count2, left it off).
  'arm64-6.1-qemu/repeats': [
    ...[
      'rep2',
      'rep3',
      'rep4',
      'd1',
      'd2',
      'd3',
      'd4',
      'd5',
      'd6',
      'tr1',
      'tr2',
      'count1',
      'nok1',
      'nok2',
      'nok3',
    ].map((r) => `udp-${r}-512M`),
  ],
};
/** Repeat captures with the stack tracer off during the workload: a table of 0 entries. */
const TRACER_OFF = ['udp-notr1-512M', 'udp-notr2-512M', 'udp-notr3-512M', 'udp-count2-512M'];

/** The deepest IRQ stack kscan found through /proc/kcore (the "# summary ... max=" line). */
function irqHighWater(folder: string, run: string): number {
  const m = /# summary .* max=(\d+)/.exec(read(`${folder}/${run}/irqstack_highwater.txt`));
  assert.ok(m, `${folder}/${run}: no summary line`);
  return Number(m[1]);
}

/** func_stack_trace-unique.txt: "N x" then one function per line, innermost first. */
function uniqueStacks(folder: string, run: string): string[][] {
  return read(`${folder}/${run}/func_stack_trace-unique.txt`)
    .split(/\n\s*\n/)
    .map((b) =>
      b
        .split('\n')
        .slice(1)
        .map((l) => l.trim())
        .filter(Boolean),
    )
    .filter((s) => s.length > 0);
}

describe('era rules, each from its source', () => {
  test('6.12 ftrace_caller saves 112 B of ftrace_regs and two records (144 B): its tables come back under linux-6.12', () => {
    // arch/arm64/kernel/entry-ftrace.S (6.12.117): "sub sp, sp, #(FREGS_SIZE + 32)"; x30 at FREGS_PC,
    // {x29, x9} at FREGS_SIZE + 16. check_new_page's caller keeps its record 192 B up (row 0 Size 208).
    const p = profile('linux-6.12');
    assert.deepEqual(p.tracer.trampoline, { size: 144, ipSlot: 104, recordSlot: 112, parentSlot: 136 });
    const out = replay('arm64-6.12-qemu/fs-512M/stack_trace.txt', ['linux-6.12']);
    assert.equal(out.chain.source.id, 'linux-6.12');
    assert.equal(out.results[0]!.ftrace.text, out.canonicalInput);
  });

  test('every repeat capture of udp-512M comes back byte for byte under linux-6.1 (an interrupt inside the tracer each)', () => {
    for (const run of RUNS['arm64-6.1-qemu/repeats']!) {
      const out = replay(`arm64-6.1-qemu/repeats/${run}/stack_trace.txt`, ['linux-6.1']);
      assert.equal(out.chain.source.id, 'linux-6.1', run);
      assert.equal(out.results[0]!.ftrace.text, out.canonicalInput, run);
      // Under the interrupt's pt_regs, the tracer: the trampoline or stack_trace_call itself.
      assert.match(
        out.canonicalInput,
        /el1h_64_irq\+0x64\/0x68\n.*(ftrace_call|ftrace_common|stack_trace_call)\+/,
        run,
      );
    }
  });

  test('the entry frame sizes each Debian build prints tell 6.1 from 6.12 (do_el0_svc 288 B against 16 B)', () => {
    for (const [folder, run, id] of [
      ['arm64-6.1-qemu', 'udp-512M', 'linux-6.1'],
      ['arm64-6.12-qemu', 'udp-512M', 'linux-6.12'],
      ['arm64-6.1-rt-qemu', 'fork-512M', 'linux-6.1-rt'],
    ] as const) {
      const t = parseFtraceStackTrace(read(`${folder}/${run}/stack_trace.txt`), run).value!.tables[0]!;
      assert.equal(candidateSourceEras(t)[0]!.id, id, `${folder}/${run}`);
    }
  });

  test('PREEMPT_RT: local_bh_enable runs softirqs on the task stack (kernel/softirq.c __local_bh_enable_ip -> __do_softirq)', () => {
    // The rt udp table itself holds net_rx_action under __local_bh_enable_ip on the task stack.
    const out = replay('arm64-6.1-rt-qemu/udp-512M/stack_trace.txt', ['linux-6.1-rt', 'linux-6.1']);
    assert.equal(on(by(out, 'linux-6.1-rt'), 'net_rx_action'), 'task');
    // Without RT, do_softirq_own_stack() -> call_on_irq_stack() takes it to the IRQ stack (arch/arm64/kernel/irq.c).
    assert.equal(on(by(out, 'linux-6.1'), 'net_rx_action'), 'irq');
    assert.equal(by(out, 'linux-6.1-rt').irq, undefined);
  });

  test('PREEMPT_RT: irq_exit wakes ksoftirqd instead of running softirqs (invoke_softirq -> wakeup_softirqd)', () => {
    const chain = irqExitSoftirqChain();
    const rt = replayChain(chain, profile('linux-6.1-rt'));
    assert.ok(rt.notes.some((n) => /PREEMPT_RT: irq_exit does not run this softirq/.test(n)));
    assert.equal(
      rt.placement.find((f) => f.name === 'net_rx_action'),
      undefined,
      'the softirq frames are not on this stack',
    );
    const plain = replayChain(chain, profile('linux-6.1'));
    assert.equal(plain.placement.find((f) => f.name === 'net_rx_action')?.stack, 'irq');
  });

  test('preemption on IRQ exit runs on the interrupted stack, out of hard IRQ context (entry-common.c __el1_irq)', () => {
    // rt fork-512M: el1_interrupt -> preempt_schedule_irq -> __schedule -> finish_task_switch, where a second IRQ lands.
    const out = replay('arm64-6.1-rt-qemu/fork-512M/stack_trace.txt', ['linux-6.1-rt']);
    const stages = out.chain.items
      .filter((i): i is Extract<ChainItem, { kind: 'exception' }> => i.kind === 'exception')
      .map((i) => i.stage);
    assert.deepEqual(stages, ['preempt', 'irq-exit']);
    const res = out.results[0]!;
    assert.equal(res.ftrace.text, out.canonicalInput);
    assert.ok(!res.notes.some((n) => /inside a hard IRQ handler/.test(n)), res.notes.join('\n'));
  });

  test('4.19 and 5.10: irq_stack_entry switches from the task stack, irq_exit softirqs stay with the handler, bh ones on the task stack', () => {
    // entry.S irq_stack_entry: "ldr x25, [tsk, TSK_STACK]; eor; and #~(THREAD_SIZE - 1); cbnz" then
    // sp = irq_stack_ptr + IRQ_STACK_SIZE; irq_exit at the end of __handle_domain_irq (inside the handler).
    const out = replay('../../data/seed/stack_trace-rfc-2015.txt', ['linux-4.19', 'linux-5.10']);
    for (const id of ['linux-4.19', 'linux-5.10']) {
      const r = by(out, id);
      assert.equal(on(r, 'gic_handle_irq'), 'irq', id);
      assert.equal(on(r, '__do_softirq'), 'task', `${id}: the seed's softirq came from local_bh_enable`);
      const regs = r.placement.filter((f) => f.kind === 'pt_regs').map((f) => f.size);
      assert.deepEqual(regs, id === 'linux-4.19' ? [320, 320] : [336, 336]);
    }
    assert.equal(profile('linux-4.19').tracer.shift, false, 'ARCH_FTRACE_SHIFT_STACK_TRACER came in 5.4');
    assert.equal(profile('linux-5.10').tracer.shift, true);
  });

  test('x86_64 before 3.15: 8 KB stacks with thread_info at the bottom; a 2.6.33 table fits with 640 B to spare', () => {
    const out = replay('published/st-x86_64-018.txt', ['x86_64-3.x']);
    const r = out.results[0]!;
    assert.equal(r.ftrace.text, out.canonicalInput);
    const task = r.verdicts.find((v) => v.stack === 'task')!;
    assert.equal(task.size, 8192);
    assert.ok(task.fits && task.margin < 1024, `margin ${task.margin}`);
  });
});

describe('pointer authentication (ptrauth_strip_insn_pac)', () => {
  test('tables from the PAC CPU are read as a PAC kernel and come back byte for byte', () => {
    for (const run of RUNS['arm64-6.1-pac-qemu']!) {
      const out = replay(`arm64-6.1-pac-qemu/${run}/stack_trace.txt`, ['linux-6.1']);
      assert.equal(out.chain.source.pointerAuth, true, run);
      assert.ok(out.chain.reading.some((s) => /pointer authentication/.test(s)));
      assert.equal(out.results[0]!.ftrace.text, out.canonicalInput, run);
    }
  });

  test('on a PAC kernel the scan finds only unsigned return addresses: the trampoline ip and x9, ELR', () => {
    const file = 'arm64-6.1-qemu/udp-512M/stack_trace.txt';
    const plain = replay(file, ['linux-6.12']).results[0]!;
    const r = replayStackTraceText(read(file), file, [profile('linux-6.12', ['ARM64_PTR_AUTH_KERNEL=true'])]);
    assert.ok(r.ok);
    const pac = r.value.results[0]!;
    assert.ok(plain.ftrace.table!.rows.length > 20);
    assert.deepEqual(
      pac.ftrace.table!.rows.map((x) => x.location.text),
      ['idle_cpu+0x8/0x60', '__irq_exit_rcu+0x5c/0x130'],
    );
    // stacklab's own unwinder strips too: its cross-stack backtrace is whole.
    assert.equal(pac.task!.backtrace.length, plain.task!.backtrace.length);
  });
});

describe('the task / IRQ split each profile predicts, against the captures', () => {
  test('every capture: the own era puts no more on the IRQ stack than its high-water mark', () => {
    for (const [folder, runs] of Object.entries(RUNS))
      for (const run of runs) {
        const out = replayStackTraceText(read(`${folder}/${run}/stack_trace.txt`), run, PROFILES, {
          withOwnEra: true,
        });
        assert.ok(out.ok);
        const own = out.value.results.find((x) => x.ownEra)!;
        assert.ok((own.irq?.maxDepth ?? 0) <= irqHighWater(folder, run), `${folder}/${run}`);
      }
  });

  test('PREEMPT_RT captures: only the RT rule fits their IRQ-stack high-water marks', () => {
    for (const run of ['udp-512M', 'tcp-512M']) {
      const out = replay(`arm64-6.1-rt-qemu/${run}/stack_trace.txt`, ['linux-6.1-rt', 'linux-6.1']);
      const hw = irqHighWater('arm64-6.1-rt-qemu', run);
      assert.ok(hw < 2100, `${run}: ${hw}`);
      // 6.1's rule moves the sender's network receive softirq to the IRQ stack: more than the RT kernel's
      // IRQ stacks ever held.
      assert.ok(
        by(out, 'linux-6.1').irq!.maxDepth > hw + 1000,
        `${run}: ${by(out, 'linux-6.1').irq!.maxDepth}`,
      );
      assert.equal(by(out, 'linux-6.1-rt').irq, undefined);
      assert.equal(by(out, 'linux-6.1-rt').task!.maxDepth, out.chain.maxDepth - 8);
    }
  });

  test("the captured cross-stack unwinds put softirqs where each profile's rule says", () => {
    // func_stack_trace unwinds through call_on_irq_stack: frames before it are on the IRQ stack.
    const softirq = (f: string) => /^(net_rx_action|handle_softirqs|__do_softirq)/.test(f);
    const cases: [string, string, string][] = [
      ['arm64-6.1-qemu', 'udp-512M', 'linux-6.1'],
      ['arm64-6.12-qemu', 'udp-512M', 'linux-6.12'],
      ['arm64-6.12-qemu', 'tcp-512M', 'linux-6.12'],
      ['arm64-6.1-rt-qemu', 'udp-512M', 'linux-6.1-rt'],
      ['arm64-6.1-rt-qemu', 'tcp-512M', 'linux-6.1-rt'],
    ];
    for (const [folder, run, id] of cases) {
      const p = profile(id);
      const wantIrq = p.softirq.ownStack === 'irq-stack';
      let seen = 0;
      for (const stack of uniqueStacks(folder, run)) {
        const s = stack.findIndex(softirq);
        if (s < 0) continue;
        seen++;
        const c = stack.indexOf('call_on_irq_stack');
        const onIrq = c >= 0 && s < c;
        assert.equal(onIrq, wantIrq, `${folder}/${run}: ${stack.slice(0, s + 2).join(' < ')}`);
      }
      assert.ok(seen > 0, `${folder}/${run}: no softirq in the captured unwinds`);
    }
  });
});

/** A syscall interrupted by an IRQ whose irq_exit runs NET_RX: the chain a non-RT 5.x table gives. */
function irqExitSoftirqChain(): Chain {
  const frame = (fn: string, size: number, ret: string) => ({
    fn,
    size,
    ret,
    recordOffset: 0,
    row: null,
    at: `${fn}+0x10/0x80`,
    sizeKnown: true,
  });
  const items: ChainItem[] = [
    { kind: 'start', path: 'syscall', vector: 'el0t_64_sync', entryFrames: [], topBytes: 0, regsBytes: 0 },
    { kind: 'call', role: 'payload', frame: frame('__arm64_sys_write', 96, 'invoke_syscall+0x68/0xe0') },
    {
      kind: 'exception',
      type: 'irq',
      vector: 'el1h_64_irq',
      interrupted: frame('vfs_write', 64, '__arm64_sys_write+0x10/0x80'),
      elr: 'vfs_write+0x20/0x80',
      lrLive: false,
      entryFrames: [],
      callSite: 'call_on_irq_stack',
      stage: 'handler',
    },
    { kind: 'call', role: 'payload', frame: frame('gic_handle_irq', 48, 'call_on_irq_stack') },
    { kind: 'softirq', path: 'irq-exit', plumbing: [] },
    { kind: 'call', role: 'payload', frame: frame('__do_softirq', 128, 'irq_exit_rcu+0x18/0x24') },
    { kind: 'call', role: 'payload', frame: frame('net_rx_action', 96, '__do_softirq+0x10/0x80') },
    { kind: 'call', role: 'payload', frame: frame('leaf', 32, 'net_rx_action+0x10/0x80') },
    {
      kind: 'sample',
      fn: 'leaf',
      ip: 'leaf+0x8/0x40',
      parent: 'net_rx_action+0x10/0x80',
      inPlace: false,
      geometry: null,
    },
  ];
  return generatedChain(items);
}

test('the captures are all in RUNS', () => {
  for (const folder of Object.keys(RUNS)) {
    const dirs = readdirSync(new URL(folder, FIX), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    for (const d of dirs)
      if (!(RUNS[folder] ?? []).includes(d) && !Object.hasOwn(RUNS, `${folder}/${d}`))
        assert.ok(d.startsWith('boot') || TRACER_OFF.includes(d), `${folder}/${d} missing from RUNS`);
  }
});
