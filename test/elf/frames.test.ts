// The C corpus against GCC's own numbers: every function GCC wrote a .su line for must have exactly
// that static frame, and "dynamic" exactly where GCC says so, in every build flavour.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { analyzeBinary, type Binary } from '../../src/elf/binary.ts';
import { bytesSource } from '../../src/elf/byte-source.ts';
import { addFrameLines } from '../../src/elf/frame-lines.ts';
import { CheckstackLines, checkstackAddress, printCheckstack } from '../../src/formats/checkstack.ts';
import { parseGccStackUsage } from '../../src/formats/gcc-stack-usage.ts';
import { buildCorpus, CORPUS_NEEDS, type Corpus, TARGETS } from './corpus.ts';

function analyze(corpus: Corpus, out: string): Binary {
  const r = analyzeBinary(bytesSource(out, readFileSync(corpus.path(out))), { sites: true });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

describe('frames: the C corpus equals GCC -fstack-usage', CORPUS_NEEDS, () => {
  let corpus: Corpus;
  before(async () => {
    corpus = await buildCorpus();
  });

  for (const t of TARGETS) {
    test(`${t.out}: every .su line`, () => {
      const b = analyze(corpus, t.out);
      const su = parseGccStackUsage(corpus.su(t.out), t.out);
      assert.deepEqual(su.diagnostics, []);
      const entries = su.value ?? [];
      assert.ok(entries.length > 0);
      const mismatches: string[] = [];
      for (const e of entries) {
        const fns = b.functions.filter((f) => f.name === e.function);
        if (fns.length !== 1) {
          mismatches.push(`${e.function}: ${fns.length} functions of that name`);
          continue;
        }
        const f = fns[0]!;
        const dynamic = e.qualifier !== 'static';
        if (f.frameBytes !== e.bytes || f.dynamic !== dynamic) {
          mismatches.push(
            `${e.function}: stacklab ${f.frameBytes}${f.dynamic ? ' dynamic' : ''}, GCC ${e.bytes} ${e.qualifier}`,
          );
        }
      }
      assert.deepEqual(mismatches, []);
    });
  }

  test('frames.o: the cases checkstack.pl gets wrong are counted', () => {
    const b = analyze(corpus, 'frames.o');
    const by = (n: string) => b.functions.find((f) => f.name === n)!;
    // mov x12, #0x13a0; sub sp, sp, x12: invisible to checkstack.pl.
    assert.equal(by('frame_register').info.checkstackBytes, 0);
    assert.equal(by('frame_register').info.registerSubs, 1);
    // sub sp, sp, #0x100, lsl #12 counted as 0x100.
    assert.ok(by('frame_lsl12').info.lsl12Subs >= 1);
    assert.notEqual(by('frame_lsl12').info.checkstackBytes, by('frame_lsl12').frameBytes);
    // Where checkstack.pl is right, it agrees.
    assert.equal(by('frame_small').info.checkstackBytes, 224);
    assert.equal(by('frame_600').info.checkstackBytes, 624);
  });

  test('kernel flags: patchable entries, PAC; pac-bti flags: BTI landing pads', () => {
    const k = analyze(corpus, 'frames-kernel.o');
    const small = k.functions.find((f) => f.name === 'frame_small')!;
    assert.equal(small.patchable, true);
    assert.equal(small.hints.nops, 2);
    assert.equal(small.hints.pac, true);
    const p = analyze(corpus, 'frames-pac-bti.o');
    // paciasp is itself a "bti c" landing pad, so only functions that sign nothing get a bti.
    const ps = p.functions.find((f) => f.name === 'frame_small')!;
    assert.equal(ps.hints.pac, true);
    const leaf = p.functions.find((f) => f.name === 'leaf_noframe')!;
    assert.equal(leaf.hints.bti, true);
    assert.equal(leaf.hints.pac, false);
  });

  test('CFI (.eh_frame in user objects, .debug_frame with -g) agrees with the prologue', () => {
    for (const out of ['frames.o', 'calls.o', 'prog', 'frames-debug.o', 'libcorpus.so']) {
      const b = analyze(corpus, out);
      const withCfi = b.functions.filter((f) => f.cfiBytes !== undefined);
      assert.ok(withCfi.length > 5, `${out}: CFI for ${withCfi.length} functions`);
      const bad = withCfi
        .filter((f) => !f.dynamic && f.cfiBytes !== f.prologueBytes)
        .map((f) => `${f.name}: cfi ${f.cfiBytes}, prologue ${f.prologueBytes}`);
      assert.deepEqual(bad, [], out);
    }
  });
});

describe('addFrameLines: the checkstack fast path prints what analyzeBinary finds', CORPUS_NEEDS, () => {
  let corpus: Corpus;
  before(async () => {
    corpus = await buildCorpus();
  });

  for (const emulate of [false, true]) {
    test(`every corpus binary, all functions${emulate ? ', --emulate-checkstack' : ''}`, () => {
      const fast = new CheckstackLines();
      const entries: { address: string; function: string; file: string; bytes: number }[] = [];
      let dynamic = 0;
      let differ = 0;
      let fastDynamic = 0;
      let fastDiffer = 0;
      for (const t of TARGETS) {
        const bytes = readFileSync(corpus.path(t.out));
        const r = addFrameLines(bytesSource(t.out, bytes), { emulateCheckstack: emulate, min: -1 }, fast);
        assert.ok(r.ok);
        fastDynamic += r.value.dynamic;
        fastDiffer += r.value.differ;
        const b = analyze(corpus, t.out);
        assert.equal(r.value.functions, b.functions.length);
        for (const f of b.functions) {
          const size = emulate ? f.info.checkstackBytes : f.frameBytes;
          entries.push({ address: checkstackAddress(f.address), function: f.name, file: b.tag, bytes: size });
          if (f.dynamic) dynamic++;
          if (f.info.checkstackBytes !== f.frameBytes) differ++;
        }
      }
      assert.equal(new TextDecoder().decode(fast.report()), printCheckstack(entries, -1));
      assert.deepEqual([fastDynamic, fastDiffer], [dynamic, differ]);
      assert.ok(dynamic > 0 && differ > 0);
    });
  }
});

describe('frames from clang .stack_sizes', () => {
  test('a .stack_sizes entry (relocated ABS64 + ULEB128) replaces the decoded frame', async () => {
    const { buildElf, rela, symtab, words } = await import('./elf-builder.ts');
    const {
      R_AARCH64_ABS64,
      SHF_ALLOC,
      SHF_EXECINSTR,
      SHF_LINK_ORDER,
      SHT_PROGBITS,
      SHT_RELA,
      SHT_STRTAB,
      SHT_SYMTAB,
    } = await import('../../src/elf/elf-constants.ts');
    // f: stp x29, x30, [sp, #-32]!; ldp x29, x30, [sp], #32; ret    g at word 3: ret
    const code = words(0xa9be7bfd, 0xa8c27bfd, 0xd65f03c0, 0xd65f03c0);
    const syms = symtab([
      { name: 'f', value: 0, size: 12, shndx: 1 },
      { name: 'g', value: 12, size: 4, shndx: 1 },
    ]);
    // Two entries: (f, 1000 = 0xe8 0x07) and (g, 8).
    const sizes = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0xe8, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 8]);
    const bytes = buildElf({
      sections: [
        { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: code },
        { name: '.stack_sizes', type: SHT_PROGBITS, flags: SHF_LINK_ORDER, data: sizes, link: 1 },
        {
          name: '.rela.stack_sizes',
          type: SHT_RELA,
          data: rela([
            { offset: 0, sym: 1, type: R_AARCH64_ABS64 },
            { offset: 10, sym: 2, type: R_AARCH64_ABS64 },
          ]),
          link: 4,
          info: 2,
          entsize: 24,
        },
        {
          name: '.symtab',
          type: SHT_SYMTAB,
          data: syms.symtab,
          link: 5,
          info: syms.firstGlobal,
          entsize: 24,
        },
        { name: '.strtab', type: SHT_STRTAB, data: syms.strtab },
      ],
    });
    const r = analyzeBinary(bytesSource('s.o', bytes), { sites: false });
    assert.ok(r.ok);
    const by = (n: string) => r.value.functions.find((x) => x.name === n)!;
    assert.deepEqual(
      [by('f').frameBytes, by('f').frameSource, by('f').prologueBytes],
      [1000, 'stack-sizes', 32],
    );
    assert.deepEqual([by('g').frameBytes, by('g').frameSource], [8, 'stack-sizes']);
  });
});
