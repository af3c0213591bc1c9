// Functions of a code section: the labels `objdump -d` prints ("0000000000002690 <pfkey_sendmsg>:"),
// each running to the next label. FUNC and NOTYPE symbols count (assembly entry code is often NOTYPE);
// mapping symbols ($x, $d), section and file symbols do not. When several symbols share an address,
// one is the label and the rest are aliases (objdump's preference, byLabelPreference()).
import { STB_GLOBAL, STB_WEAK, STT_FUNC, STT_NOTYPE } from './elf-constants.ts';
import type { ElfFile } from './reader.ts';
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
 * Every function label in the code sections, in section order then address order. Symbols outside
 * their section's bounds are ignored (and counted in `outOfRange`).
 */
export function listFunctions(
  elf: ElfFile,
  symbols: SymbolTable,
): { functions: ElfFunction[]; outOfRange: number; outOfRangeNames: string[] } {
  const bySection = new Map<number, { offset: number; sym: number }[]>();
  let outOfRange = 0;
  const outOfRangeNames: string[] = [];
  const secs = elf.sections;
  for (let i = 1; i < symbols.count; i++) {
    const shndx = symbols.st_shndx(i);
    if (shndx === 0 || shndx >= secs.length) continue;
    const type = symbols.type(i);
    if (type !== STT_FUNC && type !== STT_NOTYPE) continue;
    const sec = secs[shndx]!;
    if (!isCodeSection(sec)) continue;
    const first = symbols.firstByte(i);
    if (first === 0 || (first === 0x24 /* $ */ && isMappingSymbol(symbols.name(i)))) continue;
    const off = elf.isRelocatable ? symbols.offsetFrom(i, 0n) : symbols.offsetFrom(i, sec.sh_addr);
    if (off === undefined || off > sec.sh_size) {
      outOfRange++;
      if (outOfRangeNames.length < 3) outOfRangeNames.push(symbols.name(i));
      continue;
    }
    if (off === sec.sh_size) continue; // an end marker (_etext, __irqentry_text_end): no code follows
    let list = bySection.get(shndx);
    if (list === undefined) bySection.set(shndx, (list = []));
    list.push({ offset: off, sym: i });
  }
  const functions: ElfFunction[] = [];
  for (const sec of secs) {
    const list = bySection.get(sec.index);
    if (list === undefined) continue;
    list.sort((a, b) => a.offset - b.offset || byLabelPreference(symbols, a.sym, b.sym));
    for (let k = 0; k < list.length; ) {
      const first = list[k]!;
      let j = k + 1;
      let aliases: readonly string[] = NO_ALIASES;
      while (j < list.length && list[j]!.offset === first.offset) {
        aliases = [...aliases, symbols.name(list[j]!.sym)];
        j++;
      }
      const next = list[j];
      functions.push({
        name: symbols.name(first.sym),
        aliases,
        section: sec,
        offset: first.offset,
        end: next === undefined ? sec.sh_size : next.offset,
        st_size: symbols.st_size(first.sym),
        symbol: first.sym,
        global: symbols.isGlobal(first.sym),
      });
      k = j;
    }
  }
  return { functions, outOfRange, outOfRangeNames };
}
