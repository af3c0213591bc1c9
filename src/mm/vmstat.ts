// Event counters of /proc/vmstat that the model drives, named exactly as the kernel prints them
// (mm/vmstat.c vmstat_text[], include/linux/vm_event_item.h; PA §4.4). State counters such as
// nr_free_pages are computed from the model when printed (see vmstatSnapshot in stats.ts).

/** Monotonic event counters (vm_event_item). Zone-suffixed ones use the model's single zone. */
export class VmEvents {
  pgalloc = 0;
  pgfree = 0;
  pgactivate = 0;
  pgdeactivate = 0;
  pswpin = 0;
  pswpout = 0;
  allocstall = 0;
  pgsteal_kswapd = 0;
  pgsteal_direct = 0;
  pgscan_kswapd = 0;
  pgscan_direct = 0;
  pgscan_direct_throttle = 0;
  pgscan_anon = 0;
  pgscan_file = 0;
  pgsteal_anon = 0;
  pgsteal_file = 0;
  slabs_scanned = 0;
  kswapd_low_wmark_hit_quickly = 0;
  kswapd_high_wmark_hit_quickly = 0;
  pageoutrun = 0;
  oom_kill = 0;
  pgmigrate_success = 0;
  pgmigrate_fail = 0;
  compact_migrate_scanned = 0;
  compact_free_scanned = 0;
  compact_isolated = 0;
  compact_stall = 0;
  compact_fail = 0;
  compact_success = 0;
  compact_daemon_wake = 0;
  compact_daemon_migrate_scanned = 0;
  compact_daemon_free_scanned = 0;
  workingset_refault_anon = 0;
  workingset_refault_file = 0;
  /** Not a vmstat line: fallback events (tracepoint mm_page_alloc_extfrag), total and fragmenting. */
  extfrag_events = 0;
  extfrag_fragmenting = 0;
  /** Not a vmstat line: unmovable/reclaimable requests that stole from a MOVABLE pageblock. */
  extfrag_unmovable_from_movable = 0;
  /** Android lowmemorykiller kills (printed in the report, not a vmstat field). */
  lmk_kill = 0;

  clone(): VmEvents {
    return Object.assign(new VmEvents(), this);
  }
}

export type VmEventName = Exclude<keyof VmEvents, 'clone'>;
