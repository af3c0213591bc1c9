// Prologue recognizers: what sits before and inside a function's stack set-up.
//
//   nop; nop                          -fpatchable-function-entry=2 (ftrace)
//   bti c                             -mbranch-protection=bti (landing pad)
//   paciasp                           -mbranch-protection=pac-ret (signs x30)
//   stp  x29, x30, [sp, #-80]!        frame record + 64 bytes, one instruction
//   mov  x12, #0x13a0                 frames too big for an immediate: the size goes through a register
//   sub  sp, sp, x12
//   sub  sp, sp, #0x123, lsl #12      ... or through shifted immediates
//   sub  sp, sp, #0x460
import { classify, Kind, mayWrite, wideMove } from './decode.ts';

/** How many instructions back the movz/movk chain feeding "sub sp, sp, xM" may start (glibc has 17 between them). */
export const CONSTANT_LOOKBACK = 64;

/**
 * The constant in register `reg` just before `words[at]`, folded from the movz/movn/orr + movk chain
 * that set it in the same straight-line code; undefined when anything else may have written it, when
 * a branch intervenes, or when the value exceeds 2^53.
 */
export function constantBefore(
  words: Uint32Array,
  at: number,
  reg: number,
  lowest: number,
): number | undefined {
  const keeps: { shift: number; imm16: number }[] = [];
  const stop = Math.max(lowest, at - CONSTANT_LOOKBACK);
  for (let j = at - 1; j >= stop; j--) {
    const w = words[j]!;
    const m = wideMove(w, reg);
    if (m !== undefined) {
      if (m.op === 'keep') {
        keeps.push(m);
        continue;
      }
      let v = m.value;
      for (let k = keeps.length - 1; k >= 0; k--) {
        const { shift, imm16 } = keeps[k]!;
        v = (v & ~(0xffffn << BigInt(shift))) | (BigInt(imm16) << BigInt(shift));
      }
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
    }
    const k = classify(w);
    if (k === Kind.B || k === Kind.BR || k === Kind.RET) return undefined;
    if (mayWrite(w, reg)) return undefined;
  }
  return undefined;
}

/** What precedes the stack set-up at a function's entry. */
export interface EntryHints {
  /** Leading NOPs (the patchable function entry ftrace rewrites into "mov x9, x30; bl ftrace_caller"). */
  readonly nops: number;
  /** A bti landing pad among the first instructions. */
  readonly bti: boolean;
  /** paciasp/pacibsp before the first call or return: the return address is signed. */
  readonly pac: boolean;
}

/** Looks at the first instructions of [start, end) for NOPs, BTI and PAC. */
export function entryHints(words: Uint32Array, start: number, end: number): EntryHints {
  let nops = 0;
  let i = start;
  while (i < end && words[i] === NOP) {
    nops++;
    i++;
  }
  let bti = false;
  let pac = false;
  // PAC may be scheduled after a few loads; stop at the first branch. Hints are checked by mask
  // rather than classify(): this runs for every function of a module tree.
  const stop = Math.min(end, start + 16);
  for (let j = start; j < stop; j++) {
    const w = words[j]!;
    if ((w & 0x1c000000) !== 0x14000000) continue; // not a branch, system or hint instruction
    if ((w & 0xfffff01f) >>> 0 === 0xd503201f) {
      const k = classify(w);
      if (k === Kind.BTI) bti = true;
      else if (k === Kind.PAC) pac = true;
      continue;
    }
    const k = classify(w);
    if (k === Kind.BL || k === Kind.B || k === Kind.RET || k === Kind.BR || k === Kind.BLR) break;
  }
  return { nops, bti, pac };
}

/** hint #0. */
const NOP = 0xd503201f;
