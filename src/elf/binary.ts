// One analysed binary: every function with its frame and, when asked for, its resolved call sites.
// This is what `stacklab frames` prints and what the call graph joins across binaries (a vmlinux and
// its modules): calls to undefined symbols stay names until another binary defines them.
import { type Diagnostic, diag } from '../base/diag.ts';
import { err, ok, type Result } from '../base/result.ts';
import { type Addr, addr } from '../base/units.ts';
import { type EntryHints, entryHints } from './aarch64/prologue.ts';
import type { ByteSource } from './byte-source.ts';
import { type CfiRanges, cfiFor, readCfiFrames } from './cfi.ts';
import {
  ET_DYN,
  ET_EXEC,
  ET_REL,
  R_AARCH64_CALL26,
  R_AARCH64_JUMP_SLOT,
  R_AARCH64_JUMP26,
  SHN_UNDEF,
  SHT_DYNSYM,
  SHT_REL,
  SHT_RELA,
  SHT_SYMTAB,
  SHT_SYMTAB_SHNDX,
} from './elf-constants.ts';
import { symbolsFromFdes } from './fde-symbols.ts';
import {
  type CallSite,
  FrameAnalyzer,
  type FrameInfo,
  type SectionCode,
  SiteKind,
} from './frame-analysis.ts';
import { type ElfFunction, elfFunction, type FunctionTable, functionTable } from './functions.ts';
import { type JumpLabels, readAlternatives, readJumpLabels } from './jump-labels.ts';
import { readPatchableEntries } from './patchable-entries.ts';
import { readPointerTables, type TableEntry, type TableRequest } from './pointer-tables.ts';
import { type ElfFile, readElf } from './reader.ts';
import { readRelocations, relocationSectionsFor } from './relocations.ts';
import { Scratch } from './scratch.ts';
import { findSection, isCodeSection, type SectionHeader } from './sections.ts';
import { readStackSizes } from './stack-sizes.ts';
import { readSymbols, type SymbolTable } from './symbols.ts';

/** Where a function's frame size came from, best first. */
export type FrameSource = 'su' | 'stack-sizes' | 'cfi' | 'prologue';

/** What a call site calls. */
export type Callee =
  /** A function of the same binary, by index in `Binary.functions`. */
  | { readonly kind: 'function'; readonly index: number }
  /** An undefined symbol (a vmlinux export, a libc function through the PLT). */
  | { readonly kind: 'external'; readonly name: string }
  /** A register: nothing in the binary says where it goes. */
  | { readonly kind: 'indirect' }
  /** A pc-relative target that is no function start (data, padding, the middle of a function). */
  | { readonly kind: 'unknown'; readonly address: Addr };

export interface Site {
  /** Section offset of the branch. */
  readonly offset: number;
  readonly kind: CallSite['kind'];
  /** Caller's stack in use at the branch, bytes below its entry SP. */
  readonly depth: number;
  readonly reached: boolean;
  readonly callee: Callee;
}

export interface BinaryFunction {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly section: string;
  /** Section offset (relocatable files) or address offset from the section start. */
  readonly offset: number;
  readonly address: Addr;
  /** Bytes of code up to the next label. */
  readonly codeBytes: number;
  readonly global: boolean;
  /** Static frame in bytes, from `frameSource` (.stack_sizes, exact CFI, else the prologue decoder). */
  readonly frameBytes: number;
  readonly frameSource: FrameSource;
  /** The frame the prologue decoder found (equal to frameBytes unless another source overrode it). */
  readonly prologueBytes: number;
  /** The frame .eh_frame/.debug_frame describes, when the file has CFI for this function and CFA stays on SP. */
  readonly cfiBytes: number | undefined;
  readonly dynamic: boolean;
  readonly info: FrameInfo;
  /** ftrace can patch this function's entry (__patchable_function_entries). */
  readonly patchable: boolean;
  /** NOPs, BTI and PAC before the stack set-up (all false/0 unless `details`). */
  readonly hints: EntryHints;
  readonly sites: readonly Site[];
}

export interface Binary {
  /** Function-pointer tables the options asked for and this file defines: table name → callees. */
  readonly pointerTables: ReadonlyMap<string, readonly Callee[]>;
  /** The file as given. */
  readonly file: string;
  /** checkstack.pl's tag: the base name without ".ko" ("af_key", "vmlinux"). */
  readonly tag: string;
  readonly e_type: number;
  readonly functions: readonly BinaryFunction[];
  readonly diagnostics: readonly Diagnostic[];
}

export interface AnalyzeOptions {
  /** Resolve call sites (the call graph needs them; frames alone do not). */
  readonly sites: boolean;
  /** Read .eh_frame/.debug_frame (default true). */
  readonly cfi?: boolean;
  /** Reuse decoder buffers across files. */
  readonly analyzer?: FrameAnalyzer;
  /** Reuse table buffers across files (what prepareBinary returns lives in them until the next file). */
  readonly scratch?: Scratch;
  /**
   * Read what only the JSON output shows: patchable entries, PAC/BTI/NOP hints (default true;
   * `frames --format checkstack` skips them).
   */
  readonly details?: boolean;
  /** Function-pointer tables to read (from the annotations). */
  readonly tables?: readonly TableRequest[];
}

/**
 * checkstack.pl's file tag: the first ".ko" removed from the path, then the base name. A compressed
 * module (af_key.ko.xz) is tagged as checkstack.pl tags it decompressed (af_key).
 */
export function binaryTag(file: string): string {
  const noKo = file.replace(/\.ko\.(?:xz|zst|gz)$/, '.ko').replace(/\.ko/, '');
  return noKo.slice(noKo.lastIndexOf('/') + 1);
}

/** What every analysis of one binary reads before looking at its code. */
export interface PreparedBinary {
  readonly elf: ElfFile;
  readonly symbols: SymbolTable;
  readonly table: FunctionTable;
  readonly diagnostics: Diagnostic[];
  /** Patchable entries per section (empty unless `details`). */
  readonly patchable: Map<number, Set<number>>;
  readonly jumpLabels: JumpLabels;
  readonly cfi: Map<number, CfiRanges> | undefined;
  readonly stackSizes: Map<number, number>;
}

/** Opens the ELF file and reads its symbols, functions and the tables that shape its code paths. */
export function prepareBinary(
  src: ByteSource,
  options: Omit<AnalyzeOptions, 'sites'>,
): Result<PreparedBinary> {
  const opened = readElf(src);
  if (!opened.ok) return opened;
  const elf = opened.value;
  elf.prefetch(sectionsToRead(elf, options));
  const diagnostics: Diagnostic[] = [];
  const read = readSymbols(elf, diagnostics);
  // Stripped (no .symtab): functions the FDEs know and no symbol names get sub_<address> names. A
  // linked file's FDEs are read without symbols, so they are read once, here, for both uses.
  const stripped = read === undefined || read.section.sh_type === SHT_DYNSYM;
  const strippedCfi = stripped && !elf.isRelocatable ? readCfiFrames(elf, undefined, diagnostics) : undefined;
  const symbols = strippedCfi !== undefined ? symbolsFromFdes(elf, read, strippedCfi, diagnostics) : read;
  if (symbols === undefined) {
    return err(
      diag(
        'elf/no-symbols',
        'error',
        'no .symtab, .dynsym or CFI: function boundaries are unknown',
        { file: src.name },
        'an unstripped binary (vmlinux, not Image; a .ko or program with its symbol table)',
      ),
    );
  }
  const scratch = options.scratch ?? new Scratch();
  const table = functionTable(elf, symbols, scratch);
  const { outOfRange, outOfRangeNames } = table;
  if (outOfRange > 0) {
    diagnostics.push(
      diag(
        'elf/bad-symbol',
        'notice',
        `${outOfRange} code symbol(s) lie beyond their section (${outOfRangeNames.join(', ')}${outOfRange > 3 ? ', ...' : ''}); ignored`,
        { file: src.name },
      ),
    );
  }
  const patchable =
    options.details !== false
      ? readPatchableEntries(elf, symbols, diagnostics)
      : new Map<number, Set<number>>();
  const jumpLabels = readJumpLabels(elf, symbols, diagnostics, scratch);
  readAlternatives(elf, symbols, diagnostics, jumpLabels, scratch);
  const cfi = options.cfi === false ? undefined : (strippedCfi ?? readCfiFrames(elf, symbols, diagnostics));
  const stackSizes = readStackSizes(elf, symbols, diagnostics);
  return ok({ elf, symbols, table, diagnostics, patchable, jumpLabels, cfi, stackSizes });
}

/** Sections whose contents prepareBinary() reads (the code and tables around it), and their relocations. */
const TABLE_SECTIONS = new Set([
  '__jump_table',
  '.altinstructions',
  '.altinstr_replacement',
  '.stack_sizes',
  '.eh_frame',
  '.debug_frame',
]);

/**
 * What an analysis will read, so a large file is read in a few ranges instead of whole or section by
 * section: the symbol and string tables, the code, the tables that shape its paths, their
 * relocations (a module's .rela.text only when call sites are wanted).
 */
function sectionsToRead(
  elf: ElfFile,
  options: Omit<AnalyzeOptions, 'sites'> & { sites?: boolean },
): SectionHeader[] {
  const secs = elf.sections;
  const wanted = new Uint8Array(secs.length);
  const symtab = secs.find((s) => s.sh_type === SHT_SYMTAB) ?? secs.find((s) => s.sh_type === SHT_DYNSYM);
  if (symtab !== undefined) {
    wanted[symtab.index] = 1;
    if (symtab.sh_link < secs.length) wanted[symtab.sh_link] = 1;
  }
  for (const s of secs) {
    if (
      isCodeSection(s) ||
      TABLE_SECTIONS.has(s.name) ||
      (options.details !== false && s.name === '__patchable_function_entries') ||
      (s.sh_type === SHT_SYMTAB_SHNDX && s.sh_link === symtab?.index)
    )
      wanted[s.index] = 1;
  }
  for (const s of secs) {
    if ((s.sh_type !== SHT_RELA && s.sh_type !== SHT_REL) || s.sh_info >= secs.length) continue;
    const target = secs[s.sh_info]!;
    if (
      wanted[target.index] === 1 &&
      (options.sites === true || !isCodeSection(target) || TABLE_SECTIONS.has(target.name))
    )
      wanted[s.index] = 1;
  }
  return secs.filter((s) => wanted[s.index] === 1);
}

/** A function's frame from the best source it has (see BinaryFunction.frameSource). */
export interface ChosenFrame {
  frameBytes: number;
  frameSource: FrameSource;
  cfiBytes: number | undefined;
}

/**
 * Best source first: the compiler's own numbers (.stack_sizes, then CFI that keeps the CFA on SP,
 * exact), else the decoded prologue. Where the decoder lost SP (an SP loaded from a register) CFI
 * that moved the CFA to x29 still gives a lower bound worth taking. `end` is where the function's own
 * code ends (its st_size when the symbol has one): an assembly function without CFI must not take the
 * FDE of the function placed after it. Fills `out` and returns it.
 */
export function chooseFrame(
  p: PreparedBinary,
  shndx: number,
  offset: number,
  end: number,
  info: FrameInfo,
  out: ChosenFrame,
): ChosenFrame {
  const su = p.stackSizes.size === 0 ? undefined : p.stackSizes.get(shndx * 0x100000000 + offset);
  const cfiFrame = p.cfi === undefined ? undefined : cfiFor(p.cfi.get(shndx), offset, end);
  const cfiBytes = cfiFrame?.exact ? cfiFrame.bytes : undefined;
  out.frameBytes = info.frameBytes;
  out.frameSource = 'prologue';
  out.cfiBytes = cfiBytes;
  if (su !== undefined) {
    out.frameBytes = su;
    out.frameSource = 'stack-sizes';
  } else if (cfiBytes !== undefined) {
    out.frameBytes = cfiBytes;
    out.frameSource = 'cfi';
  } else if (
    cfiFrame !== undefined &&
    (info.spFromRegister || info.inconsistent) &&
    cfiFrame.bytes > info.frameBytes
  ) {
    out.frameBytes = cfiFrame.bytes;
    out.frameSource = 'cfi';
  }
  return out;
}

/** Word range of a function in its section's words: [start, end), and where its walk stops. */
export function wordRange(
  offset: number,
  end: number,
  stSize: number,
  words: number,
): { start: number; end: number; walkEnd: number } {
  const start = Math.ceil(offset / 4);
  const e = Math.max(start, Math.min(words, Math.floor(end / 4)));
  return { start, end: e, walkEnd: stSize > 0 ? Math.min(e, start + Math.ceil(stSize / 4)) : e };
}

export function analyzeBinary(src: ByteSource, options: AnalyzeOptions): Result<Binary> {
  const prepared = prepareBinary(src, options);
  if (!prepared.ok) return prepared;
  const p = prepared.value;
  const { elf, symbols, diagnostics, patchable, jumpLabels } = p;
  const functions: ElfFunction[] = [];
  for (let k = 0; k < p.table.count; k++) functions.push(elfFunction(elf, symbols, p.table, k));
  const analyzer = options.analyzer ?? new FrameAnalyzer();
  const details = options.details !== false;
  const index = options.sites || options.tables !== undefined ? new FunctionIndex(elf, functions) : undefined;
  const plt = options.sites ? readPlt(elf, diagnostics) : undefined;
  const out: BinaryFunction[] = [];
  let section: SectionHeader | undefined;
  let words: Uint32Array = new Uint32Array(0);
  let code: SectionCode = { relocated: undefined, jumpLabels: undefined };
  let branchRelocs: Map<number, BranchReloc> | undefined;
  const frame: ChosenFrame = { frameBytes: 0, frameSource: 'prologue', cfiBytes: undefined };
  for (const fn of functions) {
    if (fn.section !== section) {
      section = fn.section;
      words = elf.words(section);
      let relocated: Uint8Array | undefined;
      if (options.sites && elf.header.e_type === ET_REL) {
        branchRelocs = readBranchRelocations(elf, symbols, section, diagnostics);
        relocated = new Uint8Array(words.length);
        for (const off of branchRelocs.keys()) if (off >= 0 && off / 4 < words.length) relocated[off / 4] = 1;
      } else branchRelocs = undefined;
      code = { relocated, jumpLabels: jumpLabels.get(section.index) };
    }
    const { start, end, walkEnd } = wordRange(fn.offset, fn.end, fn.st_size, words.length);
    const raw: CallSite[] | undefined = options.sites ? [] : undefined;
    const info = analyzer.analyze(words, start, end, raw, code, walkEnd);
    const { frameBytes, frameSource, cfiBytes } = chooseFrame(
      p,
      fn.section.index,
      fn.offset,
      fn.st_size > 0 ? Math.min(fn.end, fn.offset + fn.st_size) : fn.end,
      info,
      frame,
    );
    out.push({
      name: fn.name,
      aliases: fn.aliases,
      section: fn.section.name,
      offset: fn.offset,
      address: addr(fn.section.sh_addr === 0n ? BigInt(fn.offset) : fn.section.sh_addr + BigInt(fn.offset)),
      codeBytes: fn.end - fn.offset,
      global: fn.global,
      frameBytes,
      frameSource,
      prologueBytes: info.frameBytes,
      cfiBytes,
      dynamic: info.dynamic,
      info,
      patchable: patchable.get(fn.section.index)?.has(fn.offset) ?? false,
      hints: details ? entryHints(words, start, end) : NO_HINTS,
      sites:
        raw === undefined || index === undefined
          ? []
          : raw.map((s) => resolveSite(s, fn, index, branchRelocs, plt, symbols, elf)),
    });
  }
  const pointerTables = new Map<string, Callee[]>();
  if (options.tables !== undefined && index !== undefined) {
    for (const [name, entries] of readPointerTables(elf, symbols, options.tables, diagnostics)) {
      pointerTables.set(
        name,
        entries.map((e) => tableCallee(e, index, elf)),
      );
    }
  }
  return ok({
    pointerTables,
    file: src.name,
    tag: binaryTag(src.name),
    e_type: elf.header.e_type,
    functions: out,
    diagnostics,
  });
}

const NO_HINTS: EntryHints = { nops: 0, bti: false, pac: false };

interface BranchReloc {
  readonly sym: number;
  readonly addend: number;
}

/** R_AARCH64_CALL26 / JUMP26 relocations of a code section, by section offset. */
function readBranchRelocations(
  elf: ElfFile,
  symbols: SymbolTable,
  section: SectionHeader,
  diagnostics: Diagnostic[],
): Map<number, BranchReloc> {
  const out = new Map<number, BranchReloc>();
  for (const rs of relocationSectionsFor(elf, section)) {
    const r = readRelocations(elf, rs, diagnostics);
    for (let i = 0; i < r.count; i++) {
      const t = r.type[i]!;
      if (t !== R_AARCH64_CALL26 && t !== R_AARCH64_JUMP26) continue;
      if (r.sym[i]! >= symbols.count) continue;
      out.set(r.r_offset[i]!, { sym: r.sym[i]!, addend: r.r_addend[i]! });
    }
  }
  return out;
}

/** Function starts by (section, offset), and by address for linked files. */
class FunctionIndex {
  /** Keyed by section index * 2^32 + offset: a number key keeps the lookups cheap. */
  private readonly bySectionOffset = new Map<number, number>();
  private readonly starts: { address: bigint; index: number }[] = [];

  constructor(elf: ElfFile, functions: readonly ElfFunction[]) {
    functions.forEach((f, i) => {
      this.bySectionOffset.set(f.section.index * 0x100000000 + f.offset, i);
      if (!elf.isRelocatable) this.starts.push({ address: f.section.sh_addr + BigInt(f.offset), index: i });
    });
  }

  at(shndx: number, offset: number): number | undefined {
    return offset >= 0 && offset < 0x100000000
      ? this.bySectionOffset.get(shndx * 0x100000000 + offset)
      : undefined;
  }

  atAddress(a: bigint): number | undefined {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.starts[mid]!;
      if (m.address === a) return m.index;
      if (m.address < a) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}

const INDIRECT: Callee = { kind: 'indirect' };

function site(s: CallSite, callee: Callee): Site {
  return { offset: s.offset, kind: s.kind, depth: s.depth, reached: s.reached, callee };
}

function resolveSite(
  s: CallSite,
  fn: ElfFunction,
  index: FunctionIndex,
  relocs: Map<number, BranchReloc> | undefined,
  plt: Plt | undefined,
  symbols: SymbolTable,
  elf: ElfFile,
): Site {
  if (s.kind === SiteKind.INDIRECT_CALL || s.kind === SiteKind.INDIRECT_JUMP) return site(s, INDIRECT);
  const r = relocs?.get(s.offset);
  if (r !== undefined) {
    const shndx = symbols.st_shndx(r.sym);
    if (shndx === SHN_UNDEF) return site(s, { kind: 'external', name: symbols.name(r.sym) });
    const value = symbols.offsetFrom(r.sym, 0n);
    const target = value === undefined ? undefined : value + r.addend;
    const i = target === undefined ? undefined : index.at(shndx, target);
    if (i !== undefined) return site(s, { kind: 'function', index: i });
    return site(s, { kind: 'unknown', address: addr(BigInt(target ?? 0)) });
  }
  // An unrelocated pc-relative target: the same section (ET_REL) or an address (linked files).
  if (elf.isRelocatable) {
    const i = index.at(fn.section.index, s.target);
    if (i !== undefined) return site(s, { kind: 'function', index: i });
    return site(s, { kind: 'unknown', address: addr(BigInt(Math.max(0, s.target))) });
  }
  const a = fn.section.sh_addr + BigInt(s.target);
  const i = index.atAddress(a);
  if (i !== undefined) return site(s, { kind: 'function', index: i });
  const name = plt?.nameAt(a);
  if (name !== undefined) return site(s, { kind: 'external', name });
  return site(s, { kind: 'unknown', address: addr(a) });
}

function tableCallee(e: TableEntry, index: FunctionIndex, elf: ElfFile): Callee {
  if ('name' in e) return { kind: 'external', name: e.name };
  if ('address' in e) {
    const i = index.atAddress(e.address);
    return i === undefined ? { kind: 'unknown', address: addr(e.address) } : { kind: 'function', index: i };
  }
  const i = elf.isRelocatable
    ? index.at(e.shndx, e.offset)
    : index.atAddress((elf.sections[e.shndx]?.sh_addr ?? 0n) + BigInt(e.offset));
  return i === undefined
    ? { kind: 'unknown', address: addr(BigInt(e.offset)) }
    : { kind: 'function', index: i };
}

/** The PLT of a dynamically linked program: stub address -> imported function name. */
interface Plt {
  nameAt(a: bigint): string | undefined;
}

/** AArch64 .plt: a 32-byte header, then one 16-byte stub per .rela.plt entry, in order. */
const PLT_HEADER = 32n;
const PLT_ENTRY = 16n;

function readPlt(elf: ElfFile, diagnostics: Diagnostic[]): Plt | undefined {
  if (elf.header.e_type !== ET_DYN && elf.header.e_type !== ET_EXEC) return undefined;
  const plt = findSection(elf.sections, '.plt');
  const relaPlt = findSection(elf.sections, '.rela.plt');
  if (plt === undefined || relaPlt === undefined || !isCodeSection(plt)) return undefined;
  const dynsymSec = elf.sections[relaPlt.sh_link];
  if (dynsymSec === undefined || dynsymSec.sh_type !== SHT_DYNSYM) return undefined;
  const dyn = readSymbols(elf, diagnostics, dynsymSec);
  if (dyn === undefined) return undefined;
  const r = readRelocations(elf, relaPlt, diagnostics);
  const names: string[] = [];
  for (let i = 0; i < r.count; i++) {
    names.push(r.type[i] === R_AARCH64_JUMP_SLOT && r.sym[i]! < dyn.count ? dyn.name(r.sym[i]!) : '');
  }
  return {
    nameAt(a) {
      const rel = a - plt.sh_addr - PLT_HEADER;
      if (rel < 0n || rel % PLT_ENTRY !== 0n) return undefined;
      const n = names[Number(rel / PLT_ENTRY)];
      return n === undefined || n === '' ? undefined : n;
    },
  };
}
