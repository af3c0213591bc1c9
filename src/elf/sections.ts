// Elf64_Shdr: the section header table, and the section lookups the analyses need.
//
//   [Nr] Name              Type      Address           Offset    Size      EntSize  Flags Link Info Align
//   [ 1] .text             PROGBITS  0000000000000000  00000040  00006280  0        AX    0    0    16
//   [ 2] .rela.text        RELA      0000000000000000  0000d5a8  00002538  18       I     38   1    8
import type { Addr } from '../base/units.ts';
import { SHF_ALLOC, SHF_EXECINSTR, SHT_PROGBITS } from './elf-constants.ts';

/** One Elf64_Shdr, field names as in elf.h, plus its resolved name and index. */
export interface SectionHeader {
  /** Index in the section header table. */
  readonly index: number;
  /** Name from .shstrtab ("" when sh_name is 0 or out of range). */
  readonly name: string;
  /** Offset of the name in .shstrtab. */
  readonly sh_name: number;
  /** Section type, one of the SHT_* constants. */
  readonly sh_type: number;
  /** SHF_* flags (the low 32 bits; no flag stacklab reads lives above them). */
  readonly sh_flags: number;
  /** Virtual address at execution (0 in relocatable objects). */
  readonly sh_addr: Addr;
  /** File offset of the contents. */
  readonly sh_offset: number;
  /** Size in bytes (in memory for SHT_NOBITS, which has no file contents). */
  readonly sh_size: number;
  /** Section index this one links to (a symbol table's string table, a relocation's symbol table). */
  readonly sh_link: number;
  /** Extra information (a relocation section's target section). */
  readonly sh_info: number;
  /** Alignment constraint. */
  readonly sh_addralign: number;
  /** Entry size for tables (symbols, relocations). */
  readonly sh_entsize: number;
}

/** Does the section hold code stacklab decodes? */
export function isCodeSection(s: SectionHeader): boolean {
  return s.sh_type === SHT_PROGBITS && (s.sh_flags & SHF_EXECINSTR) !== 0 && (s.sh_flags & SHF_ALLOC) !== 0;
}

export function findSection(sections: readonly SectionHeader[], name: string): SectionHeader | undefined {
  return sections.find((s) => s.name === name);
}

/** The section whose [sh_addr, sh_addr + sh_size) holds `address`, among allocated sections. */
export function sectionAt(sections: readonly SectionHeader[], address: bigint): SectionHeader | undefined {
  for (const s of sections) {
    if ((s.sh_flags & SHF_ALLOC) === 0 || s.sh_size === 0) continue;
    if (address >= s.sh_addr && address < s.sh_addr + BigInt(s.sh_size)) return s;
  }
  return undefined;
}
