// A module-like object with the two run-time patched branch tables the ELF analysis reads and the C
// corpus lacks: __jump_table (static keys, arm64's relative struct jump_entry { s32 code; s32 target;
// long key; }) and .altinstructions (struct alt_instr { s32 orig; s32 alt; u16 cpufeature; u8
// orig_len; u8 alt_len; }), written the way arm64's asm/jump_label.h and asm/alternative-macros.h
// lay them out. A fuzz seed (fuzz/targets.ts): mutations of its relocations reach jump-labels.ts.
struct static_key { int enabled; };
struct static_key dyndbg_key;
struct static_key other_key;

static inline __attribute__((always_inline)) int key_enabled(struct static_key *key) {
  asm goto("1: nop\n\t"
           ".pushsection __jump_table, \"aw\"\n\t"
           ".align 3\n\t"
           ".long 1b - ., %l[l_yes] - .\n\t"
           ".quad %c0 - .\n\t"
           ".popsection\n\t"
           : : "i"(key) : : l_yes);
  return 0;
l_yes:
  return 1;
}

static inline __attribute__((always_inline)) int has_feature(void) {
  asm goto("1: b %l[l_no]\n\t"
           ".pushsection .altinstructions, \"a\"\n\t"
           ".word 1b - ., 2f - .\n\t"
           ".hword 5\n\t"
           ".byte 4, 4\n\t"
           ".popsection\n\t"
           ".pushsection .altinstr_replacement, \"ax\"\n\t"
           "2: nop\n\t"
           ".popsection\n\t"
           : : : : l_no);
  return 1;
l_no:
  return 0;
}

extern void printk(const char *fmt, ...);
extern void consume(char *buf, int n);

int debug_path(int x) {
  if (key_enabled(&dyndbg_key)) {
    char buf[256];
    consume(buf, x);
    printk("x=%d %s\n", x, buf);
  }
  return x + 1;
}

int feature_path(int x) {
  if (has_feature()) {
    char big[1024];
    consume(big, x);
    return big[x & 1023];
  }
  return x;
}

int both(int x) {
  return debug_path(x) + feature_path(x) + (key_enabled(&other_key) ? 7 : 0);
}
