// A partial A64 decoder: exactly the instructions that move SP, set the frame pointer, branch or
// call, and the hints that sit before a prologue. Everything else is OTHER. Encodings follow the Arm
// Architecture Reference Manual (ARM DDI 0487), "A64 Instruction Set Encoding".
//
//   a9bb7bfd  stp  x29, x30, [sp, #-80]!      SP_STORE_WB  delta -80
//   d11643ff  sub  sp, sp, #0x590              SP_ADD_IMM   delta -1424
//   d1448fff  sub  sp, sp, #0x123, lsl #12     SP_ADD_IMM   delta -1191936
//   cb2c63ff  sub  sp, sp, x12                 SP_ADD_REG   (x12 set by "mov x12, #0x13a0")
//   94000000  bl   0 <kfree_skb_reason>        BL           (relocated by R_AARCH64_CALL26)
//
// Words are unsigned 32-bit numbers. JS bitwise operators return signed 32-bit values, so every
// masked comparison against a constant with bit 31 set goes through `>>> 0`.

/** Instruction classes, small integers so the hot loop switches on a number. */
export const Kind = {
  OTHER: 0,
  /** A store with writeback to SP: stp/str ..., [sp, #imm]! or [sp], #imm. */
  SP_STORE_WB: 1,
  /** A load with writeback to SP: ldp/ldr ..., [sp], #imm or [sp, #imm]!. */
  SP_LOAD_WB: 2,
  /** add/sub sp, sp, #imm{, lsl #12}. */
  SP_ADD_IMM: 3,
  /** add/sub sp, sp, xM (extended register): a constant only when xM holds one. */
  SP_ADD_REG: 4,
  /** SP written from another register: mov sp, xN; add/sub sp, xN, #imm; and sp, xN, #mask. */
  SP_SET: 5,
  /** add/sub x29, sp, #imm (mov x29, sp): the frame pointer set from SP. */
  FP_FROM_SP: 6,
  /** b imm26. */
  B: 7,
  /** bl imm26. */
  BL: 8,
  /** b.cond, cbz/cbnz, tbz/tbnz: a conditional pc-relative branch. */
  B_COND: 9,
  /** br xN, braa/brab*: an indirect jump (jump table or tail call through a pointer). */
  BR: 10,
  /** blr xN, blraa/blrab*: an indirect call. */
  BLR: 11,
  /** ret, retaa/retab, eret: the end of a path. */
  RET: 12,
  /** paciasp/pacibsp (hint #25/#27): return address signing before the prologue. */
  PAC: 13,
  /** autiasp/autibsp (hint #29/#31). */
  AUT: 14,
  /** bti, bti c/j/jc (hint #32-#38): a branch target landing pad. */
  BTI: 15,
  /** nop (hint #0): ftrace's patchable entry and alignment padding. */
  NOP: 16,
  /** brk, udf: a trap (BUG(), WARN()); execution may or may not continue. */
  TRAP: 17,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

export const KIND_NAMES: readonly string[] = Object.keys(Kind);

const SP = 31;
const FP = 29;

/** Classifies one instruction word. */
export function classify(w: number): Kind {
  const top = w >>> 25;
  // Branches, exception generation and system instructions: bits 28:26 = 101.
  if ((w & 0x1c000000) === 0x14000000) {
    if ((w & 0x7c000000) === 0x14000000) return (w & 0x80000000) === 0 ? Kind.B : Kind.BL;
    if ((w & 0xff000010) >>> 0 === 0x54000000) return Kind.B_COND;
    if ((w & 0x7c000000) === 0x34000000) return Kind.B_COND; // cbz/cbnz (011010x), tbz/tbnz (011011x)
    if (top === 0x6b) return branchRegister(w);
    if ((w & 0xfffff01f) >>> 0 === 0xd503201f) return hint((w >>> 5) & 0x7f);
    if ((w & 0xffe0001f) >>> 0 === 0xd4200000) return Kind.TRAP; // brk
    return Kind.OTHER;
  }
  if ((w & 0xffff0000) === 0) return Kind.TRAP; // udf
  // Loads and stores with writeback whose base is SP.
  if ((w & 0x0a000000) === 0x08000000) return loadStore(w);
  // Add/subtract (immediate), 64-bit, no flags: sf=1 S=0 100010.
  if ((w & 0xbf800000) >>> 0 === 0x91000000) {
    const rd = w & 31;
    const rn = (w >>> 5) & 31;
    if (rd === SP) return rn === SP ? Kind.SP_ADD_IMM : Kind.SP_SET;
    if (rd === FP && rn === SP) return Kind.FP_FROM_SP;
    return Kind.OTHER;
  }
  // Add/subtract (extended register), 64-bit, no flags, Rd = Rn = SP.
  if ((w & 0xbfe003ff) >>> 0 === 0x8b2003ff) return Kind.SP_ADD_REG;
  // Add/subtract (extended register) with Rd = SP from another base: SP set from registers.
  if ((w & 0xbfe0001f) >>> 0 === 0x8b20001f) return Kind.SP_SET;
  // Logical (immediate), 64-bit, and/orr/eor (not ands) with Rd = SP: and sp, x0, #-16.
  if ((w & 0x9f80001f) >>> 0 === 0x9200001f && (w & 0x60000000) !== 0x60000000) return Kind.SP_SET;
  return Kind.OTHER;
}

function branchRegister(w: number): Kind {
  // Unconditional branch (register): 1101011 opc op2=11111 op3 Rn op4.
  if (((w >>> 16) & 0x1f) !== 0x1f) return Kind.OTHER;
  switch ((w >>> 21) & 0xf) {
    case 0:
    case 8:
      return Kind.BR;
    case 1:
    case 9:
      return Kind.BLR;
    case 2:
    case 4:
      return Kind.RET;
    default:
      return Kind.OTHER;
  }
}

function hint(n: number): Kind {
  if (n === 0) return Kind.NOP;
  if (n === 25 || n === 27) return Kind.PAC;
  if (n === 29 || n === 31) return Kind.AUT;
  if (n === 32 || n === 34 || n === 36 || n === 38) return Kind.BTI;
  return Kind.OTHER;
}

function loadStore(w: number): Kind {
  if ((w & 0x3a800000) === 0x28800000) {
    // Load/store pair, post-index (bits 24:23 = 01) or pre-index (11).
    if (((w >>> 5) & 31) !== SP) return Kind.OTHER;
    return (w & 0x00400000) === 0 ? Kind.SP_STORE_WB : Kind.SP_LOAD_WB;
  }
  if ((w & 0x3b200400) === 0x38000400) {
    // Load/store register (immediate), post-index (bits 11:10 = 01) or pre-index (11).
    if (((w >>> 5) & 31) !== SP) return Kind.OTHER;
    const opc = (w >>> 22) & 3;
    const v = (w >>> 26) & 1;
    const store = opc === 0 || (v === 1 && opc === 2);
    return store ? Kind.SP_STORE_WB : Kind.SP_LOAD_WB;
  }
  return Kind.OTHER;
}

/** SP change of an SP_STORE_WB / SP_LOAD_WB instruction, in bytes (negative grows the stack). */
export function writebackDelta(w: number): number {
  if ((w & 0x3a800000) === 0x28800000) {
    const opc = w >>> 30;
    const v = (w >>> 26) & 1;
    const l = (w >>> 22) & 1;
    // Pair scale: GPR 32-bit (opc 00) 4, ldpsw 4 / stgp 16 (opc 01), 64-bit 8; SIMD 4 << opc.
    const scale = v === 1 ? 4 << opc : opc === 2 ? 8 : opc === 1 && l === 0 ? 16 : 4;
    const imm7 = (w >>> 15) & 0x7f;
    return ((imm7 ^ 0x40) - 0x40) * scale;
  }
  const imm9 = (w >>> 12) & 0x1ff;
  return (imm9 ^ 0x100) - 0x100;
}

/** Is a writeback access pre-indexed ([sp, #imm]!) rather than post-indexed ([sp], #imm)? */
export function isPreIndex(w: number): boolean {
  if ((w & 0x3a800000) === 0x28800000) return (w & 0x01000000) !== 0;
  return (w & 0x800) !== 0;
}

/** Is the writeback access a pair (stp/ldp)? */
export function isPair(w: number): boolean {
  return (w & 0x3a800000) === 0x28800000;
}

/** Signed immediate of add/sub (immediate): +imm for add, -imm for sub, with lsl #12 applied. */
export function addSubImm(w: number): number {
  const imm = ((w >>> 10) & 0xfff) * ((w & 0x00400000) !== 0 ? 4096 : 1);
  return (w & 0x40000000) !== 0 ? -imm : imm;
}

/** The unshifted imm12 and whether "lsl #12" applies (checkstack.pl reads only the former). */
export function addSubImmFields(w: number): { imm12: number; lsl12: boolean; sub: boolean } {
  return {
    imm12: (w >>> 10) & 0xfff,
    lsl12: (w & 0x00400000) !== 0,
    sub: (w & 0x40000000) !== 0,
  };
}

/** For SP_ADD_REG: the source register, whether it subtracts, and the extend shift (0-4). */
export function addSubReg(w: number): { rm: number; sub: boolean; shift: number; option: number } {
  return {
    rm: (w >>> 16) & 31,
    sub: (w & 0x40000000) !== 0,
    shift: (w >>> 10) & 7,
    option: (w >>> 13) & 7,
  };
}

/** Rn of an add/sub (SP_SET, FP_FROM_SP) or logical immediate. */
export function rn(w: number): number {
  return (w >>> 5) & 31;
}

/** Rd / Rt: bits 4:0. */
export function rd(w: number): number {
  return w & 31;
}

/** Is this SP_SET an add/sub immediate (so `sub sp, x29, #16` can be resolved from the frame pointer)? */
export function isAddSubImm(w: number): boolean {
  return (w & 0xbf800000) >>> 0 === 0x91000000;
}

/** Byte offset of a pc-relative branch (B, BL, B_COND), from the branch itself. */
export function branchOffset(w: number): number {
  if ((w & 0x7c000000) === 0x14000000) {
    const imm26 = w & 0x03ffffff;
    return ((imm26 ^ 0x02000000) - 0x02000000) * 4;
  }
  if ((w & 0x7e000000) === 0x36000000) {
    const imm14 = (w >>> 5) & 0x3fff;
    return ((imm14 ^ 0x2000) - 0x2000) * 4;
  }
  const imm19 = (w >>> 5) & 0x7ffff;
  return ((imm19 ^ 0x40000) - 0x40000) * 4;
}

/**
 * Constant moved into a register by movz/movn (64-bit), movk, or orr-immediate from xzr.
 * Returns what the instruction does to `reg`, or undefined when it does not write `reg` with a
 * constant. `movk` keeps the other bits, so callers fold a movz/movk chain.
 */
export type WideMove =
  | { readonly op: 'set'; readonly value: bigint }
  | { readonly op: 'keep'; readonly shift: number; readonly imm16: number };

export function wideMove(w: number, reg: number): WideMove | undefined {
  if ((w & 31) !== reg) return undefined;
  if ((w & 0x1f800000) === 0x12800000) {
    // Move wide: sf opc 100101 hw imm16 Rd.
    const sf = w >>> 31;
    const opc = (w >>> 29) & 3;
    const hw = (w >>> 21) & 3;
    if (sf === 0 && hw > 1) return undefined;
    const imm16 = (w >>> 5) & 0xffff;
    const shift = hw * 16;
    const width = sf === 1 ? 64n : 32n;
    const mask = (1n << width) - 1n;
    if (opc === 2) return { op: 'set', value: BigInt(imm16) << BigInt(shift) };
    if (opc === 0) return { op: 'set', value: ~(BigInt(imm16) << BigInt(shift)) & mask };
    if (opc === 3) return { op: 'keep', shift, imm16 };
    return undefined;
  }
  if ((w & 0x7f8003e0) === 0x320003e0) {
    // orr Rd, xzr, #bitmask (the "mov xN, #imm" alias for bitmask immediates).
    const sf = w >>> 31;
    const n = (w >>> 22) & 1;
    const immr = (w >>> 16) & 0x3f;
    const imms = (w >>> 10) & 0x3f;
    const v = decodeBitMask(n, imms, immr, sf === 1 ? 64 : 32);
    return v === undefined ? undefined : { op: 'set', value: v };
  }
  return undefined;
}

/** DecodeBitMasks() of the Arm ARM for logical immediates (the wmask only). */
export function decodeBitMask(n: number, imms: number, immr: number, dataSize: 32 | 64): bigint | undefined {
  const combined = (n << 6) | (~imms & 0x3f);
  if (combined === 0) return undefined;
  const len = 31 - Math.clz32(combined);
  if (len < 1) return undefined;
  const esize = 1 << len;
  if (esize > dataSize) return undefined;
  const levels = esize - 1;
  const s = imms & levels;
  const r = immr & levels;
  if (s === levels) return undefined;
  const eMask = (1n << BigInt(esize)) - 1n;
  const welem = (1n << BigInt(s + 1)) - 1n;
  const rotated = ((welem >> BigInt(r)) | (welem << BigInt(esize - r))) & eMask;
  let out = 0n;
  for (let i = 0; i < dataSize; i += esize) out |= rotated << BigInt(i);
  return out;
}

/**
 * May the instruction write general register `reg` (0-30)? Conservative: true unless the encoding
 * clearly leaves it alone (stores, branches, hints, compares into xzr). Used when folding the
 * movz/movk chain that feeds "sub sp, sp, xM".
 */
export function mayWrite(w: number, reg: number): boolean {
  const k = classify(w);
  switch (k) {
    case Kind.B:
    case Kind.B_COND:
    case Kind.BR:
    case Kind.RET:
    case Kind.NOP:
    case Kind.PAC:
    case Kind.AUT:
    case Kind.BTI:
    case Kind.TRAP:
    case Kind.SP_STORE_WB:
      return false;
    case Kind.BL:
    case Kind.BLR:
      // AAPCS64: a call may clobber x0-x18 and writes x30.
      return reg <= 18 || reg === 30;
    default:
      break;
  }
  if ((w & 0x0a000000) === 0x08000000) {
    // Loads and stores.
    if ((w & 0x3a000000) === 0x28000000) {
      // Pairs: L (bit 22) set means a load of Rt and Rt2.
      if ((w & 0x00400000) === 0) return false;
      return (w & 31) === reg || ((w >>> 10) & 31) === reg;
    }
    if ((w & 0x3a000000) === 0x38000000) {
      // Single register (immediate, register offset, unsigned offset): opc 00 stores.
      const opc = (w >>> 22) & 3;
      const v = (w >>> 26) & 1;
      if (opc === 0 || (v === 1 && opc === 2)) return false;
    }
    return (w & 31) === reg;
  }
  return (w & 31) === reg;
}
