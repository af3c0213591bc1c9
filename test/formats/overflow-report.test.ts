import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { explainOverflow } from '../../src/analyze/analyzers/stack.ts';
import { parseOverflowReport, sniffOverflowReport } from '../../src/formats/overflow-report.ts';
import { parseStackUsage, sniffStackUsage } from '../../src/formats/stack-usage.ts';
import { renderOverflowExplanation } from '../../src/report/analysis-text/stack.ts';

const fx = (p: string) => readFileSync(new URL(`../fixtures/published/${p}`, import.meta.url), 'utf8');

describe('overflow reports', () => {
  test('arm64 panic_bad_stack: ranges, FAR, SP, pc, recursion, elision counted', () => {
    const text = fx('ovf-arm64-001.txt');
    assert.ok(sniffOverflowReport(text));
    const r = parseOverflowReport(text, 'ovf');
    const o = r.value!;
    assert.equal(o.arch, 'arm64');
    assert.equal(o.far, 0xffff800084927fe0n);
    assert.equal(o.sp, 0xffff800084928030n);
    assert.deepEqual(o.taskStack, { low: 0xffff800084928000n, high: 0xffff80008492c000n });
    assert.deepEqual(o.overflowStack, { low: 0xffff000a72dd2100n, high: 0xffff000a72dd3100n });
    assert.equal(o.pc, 'qce_ahash_update+0x4/0x1f4');
    assert.ok(r.diagnostics.some((d) => d.code === 'overflow/elided' && d.loc?.line === 75));
    const e = explainOverflow(o);
    assert.match(renderOverflowExplanation(e), /FAR 0xffff800084927fe0: 32 B below the task stack's base/);
    assert.match(renderOverflowExplanation(e), /wanted 80 B more below SP/);
    assert.deepEqual(e.data.recursion, { fn: 'crypto_ahash_finup', shown: 26 });
  });

  test('riscv64: no IRQ stack line, badaddr as the fault address (collapsed whitespace, wraps)', () => {
    const o = parseOverflowReport(fx('ovf-riscv64-002.txt'), 'r').value!;
    assert.equal(o.arch, 'riscv64');
    assert.equal(o.irqStack, null);
    assert.equal(o.far, 0xffffffc60001fff0n);
    assert.equal(o.taskStack!.high - o.taskStack!.low, 16384n);
  });

  test('x86_64 guard page: hashed bounds flagged, CR2 used as the fault address, IRQ entry explained', () => {
    const o = parseOverflowReport(fx('ovf-x86_64-005.txt'), 'x').value!;
    assert.equal(o.arch, 'x86_64');
    assert.equal(o.hashedBounds, true);
    assert.equal(o.far, 0xffffc90007207ff8n);
    assert.equal(o.sp, 0xffffc90007208000n);
    const e = explainOverflow(o);
    assert.match(renderOverflowExplanation(e), /saves the interrupt frame on the interrupted stack/);
    assert.equal((e.data.recursion as { fn: string }).fn, 'notifier_call_chain');
  });

  test('text without a report is an error with a location', () => {
    const r = parseOverflowReport('hello\nworld\n', 'h');
    assert.equal(r.value, undefined);
    assert.equal(r.diagnostics[0]!.code, 'overflow/no-report');
  });
});

describe('DEBUG_STACK_USAGE', () => {
  test('low-water lines and the kstack histogram', () => {
    const a = fx('ovf-arm-001.txt');
    assert.ok(sniffStackUsage(a));
    const lw = parseStackUsage(a, 'a').value!;
    assert.deepEqual(
      lw.lowWater.map((l) => [l.comm, l.bytesLeft]),
      [
        ['kworker/u:0', 10564],
        ['busybox', 9512],
        ['busybox', 9504],
        ['grep', 9372],
        ['init', 9028],
      ],
    );
    const h = parseStackUsage(fx('ovf-x86_64-003.txt'), 'h').value!;
    assert.deepEqual(
      h.histogram.map((x) => [x.bucket, x.tasks]),
      [
        ['1k', 0],
        ['2k', 39],
        ['4k', 170],
        ['8k', 0],
        ['16k', 0],
      ],
    );
  });

  test('a truncated record is counted', () => {
    const r = parseStackUsage(
      'init used greatest stack depth: 9028 bytes left\nbash used greatest stack depth: lots\n',
      't',
    );
    assert.equal(r.value!.lowWater.length, 1);
    assert.equal(r.diagnostics[0]!.code, 'stack-usage/bad-line');
    assert.equal(r.diagnostics[0]!.loc?.line, 2);
  });
});
