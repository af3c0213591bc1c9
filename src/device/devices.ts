// Simulated devices: the memory of a real class of machine, each number with its source. "PA §n" is
// shared/reference/page-allocator.md. Anything the reference marks unconfirmed stays a parameter
// (override with --set, e.g. --set pageblockOrder=10 or --set zramMB=512).
import { DEFAULT_COSTS } from '../mm/costs.ts';
import type { KernelMode } from '../mm/migratetype.ts';
import type { MmParams } from '../mm/node.ts';

export type DeviceId = 'phone-1g-2015' | 'phone-2g-2015' | 'board-512m' | 'phone-1g-6.1' | 'phone-4g-2026';
export const DEVICE_IDS: readonly DeviceId[] = [
  'phone-1g-2015',
  'phone-2g-2015',
  'board-512m',
  'phone-1g-6.1',
  'phone-4g-2026',
];

export interface DeviceSpec {
  readonly id: DeviceId;
  readonly title: string;
  /** What real device it stands for. */
  readonly standsFor: string;
  /** Where its numbers come from. */
  readonly sources: readonly string[];
  readonly mode: KernelMode;
  /** RAM the zone spans, MB (a multiple of 4). */
  readonly ramMB: number;
  /** zone_managed_pages(): RAM minus kernel image, firmware and carve-outs. */
  readonly managedPages: number;
  readonly nrCpus: number;
  readonly pageblockOrder: number;
  readonly cmaMB: number;
  /** Android extra_free_kbytes (2015 kernels only). */
  readonly extraFreeKbytes: number;
  readonly swappiness: number;
  /** zram disk size in MB (0 = no swap). */
  readonly zramMB: number;
  /** Android lowmemorykiller minfree levels in MB (null: plain Linux, OOM killer only). */
  readonly lmkMinfreeMB: readonly number[] | null;
  readonly defaultScenario: 'android' | 'build' | 'fork-storm' | 'android-2026';
}

/** ActivityManager ProcessList high-end minfree set, used on every phone >= 700 MB (PA §5.5). */
const LMK_HIGH_END_MB = [72, 90, 108, 126, 144, 180];

export const DEVICES: Readonly<Record<DeviceId, DeviceSpec>> = {
  'phone-1g-2015': {
    id: 'phone-1g-2015',
    title: '1 GB arm64 Android phone, 2015 kernel (720p)',
    standsFor:
      'the 1 GB, 720p arm64 Android phones of 2015 on 3.10/3.18 kernels — the "smart phone ... only 1G memory" of ' +
      "Xishi Qiu's 2016 report, where fork's order-2 stack allocation failed (PA §5.3)",
    sources: [
      'managed 243 200 pages, min_free_kbytes 3945 -> min/low/high 986/1232/1479 (PA §2.6 table)',
      'extra_free_kbytes 10800 = 720x1280x4x3/1024 (PA §2.6), added to low and high: 986/3932/4179',
      '4 CPUs, zram 256-512 MB (384 MB used), swappiness 100, 800-1500 threads: profile P1G-2015 (PA §6.6)',
      'lowmemorykiller minfree 72/90/108/126/144/180 MB (PA §5.5)',
      'pageblock_order 9 assumed (CONFIG_HUGETLB_PAGE on 2015 Android unconfirmed, PA §2.2); no CMA area',
    ],
    mode: '2015',
    ramMB: 1024,
    managedPages: 243200,
    nrCpus: 4,
    pageblockOrder: 9,
    cmaMB: 0,
    extraFreeKbytes: 10800,
    swappiness: 100,
    zramMB: 384,
    lmkMinfreeMB: LMK_HIGH_END_MB,
    defaultScenario: 'android',
  },
  'phone-2g-2015': {
    id: 'phone-2g-2015',
    title: '2 GB arm64 Android phone, 2015 kernel (1080p)',
    standsFor: 'a 2015 1080p arm64 flagship with 2 GB on a 3.10/3.18 kernel (profile P2G-2015, PA §6.6)',
    sources: [
      'managed 486 400 pages, min_free_kbytes 5579 -> min 1394 (PA §2.6 table)',
      'extra_free_kbytes 24300 = 1080x1920x4x3/1024 (PA §2.6), added to low and high',
      '8 CPUs, zram 0.5-1 GB (768 MB used), swappiness 100, 1500-2500 threads (PA §6.6)',
      'lowmemorykiller high-end minfree set (PA §5.5); pageblock_order 9 assumed; no CMA area',
    ],
    mode: '2015',
    ramMB: 2048,
    managedPages: 486400,
    nrCpus: 8,
    pageblockOrder: 9,
    cmaMB: 0,
    extraFreeKbytes: 24300,
    swappiness: 100,
    zramMB: 768,
    lmkMinfreeMB: LMK_HIGH_END_MB,
    defaultScenario: 'android',
  },
  'board-512m': {
    id: 'board-512m',
    title: '512 MB embedded board building a kernel',
    standsFor:
      "an arm64 embedded board with 512 MB under a kernel build, as in Joonsoo Kim's 2015 fragmentation test " +
      '(512 MB, kernel build -j12; PA §5.1, profile E512 PA §6.6)',
    sources: [
      'managed 122 880 pages, min_free_kbytes 2804 -> min/low/high 701/876/1051 (PA §2.6 table)',
      '4 CPUs (E512: 4-8), no swap (E512: "none or zram"), OOM killer (no Android LMK)',
      'calibration target: about 2/3 of movable pageblocks mixed after the build (PA §5.1)',
    ],
    mode: '2015',
    ramMB: 512,
    managedPages: 122880,
    nrCpus: 4,
    pageblockOrder: 9,
    cmaMB: 0,
    extraFreeKbytes: 0,
    swappiness: 60,
    zramMB: 0,
    lmkMinfreeMB: null,
    defaultScenario: 'build',
  },
  'phone-1g-6.1': {
    id: 'phone-1g-6.1',
    title: '1 GB arm64 Android phone, 6.1 kernel',
    standsFor:
      'the same 1 GB phone on a 6.1 kernel: the control with the modern allocator (6.1 watermark check, pcp for ' +
      'orders 0-3, kcompactd, movable zsmalloc; profile P2G-6.1 scaled to 1 GB, PA §6.6)',
    sources: [
      'managed 243 200 pages, min 986, low/high 1232/1478 from watermark_scale_factor 10 (PA §2.6 table)',
      'no extra_free_kbytes (not in GKI 6.1), 4 CPUs, zram 384 MB, swappiness 100',
      'lmkd modelled with the same minfree levels as the 2015 in-kernel lowmemorykiller',
    ],
    mode: '6.1',
    ramMB: 1024,
    managedPages: 243200,
    nrCpus: 4,
    pageblockOrder: 9,
    cmaMB: 0,
    extraFreeKbytes: 0,
    swappiness: 100,
    zramMB: 384,
    lmkMinfreeMB: LMK_HIGH_END_MB,
    defaultScenario: 'android',
  },
  'phone-4g-2026': {
    id: 'phone-4g-2026',
    title: '4 GB arm64 Android phone, GKI-era kernel (2026)',
    standsFor:
      "the 4 GB Android phones of David Stevens' 2026 dynamic-stacks v2 (2000-3000 threads in system processes, " +
      'kernel stacks 1-2 % of RAM; DS = shared/reference/dynamic-stacks.md), on the 6.1 allocator',
    sources: [
      '4 GB RAM; 2000-3000 threads in Android system processes, stacks 1-2 % of RAM on 4 GB devices (Stevens 2026, DS; PA §5.3)',
      'managed 997 376 pages = 4 GB minus 200 MB of carve-outs (modem, GPU, firmware: 100-300 MB, unconfirmed, PA §6.6)',
      '6.1 allocator for a GKI kernel (android14-6.1 and later keep its watermark check and pcp orders 0-3); ' +
        'min_free_kbytes from the kernel formula, watermark_scale_factor 10, no extra_free_kbytes (not in GKI)',
      '8 CPUs (P2G-6.1, PA §6.6), zram 2048 MB = 50 % of RAM (assumed, as AOSP fstabs commonly set; unconfirmed), swappiness 100',
      'lmkd with the high-end minfree levels (PA §5.5); pageblock_order 9 (4 KiB pages); no CMA area modelled',
      'workload android-2026: android with system processes of ~2,400 threads and 40 cached apps (see workloads.ts)',
    ],
    mode: '6.1',
    ramMB: 4096,
    managedPages: 997376,
    nrCpus: 8,
    pageblockOrder: 9,
    cmaMB: 0,
    extraFreeKbytes: 0,
    swappiness: 100,
    zramMB: 2048,
    lmkMinfreeMB: LMK_HIGH_END_MB,
    defaultScenario: 'android-2026',
  },
};

/** Numeric device fields that `--set FIELD=VALUE` may override. */
export const DEVICE_OVERRIDABLE = [
  'ramMB',
  'managedPages',
  'nrCpus',
  'pageblockOrder',
  'cmaMB',
  'extraFreeKbytes',
  'swappiness',
  'zramMB',
] as const;

/** The allocator parameters of a device in a mode (the device's own mode unless overridden). */
export function deviceParams(d: DeviceSpec, mode: KernelMode = d.mode): MmParams {
  const spanned = (d.ramMB * 1024) / 4;
  return {
    mode,
    zoneName: 'DMA',
    spannedPages: spanned,
    reservedPages: spanned - d.managedPages,
    cmaPages: (d.cmaMB * 1024) / 4,
    configCma: d.cmaMB > 0,
    configIsolate: true,
    nrCpus: d.nrCpus,
    pageblockOrder: d.pageblockOrder,
    extraFreeKbytes: mode === '2015' ? d.extraFreeKbytes : 0,
    watermarkScaleFactor: 10,
    minFreeOrderShift: 1,
    swappiness: d.swappiness,
    zramPages: (d.zramMB * 1024) / 4,
    zramRatio: 3,
    referencedFraction: 0.25,
    kswapdCpuShare: 1,
    maxRetryLoops2015: 1000,
    costs: DEFAULT_COSTS,
  };
}
