// Functions of a code section: the labels `objdump -d` prints ("0000000000002690 <pfkey_sendmsg>:"),
// each running to the next label. FUNC and NOTYPE symbols count (assembly entry code is often NOTYPE);
// mapping symbols ($x, $d), section and file symbols do not. When several symbols share an address,
// one is the label and the rest are aliases (objdump's preference, byLabelPreference()).
import { STB_GLOBAL, STB_WEAK, STT_FUNC, STT_NOTYPE } from './elf-constants.ts';
import type { ElfFile } from './reader.ts';
import { Scratch } from './scratch.ts';
import { isCodeSection, type SectionHeader } from './sections.ts';
import { isMappingSymbol, type SymbolTable } from './symbols.ts';

export interface ElfFunction {
  /** The label objdump prints. */
  readonly name: string;
  /** Other symbols at the same address (e.g. __arm64_sys_foo and its alias). */
  readonly aliases: readonly string[];
  readonly section: SectionHeader;
  /** Section offset of the first instruction. */
  readonly offset: number;
  /** Section offset where the next label (or the section) starts. */
  readonly end: number;
  /** st_size (0 for assembly labels without a size). */
  readonly st_size: number;
  /** Symbol index of the label. */
  readonly symbol: number;
  /** Visible to other objects (STB_GLOBAL or STB_WEAK). */
  readonly global: boolean;
}

/** Rank for choosing the label among symbols at one address: higher wins. */
function rank(t: SymbolTable, i: number): number {
  const type = t.type(i) === STT_FUNC ? 4 : 0;
  const b = t.bind(i);
  return type + (b === STB_GLOBAL ? 2 : b === STB_WEAK ? 1 : 0);
}

/**
 * objdump's order among symbols at one address (binutils 2.40 compare_symbols()): larger st_size
 * first (PR 20337), then functions, then global before weak before local, names starting with "."
 * last, then by name; the first one is the label. Checked against Debian's module tree and vmlinux:
 * identical-code-folded pairs such as hash_ip4_ext_cleanup / hash_ip6_ext_cleanup get the smaller
 * name, kvm_patch_vector_branch (304 bytes) wins over its 0-byte alias __kvm_nvhe_kvm_patch_vector_branch.
 */
function byLabelPreference(t: SymbolTable, a: number, b: number): number {
  const size = t.st_size(b) - t.st_size(a);
  if (size !== 0) return size;
  const r = rank(t, b) - rank(t, a);
  if (r !== 0) return r;
  const an = t.name(a);
  const bn = t.name(b);
  const ad = an.startsWith('.') ? 1 : 0;
  const bd = bn.startsWith('.') ? 1 : 0;
  if (ad !== bd) return ad - bd;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** Shared by the (many) functions without aliases. */
const NO_ALIASES: readonly string[] = Object.freeze([]);

/**
 * Every function label of the code sections as columns, in section order then address order: what
 * listFunctions() returns, without an object or a decoded name per function (a module tree has
 * 190k of them, and `frames` copies names straight from the string table).
 */
export interface FunctionTable {
  readonly count: number;
  /** Section index of function k. */
  readonly shndx: Int32Array;
  /** Section offset of its first instruction. */
  readonly offset: Float64Array;
  /** Section offset where the next label (or the section) starts. */
  readonly end: Float64Array;
  /** Symbol index of its label. */
  readonly sym: Int32Array;
  /** Its aliases are aliasSyms[aliasStart[k], aliasStart[k + 1]), in objdump's order. */
  readonly aliasStart: Int32Array;
  readonly aliasSyms: Int32Array;
  /** Code symbols beyond their section, ignored. */
  readonly outOfRange: number;
  /** The first three of them. */
  readonly outOfRangeNames: string[];
}

/**
 * Every function label in the code sections, in section order then address order. Symbols outside
 * their section's bounds are ignored (and counted in `outOfRange`). With a `scratch`, the table's
 * columns are views of its buffers, valid until the next functionTable() call with it.
 */
export function functionTable(elf: ElfFile, symbols: SymbolTable, scratch = new Scratch()): FunctionTable {
  let outOfRange = 0;
  const outOfRangeNames: string[] = [];
  const secs = elf.sections;
  const code = new Uint8Array(secs.length);
  for (const sec of secs) if (isCodeSection(sec)) code[sec.index] = 1;
  // Candidates in symbol order: section, offset, symbol.
  let n = 0;
  const candShndx = scratch.int32('fn.candShndx', symbols.count);
  const candOff = scratch.float64('fn.candOff', symbols.count);
  const candSym = scratch.int32('fn.candSym', symbols.count);
  let maxOffset = 0;
  for (let i = 1; i < symbols.count; i++) {
    const shndx = symbols.st_shndx(i);
    if (shndx === 0 || shndx >= secs.length || code[shndx] === 0) continue;
    const type = symbols.type(i);
    if (type !== STT_FUNC && type !== STT_NOTYPE) continue;
    const first = symbols.firstByte(i);
    if (first === 0 || (first === 0x24 /* $ */ && isMappingSymbol(symbols.name(i)))) continue;
    const sec = secs[shndx]!;
    const off = elf.isRelocatable ? symbols.offsetFrom(i, 0n) : symbols.offsetFrom(i, sec.sh_addr);
    if (off === undefined || off > sec.sh_size) {
      outOfRange++;
      if (outOfRangeNames.length < 3) outOfRangeNames.push(symbols.name(i));
      continue;
    }
    if (off === sec.sh_size) continue; // an end marker (_etext, __irqentry_text_end): no code follows
    candShndx[n] = shndx;
    candOff[n] = off;
    candSym[n] = i;
    if (off > maxOffset) maxOffset = off;
    n++;
  }
  const order = sortCandidates(n, candShndx, candOff, secs.length, maxOffset, scratch);
  // Groups of one address: the first by objdump's preference is the label, the others aliases.
  const shndxOut = scratch.int32('fn.shndx', n);
  const offsetOut = scratch.float64('fn.offset', n);
  const endOut = scratch.float64('fn.end', n);
  const symOut = scratch.int32('fn.sym', n);
  const aliasStart = scratch.int32('fn.aliasStart', n + 1);
  const aliasSyms = scratch.int32('fn.aliasSyms', n);
  let count = 0;
  let aliases = 0;
  for (let k = 0; k < n; ) {
    const c = order[k]!;
    const shndx = candShndx[c]!;
    const off = candOff[c]!;
    let j = k + 1;
    while (j < n && candShndx[order[j]!] === shndx && candOff[order[j]!] === off) j++;
    if (j - k > 1) {
      const group = Array.from(order.subarray(k, j), (x) => candSym[x]!);
      group.sort((a, b) => byLabelPreference(symbols, a, b));
      symOut[count] = group[0]!;
      for (let g = 1; g < group.length; g++) aliasSyms[aliases++] = group[g]!;
    } else symOut[count] = candSym[c]!;
    shndxOut[count] = shndx;
    offsetOut[count] = off;
    endOut[count] = j < n && candShndx[order[j]!] === shndx ? candOff[order[j]!]! : secs[shndx]!.sh_size;
    count++;
    aliasStart[count] = aliases;
    k = j;
  }
  return {
    count,
    shndx: shndxOut.subarray(0, count),
    offset: offsetOut.subarray(0, count),
    end: endOut.subarray(0, count),
    sym: symOut.subarray(0, count),
    aliasStart: aliasStart.subarray(0, count + 1),
    aliasSyms: aliasSyms.subarray(0, aliases),
    outOfRange,
    outOfRangeNames,
  };
}

/**
 * Candidate positions ordered by (section, offset, position): one numeric sort of keys packed into
 * doubles, or a comparator sort when they do not fit in 2^53.
 */
function sortCandidates(
  n: number,
  shndx: Int32Array,
  offset: Float64Array,
  sections: number,
  maxOffset: number,
  scratch: Scratch,
): Int32Array {
  const order = scratch.int32('fn.order', n);
  let scale = 1;
  while (scale <= n) scale *= 2;
  const span = maxOffset + 1;
  if (sections * span * scale <= Number.MAX_SAFE_INTEGER) {
    const keys = scratch.float64('fn.keys', n);
    for (let i = 0; i < n; i++) keys[i] = (shndx[i]! * span + offset[i]!) * scale + i;
    keys.sort();
    for (let k = 0; k < n; k++) order[k] = keys[k]! % scale;
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((a, b) => shndx[a]! - shndx[b]! || offset[a]! - offset[b]! || a - b);
}

/**
 * Every function label in the code sections, in section order then address order, as objects with
 * decoded names. Symbols outside their section's bounds are ignored (and counted in `outOfRange`).
 */
export function listFunctions(
  elf: ElfFile,
  symbols: SymbolTable,
): { functions: ElfFunction[]; outOfRange: number; outOfRangeNames: string[] } {
  const t = functionTable(elf, symbols);
  const functions: ElfFunction[] = [];
  for (let k = 0; k < t.count; k++) functions.push(elfFunction(elf, symbols, t, k));
  return { functions, outOfRange: t.outOfRange, outOfRangeNames: t.outOfRangeNames };
}

/** Function k of a table as an ElfFunction. */
export function elfFunction(elf: ElfFile, symbols: SymbolTable, t: FunctionTable, k: number): ElfFunction {
  const sym = t.sym[k]!;
  const a0 = t.aliasStart[k]!;
  const a1 = t.aliasStart[k + 1]!;
  let aliases: readonly string[] = NO_ALIASES;
  if (a1 > a0) {
    const names: string[] = [];
    for (let a = a0; a < a1; a++) names.push(symbols.name(t.aliasSyms[a]!));
    aliases = names;
  }
  return {
    name: symbols.name(sym),
    aliases,
    section: elf.sections[t.shndx[k]!]!,
    offset: t.offset[k]!,
    end: t.end[k]!,
    st_size: symbols.st_size(sym),
    symbol: sym,
    global: symbols.isGlobal(sym),
  };
}
