// Call frame information: .eh_frame (user-space programs, GCC's default) and .debug_frame (-g
// builds, debug vmlinux). Each FDE's CFA program says, instruction by instruction, how far the CFA
// (the caller's SP, i.e. the SP at entry) lies above the current SP. While the CFA is defined on
// SP, its largest offset is the function's static frame, exactly. Once it moves to x29 (a function
// with dynamic allocation), later SP moves are invisible to the CFI and the result is a lower bound.
//
//   $ readelf --debug-dump=frames frames.o
//   00000058 0000000000000024 0000005c FDE cie=00000000 pc=0000000000000074..00000000000000a0
//     DW_CFA_advance_loc: 8 to 000000000000007c
//     DW_CFA_def_cfa_offset: 5024
//     DW_CFA_offset: r29 (x29) at cfa-5024
//
// Formats: DWARF 5 §6.4 (CIE/FDE, DW_CFA_*), LSB "Exception Frames" (.eh_frame, DW_EH_PE_*).
import { type Diagnostic, diag } from '../base/diag.ts';
import { R_AARCH64_ABS64, R_AARCH64_PREL32 } from './elf-constants.ts';
import type { ElfFile } from './reader.ts';
import { type RelocTarget, relocationTargets } from './relocations.ts';
import { findSection, type SectionHeader, sectionAt } from './sections.ts';
import { readUleb128 } from './stack-sizes.ts';
import type { SymbolTable } from './symbols.ts';

/** What one FDE says about its function's frame. */
export interface CfiFrame {
  /** Largest CFA offset while the CFA is SP-based. */
  readonly bytes: number;
  /** The CFA stayed on SP throughout: `bytes` is the exact static frame. */
  readonly exact: boolean;
}

/** FDEs of one code section, sorted by start offset; `size` is the FDE's pc range in bytes. */
export type CfiRanges = { readonly start: number; readonly size: number; readonly frame: CfiFrame }[];

/**
 * The FDE describing a function that spans [offset, end) of a section: the first whose start lies
 * in the range (an FDE starts after the patchable-entry NOPs, not at the symbol).
 */
export function cfiFor(ranges: CfiRanges | undefined, offset: number, end: number): CfiFrame | undefined {
  if (ranges === undefined) return undefined;
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranges[mid]!.start < offset) lo = mid + 1;
    else hi = mid;
  }
  const r = ranges[lo];
  return r !== undefined && r.start < end ? r.frame : undefined;
}

const SP = 31;
const DW_EH_PE_omit = 0xff;
const DW_EH_PE_pcrel = 0x10;

interface Cie {
  readonly codeAlign: number;
  readonly dataAlign: number;
  /** FDE pointer encoding ('R' augmentation), absolute 8-byte when absent. */
  readonly fdeEncoding: number;
  /** 'z' augmentation: FDEs carry an augmentation-data length. */
  readonly hasAugData: boolean;
  /** The initial instructions, [start, end) of the section. */
  readonly initialStart: number;
  readonly initialEnd: number;
}

/** A bounds-checked cursor over a section's bytes; any overrun throws CfiError (caught per section). */
class Cursor {
  pos: number;
  end: number;
  constructor(
    readonly b: Uint8Array,
    readonly dv: DataView,
    start: number,
    end: number,
  ) {
    this.pos = start;
    this.end = end;
  }
  /** Points the cursor at [start, end) of the same bytes (one cursor serves a whole section). */
  reset(start: number, end: number): this {
    this.pos = start;
    this.end = end;
    return this;
  }
  need(n: number): void {
    if (this.pos + n > this.end) throw new CfiError(`entry runs past its end at offset ${this.pos}`);
  }
  u8(): number {
    this.need(1);
    return this.b[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.dv.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  uleb(): number {
    const r = readUleb128(this.b, this.pos, this.end);
    if (r === undefined) throw new CfiError(`bad ULEB128 at offset ${this.pos}`);
    this.pos = r.next;
    return r.value;
  }
  sleb(): number {
    let value = 0;
    let mul = 1;
    for (;;) {
      const byte = this.u8();
      value += (byte & 0x7f) * mul;
      mul *= 128;
      if ((byte & 0x80) === 0) {
        if ((byte & 0x40) !== 0) value -= mul;
        return value;
      }
      if (mul > 2 ** 63) throw new CfiError(`bad SLEB128 at offset ${this.pos}`);
    }
  }
  cstring(): string {
    let s = '';
    for (;;) {
      const c = this.u8();
      if (c === 0) return s;
      s += String.fromCharCode(c);
      if (s.length > 64) throw new CfiError('augmentation string too long');
    }
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

class CfiError extends Error {}

/**
 * Frames from .debug_frame and .eh_frame, per code section index, sorted by FDE start.
 * .debug_frame wins when both describe a function.
 */
export function readCfiFrames(
  elf: ElfFile,
  symbols: SymbolTable | undefined,
  diagnostics: Diagnostic[],
): Map<number, CfiRanges> {
  const byKey = new Map<number, { shndx: number; start: number; size: number; frame: CfiFrame }>();
  for (const name of ['.eh_frame', '.debug_frame'] as const) {
    const sec = findSection(elf.sections, name);
    if (sec === undefined || sec.sh_size === 0 || sec.sh_type === 8) continue;
    try {
      readSection(elf, sec, name === '.eh_frame', symbols, diagnostics, byKey);
    } catch (e) {
      if (!(e instanceof CfiError)) throw e;
      diagnostics.push(
        diag('elf/bad-cfi', 'data-loss', `${name}: ${e.message}; the rest of the section is ignored`, {
          file: elf.name,
        }),
      );
    }
  }
  const out = new Map<number, CfiRanges>();
  for (const { shndx, start, size, frame } of byKey.values()) {
    let list = out.get(shndx);
    if (list === undefined) out.set(shndx, (list = []));
    list.push({ start, size, frame });
  }
  for (const list of out.values()) list.sort((a, b) => a.start - b.start);
  return out;
}

function readSection(
  elf: ElfFile,
  sec: SectionHeader,
  eh: boolean,
  symbols: SymbolTable | undefined,
  diagnostics: Diagnostic[],
  out: Map<number, { shndx: number; start: number; size: number; frame: CfiFrame }>,
): void {
  const b = elf.data(sec);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const relocs: Map<number, RelocTarget> | undefined =
    elf.isRelocatable && symbols !== undefined
      ? relocationTargets(elf, symbols, sec, new Set([R_AARCH64_PREL32, R_AARCH64_ABS64]), diagnostics)
      : undefined;
  const cies = new Map<number, Cie>();
  // Two cursors serve every entry: one for the entry, one for the FDE's program.
  const c = new Cursor(b, dv, 0, b.length);
  const program = new Cursor(b, dv, 0, 0);
  let at = 0;
  while (at + 4 <= b.length) {
    c.reset(at, b.length);
    let length = c.u32();
    if (length === 0) {
      if (eh) break; // .eh_frame terminator
      at += 4;
      continue;
    }
    let dwarf64 = false;
    if (length === 0xffffffff) {
      const l = c.u64();
      if (l > BigInt(b.length)) throw new CfiError(`64-bit length ${l} exceeds the section`);
      length = Number(l);
      dwarf64 = true;
    }
    const end = c.pos + length;
    if (end > b.length) throw new CfiError(`entry at ${at} runs past the section end`);
    c.end = end;
    const idPos = c.pos;
    // CIE ids: 0 in .eh_frame; all ones in .debug_frame. An FDE holds its CIE's position instead.
    const id = dwarf64 ? c.u64() : c.u32();
    const isCie = eh ? id === 0 || id === 0n : dwarf64 ? id === 0xffffffffffffffffn : id === 0xffffffff;
    if (isCie) {
      cies.set(at, readCie(c, eh));
    } else {
      const ciePos = eh ? idPos - Number(id) : Number(id);
      const cie = cies.get(ciePos) ?? tryCieAt(b, dv, ciePos, eh, cies);
      if (cie === undefined) throw new CfiError(`FDE at ${at} names no CIE (${ciePos})`);
      const fieldPos = c.pos;
      const start = readPointer(c, cie.fdeEncoding, sec, eh);
      const range = readPointer(c, cie.fdeEncoding & 0x0f, sec, false);
      if (cie.hasAugData) c.skip(c.uleb());
      const frame = runProgram(cie, program.reset(cie.initialStart, cie.initialEnd), c);
      const where = fdeStart(elf, relocs, fieldPos, start, range);
      if (where !== undefined) {
        const key = where.shndx * 0x100000000 + where.start;
        const size = range > 0x7fffffffn ? 0x7fffffff : Number(range);
        if (!eh || !out.has(key)) out.set(key, { shndx: where.shndx, start: where.start, size, frame });
      }
    }
    at = end;
  }
}

/** CIEs normally precede their FDEs; this reads one that does not. */
function tryCieAt(
  b: Uint8Array,
  dv: DataView,
  pos: number,
  eh: boolean,
  cies: Map<number, Cie>,
): Cie | undefined {
  if (pos < 0 || pos + 8 > b.length) return undefined;
  const c = new Cursor(b, dv, pos, b.length);
  const length = c.u32();
  if (length === 0xffffffff || pos + 4 + length > b.length) return undefined;
  const body = new Cursor(b, dv, c.pos, pos + 4 + length);
  const id = body.u32();
  if (eh ? id !== 0 : id !== 0xffffffff) return undefined;
  const cie = readCie(body, eh);
  cies.set(pos, cie);
  return cie;
}

function readCie(c: Cursor, eh: boolean): Cie {
  const version = c.u8();
  if (version !== 1 && version !== 3 && version !== 4) throw new CfiError(`CIE version ${version}`);
  const aug = c.cstring();
  if (version === 4) {
    const addressSize = c.u8();
    c.u8(); // segment selector size
    if (addressSize !== 8) throw new CfiError(`CIE address size ${addressSize}`);
  }
  if (aug.includes('eh')) c.skip(8); // GCC 2.x "eh" augmentation: a pointer follows
  const codeAlign = c.uleb();
  const dataAlign = c.sleb();
  if (version === 1) c.u8();
  else c.uleb();
  let fdeEncoding = eh ? 0 : 0; // absptr
  let hasAugData = false;
  if (aug.startsWith('z')) {
    hasAugData = true;
    const len = c.uleb();
    const augEnd = c.pos + len;
    c.need(len);
    for (const ch of aug.slice(1)) {
      if (ch === 'R') fdeEncoding = c.u8();
      else if (ch === 'L') c.u8();
      else if (ch === 'P') {
        const enc = c.u8();
        skipPointer(c, enc);
      } else if (ch === 'S' || ch === 'B' || ch === 'G') {
        // signal frame, AArch64 B-key, MTE tagged frame: no data
      } else break;
    }
    c.pos = augEnd;
  } else if (aug !== '' && aug !== 'eh') {
    throw new CfiError(`unknown CIE augmentation "${aug}"`);
  }
  return { codeAlign, dataAlign, fdeEncoding, hasAugData, initialStart: c.pos, initialEnd: c.end };
}

function skipPointer(c: Cursor, enc: number): void {
  if (enc === DW_EH_PE_omit) return;
  readPointer(c, enc & 0x0f, undefined, false);
}

/** Reads a DW_EH_PE-encoded pointer; pc-relative values are made absolute with the section address. */
function readPointer(c: Cursor, enc: number, sec: SectionHeader | undefined, pcrelAllowed: boolean): bigint {
  const fieldPos = c.pos;
  let v: bigint;
  switch (enc & 0x0f) {
    case 0x00:
    case 0x04:
    case 0x0c:
      v = c.u64();
      if ((enc & 0x0f) === 0x0c) v = BigInt.asIntN(64, v);
      break;
    case 0x01:
      v = BigInt(c.uleb());
      break;
    case 0x02:
      v = BigInt(c.u16());
      break;
    case 0x03:
      v = BigInt(c.u32());
      break;
    case 0x09:
      v = BigInt(c.sleb());
      break;
    case 0x0a:
      v = BigInt((c.u16() << 16) >> 16);
      break;
    case 0x0b:
      v = BigInt(c.u32() | 0);
      break;
    default:
      throw new CfiError(`pointer encoding 0x${enc.toString(16)}`);
  }
  if (pcrelAllowed && (enc & 0x70) === DW_EH_PE_pcrel && sec !== undefined) {
    v = BigInt.asUintN(64, sec.sh_addr + BigInt(fieldPos) + v);
  }
  return v;
}

/** Where an FDE starts: its relocated start in ET_REL, its address's section offset otherwise. */
function fdeStart(
  elf: ElfFile,
  relocs: Map<number, RelocTarget> | undefined,
  fieldPos: number,
  start: bigint,
  range: bigint,
): { shndx: number; start: number } | undefined {
  if (range === 0n) return undefined;
  if (relocs !== undefined) {
    const t = relocs.get(fieldPos);
    return t !== undefined && 'shndx' in t ? { shndx: t.shndx, start: t.offset } : undefined;
  }
  const s = sectionAt(elf.sections, start);
  return s === undefined ? undefined : { shndx: s.index, start: Number(start - s.sh_addr) };
}

/**
 * Runs the CIE's initial instructions, then the FDE's program (the rest of `fde`); tracks only the
 * CFA rule.
 */
function runProgram(cie: Cie, initial: Cursor, fde: Cursor): CfiFrame {
  const st: CfaState = { reg: SP, off: 0, max: 0, exact: true, saved: [] };
  runCfa(cie, initial, st);
  noteCfa(st);
  runCfa(cie, fde, st);
  return { bytes: st.max, exact: st.exact };
}

interface CfaState {
  reg: number;
  off: number;
  max: number;
  exact: boolean;
  saved: { reg: number; off: number }[];
}

/** After a CFA change: while the CFA is SP-based its offset is the stack in use. */
function noteCfa(st: CfaState): void {
  if (st.reg === SP) {
    if (st.off > st.max) st.max = st.off;
  } else st.exact = false;
}

function runCfa(cie: Cie, c: Cursor, st: CfaState): void {
  while (c.pos < c.end) {
    const op = c.u8();
    const hi = op & 0xc0;
    if (hi === 0x40) continue; // advance_loc
    if (hi === 0x80) {
      c.uleb(); // offset
      continue;
    }
    if (hi === 0xc0) continue; // restore
    switch (op) {
      case 0x00: // nop
      case 0x2d: // AArch64 negate_ra_state
        break;
      case 0x01: // set_loc
        c.u64();
        break;
      case 0x02:
        c.u8();
        break;
      case 0x03:
        c.u16();
        break;
      case 0x04:
        c.u32();
        break;
      case 0x05: // offset_extended
      case 0x09: // register
      case 0x14: // val_offset
      case 0x2f: // GNU_negative_offset_extended
        c.uleb();
        c.uleb();
        break;
      case 0x06: // restore_extended
      case 0x07: // undefined
      case 0x08: // same_value
      case 0x2e: // GNU_args_size
        c.uleb();
        break;
      case 0x0a:
        st.saved.push({ reg: st.reg, off: st.off });
        if (st.saved.length > 1024) throw new CfiError('remember_state nested too deep');
        break;
      case 0x0b: {
        const s = st.saved.pop();
        if (s !== undefined) {
          st.reg = s.reg;
          st.off = s.off;
        }
        break;
      }
      case 0x0c: // def_cfa
        st.reg = c.uleb();
        st.off = c.uleb();
        noteCfa(st);
        break;
      case 0x0d: // def_cfa_register
        st.reg = c.uleb();
        noteCfa(st);
        break;
      case 0x0e: // def_cfa_offset
        st.off = c.uleb();
        noteCfa(st);
        break;
      case 0x0f: // def_cfa_expression: the CFA is no longer SP + constant
        c.skip(c.uleb());
        st.exact = false;
        st.reg = -1;
        break;
      case 0x10: // expression
      case 0x16: // val_expression
        c.uleb();
        c.skip(c.uleb());
        break;
      case 0x11: // offset_extended_sf
      case 0x15: // val_offset_sf
        c.uleb();
        c.sleb();
        break;
      case 0x12: // def_cfa_sf
        st.reg = c.uleb();
        st.off = c.sleb() * cie.dataAlign;
        noteCfa(st);
        break;
      case 0x13: // def_cfa_offset_sf
        st.off = c.sleb() * cie.dataAlign;
        noteCfa(st);
        break;
      default:
        throw new CfiError(`unknown DW_CFA opcode 0x${op.toString(16)}`);
    }
  }
}
