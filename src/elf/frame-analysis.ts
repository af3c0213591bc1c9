// Frame size of one function from its machine code: follow every path from the entry, tracking SP
// relative to its value at entry, and take the deepest point. Paths (not a linear scan) matter:
// a shrink-wrapped function may set up its frame on two paths, and checkstack.pl adds both.
//
//   entry SP ->  +------------------+
//                | frame record     |  stp x29, x30, [sp, #-80]!   SP = entry - 80
//                | callee-saved     |
//                | locals           |  sub sp, sp, x12 (x12 = 0x13a0 from movz)
//                +------------------+  <- deepest static SP: frameBytes
//                | VLA / alloca     |  sub sp, sp, x0 (x0 not constant): dynamic
//
// Static keys and boot-time alternatives are followed both ways: a NOP that becomes a branch when a
// key flips (dynamic debug's pr_debug) may lead to the only frame a function has.
//
// Call sites are recorded on the way with the depth at which they happen, so the call graph adds
// the caller's frame as it stands at the call (a tail call after the epilogue adds nothing).
import {
  addSubImm,
  addSubImmFields,
  addSubReg,
  branchOffset,
  classify,
  isAddSubImm,
  isPair,
  isPreIndex,
  Kind,
  rn,
  writebackDelta,
} from './aarch64/decode.ts';
import { constantBefore } from './aarch64/prologue.ts';

/** What a file says about one code section beyond its bytes. */
export interface SectionCode {
  /** Words a branch relocation patches (relocatable files): the relocation, not the encoding, names the callee. */
  readonly relocated?: Uint8Array | undefined;
  /**
   * Static branches (section offset → target section offset): __jump_table's static keys and
   * .altinstructions' one-instruction branches. Both ways through each are paths.
   */
  readonly jumpLabels?: ReadonlyMap<number, number> | undefined;
}

/** How control leaves a function at a call site. */
export const SiteKind = {
  /** bl: returns here. */
  CALL: 0,
  /** b (or a conditional branch) to another function: the caller's frame is whatever is left at the branch. */
  JUMP: 1,
  /** blr: a call through a register. */
  INDIRECT_CALL: 2,
  /** br: a jump through a register (a tail call through a pointer, or a jump table). */
  INDIRECT_JUMP: 3,
} as const;
export type SiteKind = (typeof SiteKind)[keyof typeof SiteKind];

export interface CallSite {
  /** Section offset of the branch instruction. */
  readonly offset: number;
  readonly kind: SiteKind;
  /** Section offset of a pc-relative target (before relocation); NaN for register branches. */
  readonly target: number;
  /** Bytes below the caller's entry SP when the branch executes. */
  readonly depth: number;
  /** False when no path from the entry reached the site; depth is then the frame size (conservative). */
  readonly reached: boolean;
}

export interface FrameInfo {
  /** Deepest static SP below the entry SP, in bytes: the frame as GCC's -fstack-usage counts it. */
  readonly frameBytes: number;
  /** A non-constant SP adjustment (VLA, alloca, RANDOMIZE_KSTACK_OFFSET): frameBytes is the static part. */
  readonly dynamic: boolean;
  /** SP was loaded from a register other than the frame pointer (a stack switch or an alloca result). */
  readonly spFromRegister: boolean;
  /** Two paths reach one instruction with different SP (a loop that grows the stack, or a decoding gap). */
  readonly inconsistent: boolean;
  /** What scripts/checkstack.pl adds up for the same range (every "stp ..., [sp, #-N]!" and "sub sp, sp, #0x..."). */
  readonly checkstackBytes: number;
  /** The constant-register SP adjustments checkstack.pl cannot see ("mov x12, #imm; sub sp, sp, x12"). */
  readonly registerSubs: number;
  /** "sub sp, sp, #imm, lsl #12" instructions (checkstack.pl reads their imm12 without the shift). */
  readonly lsl12Subs: number;
  /** Pre-indexed single-register stores to SP ("str x19, [sp, #-16]!"), which checkstack.pl does not count. */
  readonly strPushes: number;
}

/**
 * Can the instruction matter to the walk? Everything that branches (bits 28:26 = 101: branches,
 * traps; of the system instructions in that class only a static key's NOP, marked in `marks`),
 * writes SP (Rd = 31 in add/sub and logical immediates, add/sub extended; writeback loads and stores
 * on SP) or sets x29 from SP, and udf (top half zero). False positives (cmp into xzr ...) are
 * harmless: classify() says OTHER. Hints (PAC, AUT, BTI, plain NOPs) change nothing on a path.
 */
function mayMatter(w: number, marks: Uint8Array, at: number): boolean {
  if ((w & 0x1c000000) === 0x14000000) return w >>> 24 !== 0xd5 || marks[at] === 1;
  if (w <= 0xffff) return true;
  if (
    (w & 31) === 31 &&
    ((w & 0xbf800000) >>> 0 === 0x91000000 ||
      (w & 0xbfe00000) >>> 0 === 0x8b200000 ||
      (w & 0x9f800000) >>> 0 === 0x92000000)
  )
    return true;
  if ((w & 0x3e0) !== 0x3e0) return false;
  return (
    (w & 0x3a800000) === 0x28800000 ||
    (w & 0x3b200400) === 0x38000400 ||
    (w & 0xbf80001f) >>> 0 === 0x9100001d
  );
}

/**
 * Collects the instructions of words[start, start + n) that may matter into `idx` (word indexes from
 * `start`), and for every word the position in `idx` of the next one at or after it into `next`.
 * Returns how many there are. (A small function of its own: the JIT optimizes it early.)
 */
function compact(
  words: Uint32Array,
  start: number,
  n: number,
  idx: Int32Array,
  next: Int32Array,
  marks: Uint8Array,
): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    next[i] = m;
    if (mayMatter(words[start + i]!, marks, start + i)) idx[m++] = i;
  }
  next[n] = m;
  return m;
}

const NO_LABELS: ReadonlyMap<number, number> = new Map();

/**
 * Reusable scratch buffers: analysing 190k functions must not allocate per instruction.
 *
 * The walk runs over the instructions that may matter only (a quarter of the code): between two of
 * them nothing moves SP or branches, so SP is the same, and a branch into such a gap lands on the
 * next one that matters.
 */
export class FrameAnalyzer {
  /** Word indexes (from the function start) of the instructions that may matter. */
  private idx = new Int32Array(256);
  /** jumpLabels of the section last seen, as a mark per word index (1 = a static branch site). */
  private labelMarks = new Uint8Array(0);
  private marked: number[] = [];
  private next = new Int32Array(257);
  /** (An empty map before the first section, so the field always holds a map: stable for the JIT.) */
  private marksFor: ReadonlyMap<number, number> | undefined = NO_LABELS;
  /** SP offset at which each of them was first reached; NaN = not reached (yet). */
  private spAt = new Float64Array(256);
  private stackK = new Int32Array(64);
  private stackSp = new Float64Array(64);
  private stackFp = new Float64Array(64);
  private top = 0;

  /**
   * Analyses words [start, end) of a code section (word indexes): the walk covers [start, walkEnd)
   * (the symbol's st_size; code after it up to the next label, such as a symbol-less function that
   * a noreturn call falls into, is not this function's), checkstack.pl's sum the whole label range.
   * When `sites` is given, call sites are appended to it, with offsets as section offsets. `section`
   * says what the file knows about the section's code beyond its bytes.
   */
  analyze(
    words: Uint32Array,
    start: number,
    end: number,
    sites?: CallSite[],
    section?: SectionCode,
    walkEnd: number = end,
  ): FrameInfo {
    const relocated = section?.relocated;
    const jumpLabels = section?.jumpLabels;
    const n = Math.max(0, Math.min(walkEnd, end) - start);
    const labelWords = end - start;
    if (this.idx.length < labelWords) {
      const size = Math.max(labelWords, this.idx.length * 2);
      this.idx = new Int32Array(size);
      this.next = new Int32Array(size + 1);
      this.spAt = new Float64Array(size);
    }
    const idx = this.idx;
    const next = this.next;
    if ((jumpLabels ?? NO_LABELS) !== this.marksFor) this.markLabels(jumpLabels);
    if (this.labelMarks.length < words.length) this.growMarks(words.length);
    const marks = this.labelMarks;
    const mAll = compact(words, start, labelWords, idx, next, marks);
    // The walk stops where the function's own code does.
    const m = next[n]!;
    const spAt = this.spAt;
    spAt.fill(Number.NaN, 0, mAll);
    let maxDepth = 0;
    let dynamic = false;
    let spFromRegister = false;
    let inconsistent = false;
    let registerSubs = 0;
    let checkstackBytes = 0;
    let lsl12Subs = 0;
    let strPushes = 0;
    // SP at the last indirect jump: jump-table cases reached only through it start from there.
    let brSp = Number.NaN;
    let reached = 0;
    const siteStart = sites === undefined ? 0 : sites.length;
    this.top = 0;
    if (m > 0) this.push(0, 0, Number.NaN);
    let seedFrom = 0;
    for (;;) {
      while (this.top > 0) {
        this.top--;
        let k = this.stackK[this.top]!;
        let sp = this.stackSp[this.top]!;
        let fp = this.stackFp[this.top]!;
        while (k < m) {
          const seen = spAt[k]!;
          if (!Number.isNaN(seen)) {
            // Reached before (not NaN): a join; paths must agree on SP.
            if (seen !== sp) inconsistent = true;
            break;
          }
          spAt[k] = sp;
          reached++;
          const i = idx[k]!;
          const w = words[start + i]!;
          const kind = classify(w);
          let stop = false;
          switch (kind) {
            case Kind.OTHER:
              break;
            case Kind.SP_STORE_WB: {
              const d = writebackDelta(w);
              sp += d;
              if (isPreIndex(w)) {
                if (!isPair(w)) strPushes++;
                else if (d < 0 && !isStgp(w)) checkstackBytes -= d;
              }
              break;
            }
            case Kind.SP_LOAD_WB:
              sp += writebackDelta(w);
              break;
            case Kind.SP_ADD_IMM:
              sp += addSubImm(w);
              if ((w & 0x40000000) !== 0) {
                checkstackBytes += (w >>> 10) & 0xfff;
                if ((w & 0x00400000) !== 0) lsl12Subs++;
              }
              break;
            case Kind.SP_ADD_REG: {
              const { rm, sub, shift } = addSubReg(w);
              const c = rm === 31 ? undefined : constantBefore(words, start + i, rm, start);
              if (c !== undefined) {
                const v = c * 2 ** shift;
                sp += sub ? -v : v;
                if (sub) registerSubs++;
              } else if (sub) dynamic = true;
              else {
                // Unknown amount given back: nothing below is trustworthy on this path.
                spFromRegister = true;
                stop = true;
              }
              break;
            }
            case Kind.SP_SET:
              if (rn(w) === 29 && isAddSubImm(w) && !Number.isNaN(fp)) sp = fp + addSubImm(w);
              else {
                if (rn(w) !== 29) spFromRegister = true;
                dynamic = true;
                stop = true;
              }
              break;
            case Kind.FP_FROM_SP:
              fp = sp + addSubImm(w);
              break;
            case Kind.NOP: {
              // A static key's NOP becomes a branch to its target when the key flips.
              if (marks[start + i] !== 1) break;
              const target = jumpLabels?.get((start + i) * 4);
              if (target === undefined) break;
              const t = target / 4 - start;
              if (t >= 0 && t < n) this.push(next[t]!, sp, fp);
              else if (sites !== undefined) this.site(sites, start, i, SiteKind.JUMP, t, -sp, true);
              break;
            }
            case Kind.B: {
              const t = targetIndex(w, start, i, relocated);
              // A static key's "b" becomes a NOP when the key flips: the next instruction is a path too.
              if (marks[start + i] === 1 && k + 1 < m) this.push(k + 1, sp, fp);
              if (t >= 0 && t < n) {
                if (-sp > maxDepth) maxDepth = -sp;
                k = next[t]!;
                continue;
              }
              if (sites !== undefined) this.site(sites, start, i, SiteKind.JUMP, t, -sp, true);
              stop = true;
              break;
            }
            case Kind.BL:
              if (sites !== undefined) {
                const t =
                  relocated !== undefined && relocated[start + i] === 1
                    ? Number.NaN
                    : i + branchOffset(w) / 4;
                this.site(sites, start, i, SiteKind.CALL, t, -sp, true);
              }
              break;
            case Kind.B_COND: {
              const t = targetIndex(w, start, i, relocated);
              if (t >= 0 && t < n) this.push(next[t]!, sp, fp);
              else if (sites !== undefined) this.site(sites, start, i, SiteKind.JUMP, t, -sp, true);
              break;
            }
            case Kind.BLR:
              if (sites !== undefined)
                this.site(sites, start, i, SiteKind.INDIRECT_CALL, Number.NaN, -sp, true);
              break;
            case Kind.BR:
              if (sites !== undefined)
                this.site(sites, start, i, SiteKind.INDIRECT_JUMP, Number.NaN, -sp, true);
              brSp = sp;
              stop = true;
              break;
            case Kind.RET:
              stop = true;
              break;
            case Kind.TRAP:
              // udf never continues; brk does for WARN() and not for BUG(), whose next block is a branch target anyway.
              stop = (w & 0xffff0000) === 0;
              break;
            default:
              break;
          }
          if (-sp > maxDepth) maxDepth = -sp;
          if (stop) break;
          k++;
        }
      }
      // Code no path reached: jump-table cases (start them at the dispatch's SP) or dead code.
      if (Number.isNaN(brSp)) break;
      while (seedFrom < m && !Number.isNaN(spAt[seedFrom]!)) seedFrom++;
      if (seedFrom >= m) break;
      this.push(seedFrom, brSp, Number.NaN);
    }
    // checkstack.pl reads every line, reached or not: add what the walk did not visit, and collect
    // the call sites there (their callees are real; their depth is unknown, so the whole frame).
    const seen = sites === undefined ? undefined : new Set<number>();
    if (sites !== undefined && seen !== undefined)
      for (let s = siteStart; s < sites.length; s++) seen.add(sites[s]!.offset);
    for (let k = reached === mAll ? mAll : 0; k < mAll; k++) {
      if (!Number.isNaN(spAt[k]!)) continue;
      const i = idx[k]!;
      const w = words[start + i]!;
      const cs = checkstackWord(w);
      if (cs > 0) {
        checkstackBytes += cs;
        if ((w & 0xff8003ff) >>> 0 === 0xd10003ff && (w & 0x00400000) !== 0) lsl12Subs++;
      }
      if (sites !== undefined && seen !== undefined && k < m)
        this.unreachedSite(w, start, i, n, maxDepth, sites, seen, relocated);
    }
    return {
      frameBytes: maxDepth,
      dynamic,
      spFromRegister,
      inconsistent,
      checkstackBytes,
      registerSubs,
      lsl12Subs,
      strPushes,
    };
  }

  /** Marks the word indexes of a section's static branch sites (clearing the previous section's). */
  private markLabels(jumpLabels: ReadonlyMap<number, number> | undefined): void {
    for (const w of this.marked) this.labelMarks[w] = 0;
    this.marked.length = 0;
    this.marksFor = jumpLabels ?? NO_LABELS;
    if (jumpLabels === undefined) return;
    for (const offset of jumpLabels.keys()) {
      // Sites lie inside their section (jump-labels.ts checks), so a mark per word stays bounded by it.
      if (!(offset >= 0 && offset % 4 === 0 && offset < 2 ** 32)) continue;
      const w = offset / 4;
      if (w >= this.labelMarks.length) this.growMarks(w + 1);
      this.labelMarks[w] = 1;
      this.marked.push(w);
    }
  }

  /** Marks cover every word of the sections seen: reads stay in bounds (out of bounds is slow). */
  private growMarks(words: number): void {
    const grown = new Uint8Array(Math.max(words, this.labelMarks.length * 2));
    grown.set(this.labelMarks);
    this.labelMarks = grown;
  }

  private push(k: number, sp: number, fp: number): void {
    if (this.top === this.stackK.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.stackK = grow(this.stackK, (x) => new Int32Array(x));
      this.stackSp = grow(this.stackSp, (x) => new Float64Array(x));
      this.stackFp = grow(this.stackFp, (x) => new Float64Array(x));
    }
    this.stackK[this.top] = k;
    this.stackSp[this.top] = sp;
    this.stackFp[this.top] = fp;
    this.top++;
  }

  private site(
    sites: CallSite[],
    start: number,
    i: number,
    kind: SiteKind,
    targetIndex: number,
    depth: number,
    reached: boolean,
  ): void {
    sites.push({
      offset: (start + i) * 4,
      kind,
      target: Number.isNaN(targetIndex) ? Number.NaN : (start + targetIndex) * 4,
      depth: Math.max(depth, 0),
      reached,
    });
  }

  /** A branch on code no path reached still names a callee; it gets the whole frame as its depth. */
  private unreachedSite(
    w: number,
    start: number,
    i: number,
    n: number,
    frame: number,
    sites: CallSite[],
    seen: Set<number>,
    relocated: Uint8Array | undefined,
  ): void {
    const k = classify(w);
    let kind: SiteKind | undefined;
    let t = Number.NaN;
    const isReloc = relocated !== undefined && relocated[start + i] === 1;
    if (k === Kind.BL) {
      kind = SiteKind.CALL;
      if (!isReloc) t = i + branchOffset(w) / 4;
    } else if (k === Kind.B || k === Kind.B_COND) {
      if (!isReloc) t = i + branchOffset(w) / 4;
      if (!(t >= 0 && t < n)) kind = SiteKind.JUMP;
    } else if (k === Kind.BLR) kind = SiteKind.INDIRECT_CALL;
    else if (k === Kind.BR) kind = SiteKind.INDIRECT_JUMP;
    if (kind !== undefined && !seen.has((start + i) * 4)) this.site(sites, start, i, kind, t, frame, false);
  }
}

/**
 * Word index (from the function start) a pc-relative branch at word `i` goes to; NaN when a
 * relocation patches it (the relocation, not the encoding, names the target).
 */
function targetIndex(w: number, start: number, i: number, relocated: Uint8Array | undefined): number {
  return relocated !== undefined && relocated[start + i] === 1 ? Number.NaN : i + branchOffset(w) / 4;
}

/** stgp (MTE): a store pair objdump prints as "stgp", which checkstack.pl's "stp" regex does not match. */
function isStgp(w: number): boolean {
  return (w & 0xc4000000) >>> 0 === 0x40000000;
}

/**
 * What scripts/checkstack.pl (arm64, Linux 6.1) adds for one instruction: N for a pre-indexed
 * "stp ..., [sp, #-N]!", the printed imm12 of "sub sp, sp, #0x..." (without its lsl #12), else 0.
 */
export function checkstackWord(w: number): number {
  if ((w & 0x3e0) !== 0x3e0) return 0; // both patterns have Rn = SP
  if ((w & 0x3ac003e0) === 0x288003e0 && (w & 0x01000000) !== 0) {
    if (isStgp(w)) return 0;
    const d = writebackDelta(w);
    return d < 0 ? -d : 0;
  }
  if ((w & 0xff8003ff) >>> 0 === 0xd10003ff) return addSubImmFields(w).imm12;
  return 0;
}

/** checkstack.pl's sum over one objdump label [start, end), every line reached or not. */
export function checkstackOf(words: Uint32Array, start: number, end: number): number {
  let bytes = 0;
  for (let i = start; i < end; i++) bytes += checkstackWord(words[i]!);
  return bytes;
}
