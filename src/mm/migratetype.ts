// Migratetypes: which free list a block sits on and what a pageblock is reserved for (PA §2.2).
//
// The model numbers every type once, in 6.1 order, and adds MIGRATE_RESERVE (2015 only) at the end.
// What a mode prints, and in which order, is a property of the mode:
//
//   6.1  (include/linux/mmzone.h): Unmovable Movable Reclaimable HighAtomic [CMA] [Isolate]
//   2015 (3.10-4.3, PA §2.2):       Unmovable Reclaimable Movable Reserve   [CMA] [Isolate]

export type KernelMode = '2015' | '6.1';
export const KERNEL_MODES: readonly KernelMode[] = ['2015', '6.1'];

export const MIGRATE_UNMOVABLE = 0;
export const MIGRATE_MOVABLE = 1;
export const MIGRATE_RECLAIMABLE = 2;
/** 6.1: pageblocks reserved on demand for high-order atomic allocations (PA §2.10). */
export const MIGRATE_HIGHATOMIC = 3;
export const MIGRATE_CMA = 4;
export const MIGRATE_ISOLATE = 5;
/** 2015: up to two pageblocks set aside at boot, the last fallback of every type (PA §2.10). */
export const MIGRATE_RESERVE = 6;
/** Number of free lists per order in the model (every type of both modes). */
export const MIGRATE_TYPES = 7;
/** include/linux/mmzone.h: the first three types have per-CPU lists. */
export const MIGRATE_PCPTYPES = 3;

/** `migratetype_names[]` in mm/page_alloc.c, as /proc/pagetypeinfo prints them. */
export const MIGRATETYPE_NAMES: readonly string[] = [
  'Unmovable',
  'Movable',
  'Reclaimable',
  'HighAtomic',
  'CMA',
  'Isolate',
  'Reserve',
];

/** Letters of show_migration_types() in the Mem-Info buddy lines ("68324*4kB (UEM)"). */
export const MIGRATETYPE_LETTERS: Readonly<Record<KernelMode, Readonly<Record<string, number>>>> = {
  // 6.1 mm/page_alloc.c show_migration_types(): U M E H C I
  '6.1': {
    U: MIGRATE_UNMOVABLE,
    M: MIGRATE_MOVABLE,
    E: MIGRATE_RECLAIMABLE,
    H: MIGRATE_HIGHATOMIC,
    C: MIGRATE_CMA,
    I: MIGRATE_ISOLATE,
  },
  // 3.10-4.3: U E M R C I, R being MIGRATE_RESERVE (PA §0; letters as printed in paf-001's 4.1 report)
  '2015': {
    U: MIGRATE_UNMOVABLE,
    E: MIGRATE_RECLAIMABLE,
    M: MIGRATE_MOVABLE,
    R: MIGRATE_RESERVE,
    C: MIGRATE_CMA,
    I: MIGRATE_ISOLATE,
  },
};

/** The types a mode prints in /proc/pagetypeinfo, in its order. */
export function printedMigratetypes(mode: KernelMode, cma: boolean, isolate: boolean): number[] {
  const base =
    mode === '6.1'
      ? [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_HIGHATOMIC]
      : [MIGRATE_UNMOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE, MIGRATE_RESERVE];
  if (cma) base.push(MIGRATE_CMA);
  if (isolate) base.push(MIGRATE_ISOLATE);
  return base;
}

/**
 * @kernel fallbacks[] mm/page_alloc.c (6.1): where each PCP type looks when its own lists are empty.
 * 2015 lists additionally end in MIGRATE_RESERVE, which the model handles in rmqueue (PA §2.3).
 */
export const FALLBACKS: readonly (readonly number[])[] = [
  [MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE],
  [MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE],
  [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE],
];

/** @kernel is_migrate_movable() include/linux/mmzone.h: MOVABLE or CMA. */
export function isMigrateMovable(mt: number): boolean {
  return mt === MIGRATE_MOVABLE || mt === MIGRATE_CMA;
}

/** @kernel migratetype_is_mergeable() (6.1): blocks of these types may merge above pageblock_order. */
export function migratetypeIsMergeable(mt: number): boolean {
  return mt < MIGRATE_PCPTYPES;
}
