// The A64 decoder: a valid/invalid table of encodings, then binutils' objdump as the oracle for every
// instruction of the C corpus (every SP-moving, frame-pointer, branch and hint instruction objdump
// prints must be classified alike, with the same immediate).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import {
  addSubImm,
  branchOffset,
  classify,
  decodeBitMask,
  KIND_NAMES,
  Kind,
  wideMove,
  writebackDelta,
} from '../../src/elf/aarch64/decode.ts';
import { constantBefore } from '../../src/elf/aarch64/prologue.ts';
import { checkstackOf, FrameAnalyzer } from '../../src/elf/frame-analysis.ts';
import { buildCorpus, CORPUS_NEEDS, type Corpus, OBJDUMP } from './corpus.ts';

const kindName = (k: number) => KIND_NAMES[k] ?? String(k);

describe('classify: encodings', () => {
  const valid: [string, number, Kind, number?][] = [
    ['stp x29, x30, [sp, #-80]!', 0xa9bb7bfd, Kind.SP_STORE_WB, -80],
    ['stp x29, x30, [sp, #-16]!', 0xa9bf7bfd, Kind.SP_STORE_WB, -16],
    ['stp d8, d9, [sp, #-32]!', 0x6dbe27e8, Kind.SP_STORE_WB, -32],
    ['stp q0, q1, [sp, #-64]!', 0xadbe07e0, Kind.SP_STORE_WB, -64],
    ['str x19, [sp, #-16]!', 0xf81f0ff3, Kind.SP_STORE_WB, -16],
    ['ldp x29, x30, [sp], #80', 0xa8c57bfd, Kind.SP_LOAD_WB, 80],
    ['ldr x19, [sp], #16', 0xf84107f3, Kind.SP_LOAD_WB, 16],
    ['sub sp, sp, #0x590', 0xd11643ff, Kind.SP_ADD_IMM, -0x590],
    ['sub sp, sp, #0x123, lsl #12', 0xd1448fff, Kind.SP_ADD_IMM, -0x123000],
    ['add sp, sp, #0x210', 0x910843ff, Kind.SP_ADD_IMM, 0x210],
    ['sub sp, sp, x12', 0xcb2c63ff, Kind.SP_ADD_REG],
    ['add sp, sp, x12', 0x8b2c63ff, Kind.SP_ADD_REG],
    ['mov sp, x29', 0x910003bf, Kind.SP_SET, 0],
    ['sub sp, x29, #0x10', 0xd10043bf, Kind.SP_SET, -16],
    ['mov x29, sp', 0x910003fd, Kind.FP_FROM_SP, 0],
    ['add x29, sp, #0x10', 0x910043fd, Kind.FP_FROM_SP, 16],
    ['bl 0', 0x94000000, Kind.BL, 0],
    ['b .-4', 0x17ffffff, Kind.B, -4],
    ['b.ne .+0x20', 0x54000101, Kind.B_COND, 0x20],
    ['cbz w2, .+0x40', 0x34000202, Kind.B_COND, 0x40],
    ['tbnz w1, #0, .+0x1c0', 0x37000e01, Kind.B_COND, 0x1c0],
    ['blr x2', 0xd63f0040, Kind.BLR],
    ['br x16', 0xd61f0200, Kind.BR],
    ['ret', 0xd65f03c0, Kind.RET],
    ['retaa', 0xd65f0bff, Kind.RET],
    ['paciasp', 0xd503233f, Kind.PAC],
    ['autiasp', 0xd50323bf, Kind.AUT],
    ['bti c', 0xd503245f, Kind.BTI],
    ['nop', 0xd503201f, Kind.NOP],
    ['brk #0x800', 0xd4210000, Kind.TRAP],
    ['udf #0', 0x00000000, Kind.TRAP],
  ];
  for (const [text, w, kind, imm] of valid) {
    test(`${text} → ${kindName(kind)}${imm === undefined ? '' : ` ${imm}`}`, () => {
      assert.equal(kindName(classify(w)), kindName(kind));
      if (imm === undefined) return;
      if (kind === Kind.SP_STORE_WB || kind === Kind.SP_LOAD_WB) assert.equal(writebackDelta(w), imm);
      else if (kind === Kind.SP_ADD_IMM || kind === Kind.SP_SET || kind === Kind.FP_FROM_SP)
        assert.equal(addSubImm(w), imm);
      else assert.equal(branchOffset(w), imm);
    });
  }
  const other: [string, number][] = [
    ['stp x19, x20, [sp, #16] (no writeback)', 0xa90153f3],
    ['stp x1, x2, [x0, #-16]! (base not SP)', 0xa9bf0801],
    ['sub x0, x0, #0x68', 0xd101a000],
    ['sub w1, w1, #0x20 (32-bit)', 0x51008021],
    ['ldr x0, [sp, #16]', 0xf9400be0],
    ['mov x12, #0x13a0', 0xd282740c],
    ['cmp x0, x2', 0xeb02001f],
    ['adrp x1, 0', 0x90000001],
  ];
  for (const [text, w] of other) test(`${text} → OTHER`, () => assert.equal(kindName(classify(w)), 'OTHER'));
});

describe('constants feeding "sub sp, sp, xN"', () => {
  test('movz; movk chain folds', () => {
    // mov x12, #0x2345; movk x12, #0x1, lsl #16; sub sp, sp, x12
    const w = new Uint32Array([0xd28468ac, 0xf2a0002c, 0xcb2c63ff]);
    assert.equal(constantBefore(w, 2, 12, 0), 0x12345);
  });
  test('a write in between makes it unknown', () => {
    const w = new Uint32Array([0xd282740c, 0x8b00018c /* add x12, x12, x0 */, 0xcb2c63ff]);
    assert.equal(constantBefore(w, 2, 12, 0), undefined);
  });
  test("glibc's prologue: the mov sits 17 instructions before the sub, with other writes between", () => {
    // libc.so.6 (Debian 2.36, arm64) at 0x8e470, as objdump prints it:
    const w = new Uint32Array([
      0xa9ba7bfd, // stp x29, x30, [sp, #-96]!
      0xd282380d, // mov x13, #0x11c0
      0xd2800009, // mov x9, #0x0
      0x910003fd, // mov x29, sp
      0xb0000881, // adrp x1, ...
      0xf9473421, // ldr x1, [x1, #3688]
      0xa90153f3, // stp x19, x20, [sp, #16]
      0x90000654, // adrp x20, ...
      0xa9025bf5, // stp x21, x22, [sp, #32]
      0xaa0003f3, // mov x19, x0
      0xd0000896, // adrp x22, ...
      0xa90363f7, // stp x23, x24, [sp, #48]
      0xd280000f, // mov x15, #0x0
      0xd2800010, // mov x16, #0x0
      0xa9046bf9, // stp x25, x26, [sp, #64]
      0xd2800011, // mov x17, #0x0
      0xd2800003, // mov x3, #0x0
      0xa90573fb, // stp x27, x28, [sp, #80]
      0xcb2d63ff, // sub sp, sp, x13
    ]);
    assert.equal(constantBefore(w, 18, 13, 0), 0x11c0);
    const info = new FrameAnalyzer().analyze(w, 0, w.length, undefined, {
      relocated: undefined,
      jumpLabels: undefined,
    });
    assert.equal(info.frameBytes, 96 + 0x11c0); // .eh_frame: CFA sp+4640
    assert.equal(info.dynamic, false);
  });
  test('orr-immediate "mov" and movn', () => {
    assert.deepEqual(wideMove(0xb27c2fec /* mov x12, #0xfff0 */, 12), { op: 'set', value: 0xfff0n });
    assert.deepEqual(wideMove(0x92800000 /* mov x0, #-1 */, 0), { op: 'set', value: (1n << 64n) - 1n });
    assert.equal(decodeBitMask(1, 0x3f, 0, 64), undefined);
  });
});

describe('decoder properties (fast-check)', () => {
  const word = fc.integer({ min: 0, max: 0xffffffff });
  test('classify and the field readers never throw, and return small integers', () => {
    fc.assert(
      fc.property(word, (w) => {
        const k = classify(w);
        assert.ok(Number.isInteger(k) && k >= 0 && k < KIND_NAMES.length);
        assert.ok(Number.isSafeInteger(writebackDelta(w)));
        assert.ok(Number.isSafeInteger(addSubImm(w)));
        assert.ok(Number.isSafeInteger(branchOffset(w)) && branchOffset(w) % 4 === 0);
      }),
      { seed: 1, numRuns: 20000 },
    );
  });

  test('the frame walk terminates on random code, and its checkstack sum equals the linear one', () => {
    const analyzer = new FrameAnalyzer();
    // Bias towards the encodings that matter so paths, joins and SP moves actually happen.
    const interesting = fc.constantFrom(
      0xa9bb7bfd,
      0xa8c57bfd,
      0xd11643ff,
      0x910843ff,
      0xcb2c63ff,
      0xd282740c,
      0x910003bf,
      0x910003fd,
      0x54000101,
      0x17ffffff,
      0x14000002,
      0xd65f03c0,
      0xd61f0200,
      0xd503201f,
      0xd4210000,
      0xd1448fff,
      0xf81f0ff3,
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(word, interesting, interesting), { minLength: 0, maxLength: 200 }),
        (ws) => {
          const words = Uint32Array.from(ws);
          const info = analyzer.analyze(words, 0, words.length, []);
          assert.ok(Number.isFinite(info.frameBytes) && info.frameBytes >= 0);
          assert.equal(info.checkstackBytes, checkstackOf(words, 0, words.length));
        },
      ),
      { seed: 2, numRuns: 3000 },
    );
  });
});

/** objdump's text for what the decoder classifies. */
function expectedKind(text: string): { kind: string; imm?: number } | undefined {
  const t = text.replace(/\s+/g, ' ').trim();
  let m: RegExpExecArray | null;
  if ((m = /^st(?:p|r)\S* [^[]*\[sp, #(-?\d+)\]!$/.exec(t)))
    return { kind: 'SP_STORE_WB', imm: Number(m[1]) };
  if ((m = /^st(?:p|r)\S* [^[]*\[sp\], #(-?\d+)$/.exec(t))) return { kind: 'SP_STORE_WB', imm: Number(m[1]) };
  if ((m = /^ld(?:p|r)\S* [^[]*\[sp\], #(-?\d+)$/.exec(t))) return { kind: 'SP_LOAD_WB', imm: Number(m[1]) };
  if ((m = /^ld(?:p|r)\S* [^[]*\[sp, #(-?\d+)\]!$/.exec(t))) return { kind: 'SP_LOAD_WB', imm: Number(m[1]) };
  if ((m = /^(sub|add) sp, sp, #0x([0-9a-f]+)(, lsl #12)?$/.exec(t))) {
    const v = Number.parseInt(m[2]!, 16) * (m[3] ? 4096 : 1);
    return { kind: 'SP_ADD_IMM', imm: m[1] === 'sub' ? -v : v };
  }
  if (/^(sub|add) sp, sp, x\d+/.test(t)) return { kind: 'SP_ADD_REG' };
  if (/^mov sp, x29$/.test(t)) return { kind: 'SP_SET', imm: 0 };
  if (/^mov x29, sp$/.test(t)) return { kind: 'FP_FROM_SP', imm: 0 };
  if ((m = /^add x29, sp, #0x([0-9a-f]+)$/.exec(t)))
    return { kind: 'FP_FROM_SP', imm: Number.parseInt(m[1]!, 16) };
  if (/^bl (?:[0-9a-f]+ )?</.test(t)) return { kind: 'BL' };
  if (/^b (?:[0-9a-f]+ )?</.test(t)) return { kind: 'B' };
  if (/^(b\.\w+|cbn?z|tbn?z) /.test(t)) return { kind: 'B_COND' };
  if (/^blr /.test(t)) return { kind: 'BLR' };
  if (/^br /.test(t)) return { kind: 'BR' };
  if (/^ret(aa|ab)?$/.test(t)) return { kind: 'RET' };
  if (/^paci[ab]sp$/.test(t)) return { kind: 'PAC' };
  if (/^auti[ab]sp$/.test(t)) return { kind: 'AUT' };
  if (/^bti( [cj]+)?$/.test(t)) return { kind: 'BTI' };
  if (t === 'nop') return { kind: 'NOP' };
  return undefined;
}

describe('classify against objdump on the C corpus', CORPUS_NEEDS, () => {
  let corpus: Corpus;
  before(async () => {
    corpus = await buildCorpus();
  });

  for (const out of [
    'frames.o',
    'calls.o',
    'frames-kernel.o',
    'frames-pac-bti.o',
    'calls-pac-bti.o',
    'prog',
  ]) {
    test(`${out}: every instruction objdump prints as SP/branch/hint is classified alike`, () => {
      const dump = execFileSync(OBJDUMP, ['-d', '--no-addresses', corpus.path(out)], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      });
      const bad: string[] = [];
      let checked = 0;
      for (const line of dump.split('\n')) {
        const m = /^\s+([0-9a-f]{8}) \t(.*)$/.exec(line);
        if (!m) continue;
        const w = Number.parseInt(m[1]!, 16);
        const text = m[2]!.replace(/\s*\/\/.*$/, '');
        const want = expectedKind(text);
        const got = kindName(classify(w));
        if (want === undefined) {
          // What objdump prints as something else must not be taken for an SP move or a branch.
          if (got !== 'OTHER' && got !== 'TRAP') bad.push(`${m[1]} ${text}: classified ${got}`);
          continue;
        }
        checked++;
        if (got !== want.kind) bad.push(`${m[1]} ${text}: want ${want.kind}, got ${got}`);
        else if (want.imm !== undefined) {
          const imm = got === 'SP_STORE_WB' || got === 'SP_LOAD_WB' ? writebackDelta(w) : addSubImm(w);
          if (imm !== want.imm) bad.push(`${m[1]} ${text}: immediate ${imm}, want ${want.imm}`);
        }
      }
      assert.ok(checked > 50, `only ${checked} instructions checked`);
      assert.deepEqual(bad.slice(0, 20), []);
    });
  }
});
