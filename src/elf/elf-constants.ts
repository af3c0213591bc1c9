// ELF constants as /usr/include/elf.h spells them, limited to what stacklab reads: ELF64
// little-endian AArch64 objects (ET_REL .o/.ko, ET_EXEC, ET_DYN vmlinux and user binaries).
// Sources: elf.h (glibc), "ELF for the Arm 64-bit Architecture (AArch64)" (aaelf64) for R_AARCH64_*.

/** e_ident[] indexes and values. */
export const EI_NIDENT = 16;
export const EI_MAG0 = 0;
export const EI_CLASS = 4;
export const EI_DATA = 5;
export const EI_VERSION = 6;
/** "\x7fELF" read as a little-endian u32. */
export const ELFMAG_U32LE = 0x464c457f;
export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;
export const EV_CURRENT = 1;

/** e_type: object file type. */
export const ET_NONE = 0;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

/** e_machine: only AArch64 is analysed; the others name what we refuse. */
export const EM_386 = 3;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
export const EM_RISCV = 243;

/** sizeof(Elf64_Ehdr), sizeof(Elf64_Shdr), sizeof(Elf64_Sym), sizeof(Elf64_Rela), sizeof(Elf64_Rel). */
export const ELF64_EHDR_SIZE = 64;
export const ELF64_SHDR_SIZE = 64;
export const ELF64_SYM_SIZE = 24;
export const ELF64_RELA_SIZE = 24;
export const ELF64_REL_SIZE = 16;

/** Special section indexes. */
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

/** sh_type. */
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_HASH = 5;
export const SHT_DYNAMIC = 6;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHT_DYNSYM = 11;
export const SHT_SYMTAB_SHNDX = 18;

/** sh_flags. */
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHF_INFO_LINK = 0x40;
export const SHF_LINK_ORDER = 0x80;
export const SHF_COMPRESSED = 0x800;

/** Symbol binding, ELF64_ST_BIND(st_info). */
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

/** Symbol type, ELF64_ST_TYPE(st_info). */
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_GNU_IFUNC = 10;

/** AArch64 relocation types (aaelf64 §5.7). */
export const R_AARCH64_NONE = 0;
export const R_AARCH64_ABS64 = 257;
export const R_AARCH64_PREL32 = 261;
export const R_AARCH64_JUMP26 = 282;
export const R_AARCH64_CALL26 = 283;
export const R_AARCH64_GLOB_DAT = 1025;
export const R_AARCH64_JUMP_SLOT = 1026;
export const R_AARCH64_RELATIVE = 1027;

export const ELF64_ST_BIND = (info: number): number => info >>> 4;
export const ELF64_ST_TYPE = (info: number): number => info & 0xf;

/** Names for messages: "EM_X86_64 (62)" reads better than a bare number. */
export const EM_NAMES: Readonly<Record<number, string>> = {
  [EM_386]: 'EM_386',
  [EM_ARM]: 'EM_ARM',
  [EM_X86_64]: 'EM_X86_64',
  [EM_AARCH64]: 'EM_AARCH64',
  [EM_RISCV]: 'EM_RISCV',
};

export const ET_NAMES: Readonly<Record<number, string>> = {
  [ET_NONE]: 'ET_NONE',
  [ET_REL]: 'ET_REL',
  [ET_EXEC]: 'ET_EXEC',
  [ET_DYN]: 'ET_DYN',
  [ET_CORE]: 'ET_CORE',
};
