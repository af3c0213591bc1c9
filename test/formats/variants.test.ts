// Real variants of kernel output found in the wild (test/fixtures/variants/, provenance in each
// file's header): what each parser and analysis must make of them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { explainOverflow } from '../../src/analyze/analyzers/stack.ts';
import { explainBuddyinfo, explainPagetypeinfo } from '../../src/analyze/buddyinfo.ts';
import { rebuildChain } from '../../src/analyze/chain.ts';
import { explainPageAllocFailure } from '../../src/analyze/page-alloc-failure.ts';
import { replayStackTraceText } from '../../src/analyze/replay-table.ts';
import { parseBuddyinfo } from '../../src/formats/buddyinfo.ts';
import {
  parseFtraceStackTrace,
  parseLocation,
  sniffFtraceStackTrace,
} from '../../src/formats/ftrace-stack-trace.ts';
import { parseOverflowReport, sniffOverflowReport } from '../../src/formats/overflow-report.ts';
import { parsePageAllocFailure, sniffPageAllocFailure } from '../../src/formats/page-alloc-failure.ts';
import { parsePagetypeinfo, sniffPagetypeinfo } from '../../src/formats/pagetypeinfo.ts';
import { renderFragmentation, renderPafExplanation } from '../../src/report/analysis-text/mm.ts';
import { renderOverflowExplanation } from '../../src/report/analysis-text/stack.ts';

const fx = (p: string) => readFileSync(new URL(`../fixtures/variants/${p}`, import.meta.url), 'utf8');
/** The fixture without its "# " provenance lines, which are not kernel output. */
const bare = (p: string) =>
  fx(p)
    .split('\n')
    .filter((l) => !l.startsWith('# '))
    .join('\n');
const codes = (ds: readonly { code: string; loc?: { line?: number } }[]) =>
  ds.map((d) => `${d.code}@${d.loc?.line ?? '-'}`);

describe('stack_trace variants', () => {
  const cases: {
    file: string;
    rows: number;
    declared: number;
    first: [number, number, string];
    last: [number, number, string];
    diagnostics: string[];
    /** The chain's outermost top (bytes above the outermost frame) must keep the table's depth. */
    chainDepth: number;
  }[] = [
    {
      file: 'st-x86_64-quoted-truncated.txt',
      rows: 24,
      declared: 46,
      first: [0, 7200, '_raw_spin_lock_irqsave'],
      last: [23, 3904, 'shrink_lruvec'],
      diagnostics: [
        'stack-trace/no-separator@6',
        'stack-trace/entry-count@5',
        'stack-trace/size-mismatch@30',
      ],
      chainDepth: 7200,
    },
    {
      file: 'st-arm-elided.txt',
      rows: 21,
      declared: 38,
      first: [0, 2648, '__wake_up_common'],
      last: [37, 96, 'ret_fast_syscall'],
      diagnostics: [
        'stack-trace/elided@15',
        'stack-trace/entry-count@5',
        'stack-trace/size-mismatch@14',
        'stack-trace/index-gap@16',
      ],
      chainDepth: 2648,
    },
  ];
  for (const c of cases) {
    test(c.file, () => {
      const text = fx(c.file);
      assert.equal(sniffFtraceStackTrace(text), true);
      const p = parseFtraceStackTrace(text, c.file);
      const t = p.value!.tables[0]!;
      assert.equal(p.value!.tables.length, 1);
      assert.equal(t.rows.length, c.rows);
      assert.equal(t.declaredEntries, c.declared);
      const first = t.rows[0]!;
      const last = t.rows[t.rows.length - 1]!;
      assert.deepEqual([first.index, first.depth, first.location.symbol], c.first);
      assert.deepEqual([last.index, last.depth, last.location.symbol], c.last);
      assert.deepEqual(codes(p.diagnostics), c.diagnostics);
      const chain = rebuildChain(t, c.file);
      assert.equal(chain.maxDepth, c.chainDepth);
    });
  }

  test('a table cut at the outer end keeps the stack above its last row (replay/cut-table)', () => {
    const t = parseFtraceStackTrace(fx('st-x86_64-quoted-truncated.txt'), 'q').value!.tables[0]!;
    const chain = rebuildChain(t, 'q');
    const start = chain.items.find((i) => i.kind === 'start');
    assert.ok(start && start.kind === 'start');
    assert.equal(start.topBytes, 3896);
    assert.ok(chain.diagnostics.some((d) => d.code === 'replay/cut-table' && d.loc?.line === 30));
  });
});

test('%pS locations: module with a CONFIG_STACKTRACE_BUILD_ID build ID, clone suffixes, raw addresses', () => {
  const b = parseLocation('nfs_readpage+0x1c/0x2a0 [nfs 4e2c6a1d3b8b2e5f0a9c7d6e5f4a3b2c1d0e9f8a]');
  assert.deepEqual(
    [b.symbol, b.offset, b.length, b.module, b.buildId],
    ['nfs_readpage', 0x1c, 0x2a0, 'nfs', '4e2c6a1d3b8b2e5f0a9c7d6e5f4a3b2c1d0e9f8a'],
  );
  assert.deepEqual(parseLocation('ext4_map_blocks+0x120/0x5e0 [ext4]'), {
    text: 'ext4_map_blocks+0x120/0x5e0 [ext4]',
    symbol: 'ext4_map_blocks',
    offset: 0x120,
    length: 0x5e0,
    module: 'ext4',
    address: null,
  });
  assert.equal(
    parseLocation('update_sd_lb_stats.constprop.0+0x278/0x2f40').symbol,
    'update_sd_lb_stats.constprop.0',
  );
  assert.equal(parseLocation('0xc000000000012345').address, 0xc000000000012345n);
});

describe('stack-end overflow reports (CONFIG_SCHED_STACK_END_CHECK)', () => {
  const cases: { file: string; arch: string; frames: string[]; comm: string; kernel: string }[] = [
    {
      file: 'ovf-stack-end-x86_64-5.15.txt',
      arch: 'x86_64',
      frames: ['dump_stack_lvl', 'panic', '__warn_printk', 'kasan_save_stack'],
      comm: 'txg_sync',
      kernel: '5.15.0-2-amd64',
    },
    {
      file: 'ovf-stack-end-x86_64-4.9.txt',
      arch: 'unknown',
      frames: ['dump_stack', 'panic', 'ttwu_do_activate', '__schedule'],
      comm: 'systemd',
      kernel: '4.9.35-4.9.35-62.container',
    },
  ];
  for (const c of cases) {
    test(c.file, () => {
      const text = fx(c.file);
      assert.equal(sniffOverflowReport(text), true);
      const r = parseOverflowReport(text, c.file);
      const o = r.value!;
      assert.equal(o.kind, 'stack-end');
      assert.equal(o.arch, c.arch);
      assert.equal(o.stackEnd?.line, 4);
      assert.equal(o.comm, c.comm);
      assert.equal(o.kernel, c.kernel);
      assert.deepEqual(
        o.callTrace.slice(0, 4).map((f) => f.fn),
        c.frames,
      );
      // No guard page, so no "Task stack:" line is expected.
      assert.deepEqual(codes(r.diagnostics), []);
      const e = explainOverflow(o);
      assert.match(renderOverflowExplanation(e), /STACK_END_MAGIC/);
      assert.equal(e.data.kind, 'stack-end');
    });
  }

  test('5.15 frames after "<TASK>" are kept, up to the user registers', () => {
    const text = `${fx('ovf-stack-end-x86_64-5.15.txt')}[ 1307.6] RIP: 0033:0x7f00\n[ 1307.7] RSP: 002b:00007ffee780bf88 EFLAGS: 00000246\n`;
    const o = parseOverflowReport(text, 'x').value!;
    assert.equal(o.arch, 'x86_64');
    assert.equal(o.callTrace.length, 12);
    assert.equal(o.callTrace.at(-1)!.fn, 'schedule');
  });

  test('arm (32-bit) unwind_backtrace frames are read', () => {
    const text =
      'Thread overran stack, or stack corrupted\n' +
      'Backtrace:\nCall trace:\n' +
      '[<801072f8>] (unwind_backtrace) from [<80105558>] (show_stack+0x10/0x14)\n' +
      '[<80105558>] (show_stack+0x10/0x14) from [<8016d06c>] (panic+0xb8/0x248)\n';
    const o = parseOverflowReport(text, 'a').value!;
    assert.equal(o.kind, 'stack-end');
    assert.equal(o.arch, 'arm');
    assert.deepEqual(
      o.callTrace.map((f) => f.fn),
      ['unwind_backtrace', 'show_stack'],
    );
  });
});

test('ovf-arm-vmap-constructed.txt: arm (32-bit) handle_bad_stack() is not read as arm64', () => {
  const r = parseOverflowReport(bare('ovf-arm-vmap-constructed.txt'), 'a');
  const o = r.value!;
  assert.deepEqual(codes(r.diagnostics), []);
  assert.deepEqual([o.arch, o.kind], ['arm', 'guard-page']);
  assert.deepEqual(o.taskStack, { low: 0xf0a10000n, high: 0xf0a12000n });
  assert.equal(o.sp, 0xf0a0fff0n);
  assert.deepEqual([o.pc, o.lr], ['recurse_fn+0x10/0x40', 'recurse_fn+0x2c/0x40']);
  assert.deepEqual(
    o.callTrace.map((f) => f.fn),
    ['recurse_fn', 'recurse_fn', 'recurse_fn', 'recurse_fn', 'recurse_init'],
  );
  const e = explainOverflow(o);
  assert.match(renderOverflowExplanation(e), /^arm \(32-bit\) VMAP_STACK overflow/);
  assert.match(renderOverflowExplanation(e), /16 B below the task stack's base \(its guard page\)/);
  assert.deepEqual(e.data.recursion, { fn: 'recurse_fn', shown: 4 });
});

test('x86 double-fault traces: frames inside "<#DF>" ... "</#DF>" and after "<TASK>" are kept', () => {
  // Constructed from arch/x86/kernel/traps.c handle_stack_overflow() and dumpstack.c show_trace_log_lvl() (6.1).
  const text = [
    'BUG: stack guard page was hit at 00000000b6c4ce4f (stack is 000000002a8e8f5a..0000000093ed5b4d)',
    'kernel stack overflow (double-fault): 0000 [#1] PREEMPT SMP NOPTI',
    'CPU: 2 PID: 1234 Comm: deep Not tainted 6.1.0 #1',
    'RIP: 0010:recurse+0x9/0x20 [deep]',
    'RSP: 0018:ffffc90000a38000 EFLAGS: 00010282',
    'CR2: ffffc90000a37ff8',
    'Call Trace:',
    ' <#DF>',
    ' ? die+0x36/0x90',
    ' ? handle_stack_overflow+0x4d/0x60',
    ' ? exc_double_fault+0x13c/0x1a0',
    ' ? asm_exc_double_fault+0x1f/0x30',
    ' </#DF>',
    ' <TASK>',
    ' recurse+0x19/0x20 [deep]',
    ' recurse+0x19/0x20 [deep]',
    ' recurse+0x19/0x20 [deep]',
    ' </TASK>',
  ].join('\n');
  const o = parseOverflowReport(text, 'df').value!;
  assert.deepEqual(
    [o.arch, o.kind, o.far, o.sp],
    ['x86_64', 'guard-page', 0xffffc90000a37ff8n, 0xffffc90000a38000n],
  );
  assert.deepEqual(
    o.callTrace.map((f) => f.fn),
    [
      'die',
      'handle_stack_overflow',
      'exc_double_fault',
      'asm_exc_double_fault',
      'recurse',
      'recurse',
      'recurse',
    ],
  );
  assert.deepEqual(explainOverflow(o).data.recursion, { fn: 'recurse', shown: 3 });
});

describe('page allocation failure variants', () => {
  test('paf-3.8-percpu.txt: per-CPU pageset lines do not end the Mem-Info summary', () => {
    const p = parsePageAllocFailure(bare('paf-3.8-percpu.txt'), 'p');
    const v = p.value!;
    assert.deepEqual(codes(p.diagnostics), []);
    assert.deepEqual([v.comm, v.order, v.gfpMask, v.kernelVersion], ['splat', 0, 0x10d0, '3.8.0-1-mainline']);
    assert.deepEqual(v.callTrace, ['warn_alloc_failed', 'drain_local_pages', '__alloc_pages_nodemask']);
    assert.deepEqual(v.memInfo, {
      active_anon: 1,
      inactive_anon: 2,
      isolated_anon: 0,
      active_file: 3,
      inactive_file: 4,
      isolated_file: 0,
      free: 5,
      slab_reclaimable: 6,
      slab_unreclaimable: 7,
    });
    assert.deepEqual(v.zones[0]!.lowmemReserve, [0, 3246, 3246, 3246]);
  });

  test('paf-4.18-rsyslog.txt: "#012" splits the Mem-Info summary; per-node kB lines stay out of it', () => {
    const text = fx('paf-4.18-rsyslog.txt');
    assert.equal(sniffPageAllocFailure(text), true);
    const p = parsePageAllocFailure(text, 'r');
    const v = p.value!;
    assert.deepEqual(codes(p.diagnostics), []);
    assert.equal(v.comm, 'kswapd0');
    assert.equal(v.order, 0);
    assert.deepEqual(v.gfpNames, ['GFP_ATOMIC']);
    assert.equal(v.kernelVersion, '4.18.0-553.30.1.el8_10.x86_64');
    assert.deepEqual(v.callTrace, ['dump_stack', 'warn_alloc.cold.127', '__alloc_pages_slowpath']);
    // Pages from the summary, not the "Node 0 active_anon:2624456kB" line.
    assert.equal(v.memInfo.active_anon, 656114);
    assert.equal(v.memInfo.free, 114480);
    assert.equal(v.memInfo.free_cma, 0);
    assert.equal(Object.keys(v.memInfo).length, 18);
    const z = v.zones[0]!;
    assert.deepEqual([v.zones.length, z.node, z.name, z.fields.free, z.fields.min], [1, 0, 'DMA', 13312, 64]);
    assert.deepEqual(z.lowmemReserve, [0, 2660, 15392, 15392, 15392]);
    assert.deepEqual(z.buddy!.nrFree, [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2]);
    assert.deepEqual(z.buddy!.types.slice(8), ['U', 'M', 'M']);
  });
});

describe('/proc/pagetypeinfo and /proc/buddyinfo variants', () => {
  test('pti-reserve-3.x.txt: pre-4.4 Reserve type, free blocks summed per zone', () => {
    const text = bare('pti-reserve-3.x.txt');
    assert.equal(sniffPagetypeinfo(text), true);
    const p = parsePagetypeinfo(text, 'p');
    assert.deepEqual(codes(p.diagnostics), []);
    assert.deepEqual(p.value!.blockTypes, ['Unmovable', 'Reclaimable', 'Movable', 'Reserve', 'Isolate']);
    const zs = explainPagetypeinfo(p.value!);
    assert.deepEqual(
      zs.map((z) => [z.zone, z.freePages, z.nrFree[10]]),
      [
        ['DMA', 3979, 2],
        ['DMA32', 488785, 461],
      ],
    );
    assert.deepEqual(zs[1]!.blocks, { Unmovable: 41, Reclaimable: 6, Movable: 967, Reserve: 2, Isolate: 0 });
  });

  test('pti-rpi-collapsed.txt: a cut "Number of blocks" row leaves the other types unknown, not 0', () => {
    const p = parsePagetypeinfo(bare('pti-rpi-collapsed.txt'), 'p');
    assert.deepEqual(codes(p.diagnostics), ['pagetypeinfo/bad-row@1', 'pagetypeinfo/column-count@12']);
    assert.equal(p.value!.pageblockOrder, 10);
    const [z] = explainPagetypeinfo(p.value!);
    assert.deepEqual(z!.blocks, { Unmovable: 1 });
    assert.equal(z!.freePages, 108323);
  });

  test('bi-64k-constructed.txt: 14 orders are not read as 4 KB pages', () => {
    const p = parseBuddyinfo(bare('bi-64k-constructed.txt'), 'b');
    assert.deepEqual(codes(p.diagnostics), ['buddyinfo/order-count@1', 'buddyinfo/order-count@2']);
    const text = renderFragmentation(explainBuddyinfo(p.value!));
    assert.match(
      text,
      /zone DMA: 82851 free pages \(14 orders, so maybe not 4 KB pages: 323\.6 MB at 4 KB, 1294\.5 MB at 16 KB, 5178\.2 MB at 64 KB\)/,
    );
  });

  test('11 orders: MB at 4 KB pages, rounded', () => {
    const p = parseBuddyinfo(
      'Node 0, zone   Normal    127     97     63     40     23     13      7      3      1      1      0\n',
    );
    assert.match(
      renderFragmentation(explainBuddyinfo(p.value!)),
      /3277 free pages \(12\.8 MB with 4 KB pages\)/,
    );
  });
});

describe('inputs that must end with a diagnostic, not minutes of work or nonsense', () => {
  test('a 5000-row table (the kernel prints at most 500) → replay/too-many-rows at the header', () => {
    let text = '        Depth    Size   Location    (5000 entries)\n        -----    ----   --------\n';
    for (let i = 0; i < 5000; i++)
      text += `${String(i).padStart(3)}) ${String((5000 - i) * 16).padStart(8)}      16   f${i % 7}+0x1/0x2\n`;
    const t0 = performance.now();
    const r = replayStackTraceText(text, 'big', []);
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 'replay/too-many-rows');
      assert.equal(r.error.loc?.line, 1);
    }
  });

  test('OOM report with order=-1 (sysrq-f, constructed from mm/oom_kill.c dump_header()) is not an allocation', () => {
    const text =
      '[  812.345678] kworker/0:1 invoked oom-killer: gfp_mask=0x0(), order=-1, oom_score_adj=0\n' +
      '[  812.345690] Mem-Info:\n' +
      '[  812.345700] Node 0 Normal free:14896kB boost:0kB min:28kB low:40kB high:52kB reserved_highatomic:0KB\n' +
      '[  812.345710] Node 0 Normal: 4*4kB (U) 2*8kB (M) 0*16kB = 32kB\n';
    const p = parsePageAllocFailure(text, 'o');
    assert.equal(p.value!.order, -1);
    assert.equal(p.value!.kind, 'oom-killer');
    const out = renderPafExplanation(explainPageAllocFailure(p.value!));
    assert.match(out, /^OOM killer invoked with order=-1: a manual kill \(sysrq-f/);
    assert.doesNotMatch(out, /check at min|verdict:|0\.5 KB|2 KB/);
  });
});
