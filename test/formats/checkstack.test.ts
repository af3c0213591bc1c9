import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  CheckstackLines,
  checkstackAddress,
  parseCheckstack,
  printCheckstack,
  printCheckstackLine,
  sniffCheckstack,
} from '../../src/formats/checkstack.ts';

const fixture = (p: string) => readFileSync(new URL(`../fixtures/${p}`, import.meta.url), 'utf8');

describe('checkstack.pl output', () => {
  test('chk-003.txt (arm, eLinux wiki, markdown-indented, with command lines) parses', () => {
    const r = parseCheckstack(fixture('published/chk-003.txt'), 'chk-003.txt');
    assert.equal(r.value?.length, 24);
    assert.deepEqual(r.value?.[0], {
      address: '0012c858',
      function: 'nlmclnt_reclaim',
      file: 'vmlinux-arm.o',
      bytes: 720,
      dynamic: false,
      line: r.value?.[0]?.line,
    });
    assert.equal(r.value?.[1]?.function, 'do_tcp_getsockopt.clone.11');
    // The two "$ ..." command lines are skipped and counted, nothing is lost.
    assert.deepEqual(
      r.diagnostics.map((d) => d.code),
      ['checkstack/not-an-entry', 'checkstack/not-an-entry'],
    );
  });

  test('chk-004.txt (arm64, lkml 2020): old "Dynamic (0x..)" lines, 17-digit addresses, ".." elisions', () => {
    const r = parseCheckstack(fixture('published/chk-004.txt'), 'chk-004.txt');
    assert.deepEqual(
      r.value?.map((e) => [e.address, e.function, e.file, e.bytes, e.dynamic]),
      [
        ['ffffa00011f26f88', 'sunxi_mux_clk_setup.isra.0', 'vmlinux', 0x140, true],
        ['ffffa00011f27210', 'sunxi_divs_clk_setup', 'vmlinux', 0x1d0, true],
        ['ffffa00011f2720c0', 'sunxi_divs_clk_setup', 'vmlinux', 464, false],
        ['ffffa00011f26f840', 'sunxi_mux_clk_setup.isra.0', 'vmlinux', 320, false],
      ],
    );
    assert.ok(r.diagnostics.every((d) => d.code === 'checkstack/not-an-entry'));
  });

  test('printed lines pad "addr func [file]:" with tabs towards column 56, as checkstack.pl does', () => {
    const rows: [string, string, string, number, string][] = [
      [
        '0000000000000184',
        'dyn_vla_big',
        'frames.o',
        3040,
        '0x0000000000000184 dyn_vla_big [frames.o]:\t\t3040\n',
      ],
      [
        '0000000000000440',
        'dyn_vla_big',
        'frames-kernel.o',
        3040,
        '0x0000000000000440 dyn_vla_big [frames-kernel.o]:\t3040\n',
      ],
      [
        '0000000000000660',
        '__arm64_sys_sendmmsg',
        'mini-kernel.o',
        320,
        '0x0000000000000660 __arm64_sys_sendmmsg [mini-kernel.o]:320\n',
      ],
      ['0000000000000020', 'op_big', 'calls.o', 2080, '0x0000000000000020 op_big [calls.o]:\t\t\t2080\n'],
    ];
    for (const [address, fn, file, bytes, line] of rows) {
      assert.equal(printCheckstackLine({ address, function: fn, file, bytes }), line);
    }
  });

  test('printCheckstack: > min only, largest first, ties in input order; print → parse round trip', () => {
    const entries = [
      { address: checkstackAddress(0x10n), function: 'a', file: 'm', bytes: 100 },
      { address: checkstackAddress(0x20n), function: 'b', file: 'm', bytes: 300 },
      { address: checkstackAddress(0x30n), function: 'c', file: 'm', bytes: 200 },
      { address: checkstackAddress(0x40n), function: 'd', file: 'm', bytes: 300 },
    ];
    const text = printCheckstack(entries);
    assert.deepEqual(
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[1]),
      ['b', 'd', 'c'],
    );
    const back = parseCheckstack(text).value ?? [];
    assert.deepEqual(
      back.map((e) => [e.function, e.bytes]),
      [
        ['b', 300],
        ['d', 300],
        ['c', 200],
      ],
    );
  });

  test('CheckstackLines prints what printCheckstack prints, split across parts or not', () => {
    const utf8 = new TextEncoder();
    const entry = fc.record({
      address: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      function: fc.oneof(fc.stringMatching(/^[a-z_.][a-z0-9_.]{0,70}$/), fc.string({ minLength: 1 })),
      file: fc.oneof(fc.stringMatching(/^[a-z0-9_-]{1,20}$/), fc.constantFrom('vmlinux', 'caf\u00e9')),
      bytes: fc.oneof(fc.nat(4096), fc.constantFrom(0, 16, 2 ** 40, 2 ** 53 - 1)),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 60 }), fc.nat(60), (raw, cut) => {
        const entries = raw.map((e) => ({ ...e, address: checkstackAddress(e.address) }));
        const a = new CheckstackLines();
        const b = new CheckstackLines();
        entries.forEach((e, i) => {
          const target = i < cut ? a : b;
          const ascii = /^[\x20-\x7e]*$/.test(e.function + e.file);
          if (!ascii) {
            target.add(e);
            return;
          }
          const hex = e.address;
          const name = utf8.encode(`..${e.function}`);
          target.addAscii(
            Number.parseInt(hex.slice(0, 8), 16),
            Number.parseInt(hex.slice(8), 16),
            name,
            2,
            name.length,
            utf8.encode(e.file),
            e.bytes,
          );
        });
        a.append(b.parts());
        assert.equal(new TextDecoder().decode(a.report()), printCheckstack(entries, -1));
      }),
    );
  });

  test('invalid lines are counted; no entry at all is an error', () => {
    const r = parseCheckstack('0x10 f [m]:\t20\nsomething else\n');
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.loc?.line]),
      [['checkstack/bad-line', 2]],
    );
    const e = parseCheckstack('nothing here\n');
    assert.equal(e.value, undefined);
    assert.ok(e.diagnostics.some((d) => d.code === 'checkstack/empty' && d.severity === 'error'));
  });

  test('sniff', () => {
    assert.equal(sniffCheckstack(fixture('published/chk-003.txt')), true);
    assert.equal(sniffCheckstack('frames.c:32:6:frame_register\t5024\tstatic\n'), false);
  });
});
