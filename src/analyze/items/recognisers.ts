// One recogniser per family of item: where it starts and where it ends in a log, line by line. The
// format readers (src/formats) do the parsing; these only delimit. Each works on the line without
// its log prefixes (dmesg timestamps, journal and syslog heads, mail quotes: formats/log-prefix.ts).

import { hash64 } from '../../base/fnv-hash.ts';
import { readNumber } from '../../base/number.ts';
import { BUDDYINFO_ROW } from '../../formats/buddyinfo.ts';
import { CHECKSTACK_ENTRY } from '../../formats/checkstack.ts';
import {
  STACK_TRACE_ELISION,
  STACK_TRACE_HEADER,
  STACK_TRACE_ROW,
  STACK_TRACE_SEPARATOR,
} from '../../formats/ftrace-stack-trace.ts';
import { GCC_SU_LINE } from '../../formats/gcc-stack-usage.ts';
import { MEMINFO_ROW } from '../../formats/meminfo.ts';
import { OVERFLOW_ARM64_HEAD, OVERFLOW_STACK_END, OVERFLOW_X86_HEAD } from '../../formats/overflow-report.ts';
import { PAGETYPEINFO_BLOCK_ROW, PAGETYPEINFO_FREE_ROW } from '../../formats/pagetypeinfo.ts';
import { KSTACK_LINE, LOW_WATER_LINE } from '../../formats/stack-usage.ts';
import { KSCAN_HEADER, KSCAN_ROW } from '../../formats/task-highwater.ts';
import { VMSTAT_ROW } from '../../formats/vmstat.ts';
import type { Recogniser, Step } from './item.ts';

/**
 * Cheap test on the raw line: can it start any item at all? Most lines of a console log cannot, and
 * this spares them the prefix stripping and the recognisers. Every open() below needs one of these
 * on its line (a test checks it): the stack words of the overflow heads, the low-water lines and
 * kstack_*, "]:" before checkstack's byte count, ", zone" of buddyinfo rows, a tab before
 * static/dynamic for .su lines, the CPU0 header of /proc/interrupts and /proc/softirqs. As narrow
 * as that allows: a boot log says "stack" and "]:" on thousands of lines that open nothing.
 */
export const OPENS =
  /entries\)|stack (?:overflow|space|guard|end)|overran stack|greatest stack|kstack_|allocation failure|oom-killer|cut here|Internal error|Unable to handle|Kernel panic|nr_free_pages|pgalloc_|allocstall|MemTotal|,[ \t]*zone|Page block|Free pages|\]:[ \t]*(?:\d|Dynamic)|\t(?:static|dynamic)|# kscan patterns=|CPU0(?:[ \t]+CPU\d+)*[ \t]*\r?$/;

/** The "# " lines that start an item (elsewhere such a line is a comment and opens nothing). */
export const OPENS_AS_COMMENT = KSCAN_HEADER;

/**
 * What a reader searches whole chunks of a log for, before it asks OPENS of the line a match is on:
 * matches every line OPENS matches (a test checks it). Short plain words, because V8 runs this
 * alternation about four times faster than OPENS over the bytes of a log (bench/logs.ts); it is the
 * one regex run over every byte. No match crosses a line end.
 */
export const MAY_OPEN =
  /stack|entries\)|allocation failure|oom-killer|cut here|Internal error|Unable to handle|Kernel panic|nr_free_pages|pgalloc_|allocstall|MemTotal|zone|Page block|Free pages|\]:|\t(?:static|dynamic)|kscan|CPU0/;

interface TableState {
  declared: number;
  rows: number;
  disabled: boolean;
  /** "Depth Size Location" of each row, and each row's function. */
  readonly same: string[];
  readonly chain: string[];
}

/** trace_stack.c t_show(): header, "-----" line, the "# Stack tracer disabled" block, N rows. */
const stackTrace: Recogniser<TableState> = {
  family: 'stack-trace',
  open(body) {
    const h = STACK_TRACE_HEADER.exec(body);
    if (!h) return undefined;
    // A count too large to read announces nothing: the table is never taken for cut.
    const n = readNumber(h[1]!, { code: 'stack-trace/bad-number', what: 'entries' }, { file: '<log>' });
    return { declared: n.ok ? n.value : 0, rows: 0, disabled: false, same: [], chain: [] };
  },
  next(s, body): Step {
    if (STACK_TRACE_HEADER.test(body)) return 'out';
    const r = STACK_TRACE_ROW.exec(body);
    if (r) {
      s.rows++;
      s.same.push(`${r[2]} ${r[3]} ${r[4]}`);
      s.chain.push(r[4]!.split('+')[0]!);
      return 'in';
    }
    if (s.rows === 0) {
      if (body === '' || STACK_TRACE_SEPARATOR.test(body)) return 'in';
      if (body.startsWith('#')) {
        if (body.includes('Stack tracer disabled')) s.disabled = true;
        return 'in';
      }
      return 'out';
    }
    // After the rows: an elision ("[...]") or one damaged row is inside only if rows follow.
    if (body === '' || s.rows >= s.declared) return 'out';
    return STACK_TRACE_ELISION.test(body) || !body.startsWith('#') ? 'odd' : 'out';
  },
  maxOdd: 1,
  maxLines: 100_000,
  complete: (s) => s.disabled || s.rows >= s.declared,
  yields: false,
  key: (s) => ({ same: `${hash64(s.same.join('\n'))}:${s.rows}`, chain: hash64(s.chain.join('\n')) }),
};

/** Lines that start a kernel report whatever is open: a new report, not more of the last one. */
const REPORT_HEAD =
  /page allocation failure[:.]\s*order:\d+|invoked oom-killer:\s*gfp_mask=0x|\[ cut here \]|Unable to handle kernel /;
/** Lines that start a report only when none is open (inside one they are its panic or its cause). */
const REPORT_WEAK_HEAD = /kernel stack overflow|Kernel panic - not syncing|Internal error: /;
/**
 * Lines after which a report is whole: the panic, the OOM kill, the end of show_mem() (warn_alloc),
 * the "---[ end trace" line.
 */
const REPORT_WHOLE =
  /Kernel panic - not syncing|Out of memory: Kill|oom_reaper: reaped|pages (?:reserved|hwpoisoned)|^-+\[ end /;
const REPORT_END = /^-+\[ end (?:trace|Kernel panic)/;
/**
 * What the lines of an oops, an overflow report or an allocation failure look like: call frames,
 * "name: value" registers and headings, <IRQ> markers, hex dumps, "kB"/"pages" counts of Mem-Info,
 * OOM task rows, "? fn" guesses, arm (32-bit) "fn from caller" backtraces.
 */
const REPORT_LINE =
  /\+0x[0-9a-f]{1,16}\/0x[0-9a-f]|^[\w .()[\]-]{1,40}\s?[:=](?:\s|$)|^<\/?[A-Z#]{2,6}>$|^[0-9a-f]{8,}(?: [0-9a-f]{8,})+|\dkB\b|\bpages?\b|^\[\s*(?:pid|\d+)\s*\]|^\? | from |^[a-z_]+:\S+ [a-z_]+:|^(?:Oops|BUG|WARNING|Kernel panic|Insufficient|Thread overran|SMP:|Modules linked in|Code:|Call [Tt]race|Mem-Info|Tasks state|Out of memory|oom)/;

interface ReportState {
  /** A line that ends a report was seen (REPORT_WHOLE). */
  whole: boolean;
}

/** Oopses, stack overflow reports, page allocation failures and OOM reports. */
const report: Recogniser<ReportState> = {
  family: 'report',
  open(body) {
    return REPORT_HEAD.test(body) ||
      REPORT_WEAK_HEAD.test(body) ||
      OVERFLOW_ARM64_HEAD.test(body) ||
      OVERFLOW_X86_HEAD.test(body) ||
      OVERFLOW_STACK_END.test(body)
      ? { whole: REPORT_WHOLE.test(body) }
      : undefined;
  },
  next(s, body): Step {
    if (REPORT_WHOLE.test(body)) s.whole = true;
    if (REPORT_HEAD.test(body) || OVERFLOW_ARM64_HEAD.test(body) || OVERFLOW_X86_HEAD.test(body))
      return 'out';
    if (REPORT_END.test(body)) return 'last';
    return REPORT_LINE.test(body) ? 'in' : 'odd';
  },
  // A blank line, a mail line wrap or a line another CPU printed in between.
  maxOdd: 3,
  maxLines: 20_000,
  // A report announces no length: one the input ends in before any REPORT_WHOLE line is cut.
  complete: (s) => s.whole,
  yields: true,
};

/**
 * "<comm> used greatest stack depth: N bytes left" lines (kernel/exit.c check_stack_usage()); a run
 * of them (`dmesg | grep greatest`) is one item.
 */
const lowWater: Recogniser<null> = {
  family: 'stack-usage',
  open: (body) => (LOW_WATER_LINE.test(body) ? null : undefined),
  next: (_s, body) => (LOW_WATER_LINE.test(body) ? 'in' : 'out'),
  maxOdd: 0,
  maxLines: 100_000,
  complete: () => true,
  yields: false,
};

/** The first names /proc/vmstat prints (nr_free_pages since 2.6.x), or a grep of its kstack_* lines. */
const VMSTAT_FIRST = /^(?:nr_free_pages|kstack_\d+k|pgalloc_|allocstall)/;

/** A run of "name value" lines: /proc/vmstat, with or without the kstack_* histogram (6.12+). */
const vmstat: Recogniser<null> = {
  family: 'vmstat',
  open: (body) =>
    VMSTAT_FIRST.test(body) && (VMSTAT_ROW.test(body) || KSTACK_LINE.test(body)) ? null : undefined,
  next: (_s, body) => (VMSTAT_ROW.test(body) ? 'in' : 'out'),
  maxOdd: 0,
  maxLines: 10_000,
  complete: () => true,
  yields: false,
};

/** /proc/meminfo from its MemTotal: line on. */
const meminfo: Recogniser<null> = {
  family: 'meminfo',
  open: (body) => (/^MemTotal:\s+\d+\s*kB/.test(body) ? null : undefined),
  next: (_s, body) => (MEMINFO_ROW.test(body) ? 'in' : 'out'),
  maxOdd: 0,
  maxLines: 10_000,
  complete: () => true,
  yields: false,
};

/** /proc/buddyinfo: "Node N, zone NAME count...". */
const buddyinfo: Recogniser<null> = {
  family: 'buddyinfo',
  open: (body) => (BUDDYINFO_ROW.test(body) && !/,\s*type\s/.test(body) ? null : undefined),
  next: (_s, body) => (BUDDYINFO_ROW.test(body) && !/,\s*type\s/.test(body) ? 'in' : 'out'),
  maxOdd: 0,
  maxLines: 10_000,
  complete: () => true,
  yields: false,
};

const PAGETYPEINFO_LINE =
  /^(?:Page block order:|Pages per block:|Free pages count per migrate type|Number of (?:mixed )?blocks type)/;

/** /proc/pagetypeinfo: its headings, free-list rows and block-count rows, blank lines between. */
const pagetypeinfo: Recogniser<null> = {
  family: 'pagetypeinfo',
  open: (body) =>
    /^(?:Page block order:\s*\d+|Free pages count per migrate type at order)/.test(body) ? null : undefined,
  next(_s, body): Step {
    if (PAGETYPEINFO_LINE.test(body) || PAGETYPEINFO_FREE_ROW.test(body) || PAGETYPEINFO_BLOCK_ROW.test(body))
      return 'in';
    return body === '' ? 'odd' : 'out';
  },
  maxOdd: 1,
  maxLines: 10_000,
  complete: () => true,
  yields: false,
};

/** scripts/checkstack.pl output: "0xADDR function [file]:<TAB>BYTES" lines. */
const checkstack: Recogniser<null> = {
  family: 'checkstack',
  open: (body) => (CHECKSTACK_ENTRY.test(body) ? null : undefined),
  next: (_s, body) => (CHECKSTACK_ENTRY.test(body) ? 'in' : 'odd'),
  // A blank line, or the ".." an author put where lines were cut.
  maxOdd: 2,
  maxLines: 1_000_000,
  complete: () => true,
  yields: false,
};

/** GCC/clang -fstack-usage output (.su lines, e.g. a CI log that cats them): "FILE:L:C:FN<TAB>N<TAB>static". */
const gccSu: Recogniser<null> = {
  family: 'gcc-su',
  open: (body) => (GCC_SU_LINE.test(body) ? null : undefined),
  next: (_s, body) => (GCC_SU_LINE.test(body) ? 'in' : 'odd'),
  // A blank line between two concatenated .su files.
  maxOdd: 1,
  maxLines: 1_000_000,
  complete: () => true,
  yields: false,
};

/**
 * Stack high-water files of capture-arm64.sh (`stackwork kscan`) inside its console log: the header,
 * one row per stack, and its "# ..." summary lines.
 */
const kscan: Recogniser<null> = {
  family: 'kscan',
  open: (body) => (KSCAN_HEADER.test(body) ? null : undefined),
  next: (_s, body) => (KSCAN_ROW.test(body) || body.startsWith('# ') ? 'in' : 'out'),
  maxOdd: 0,
  maxLines: 1_000_000,
  complete: () => true,
  yields: true,
};

/** The CPU header of /proc/interrupts and /proc/softirqs (the online CPUs' columns). */
const PROC_COUNTS_HEADER = /^CPU0(?:\s+CPU\d+)*$/;
/** Their rows: "NAME:" and at least one count ("Err:" and "MIS:" carry one total). */
const PROC_COUNTS_ROW = /^[A-Za-z0-9_]+:[ \t]+\d+(?:[ \t]|$)/;

/** /proc/interrupts and /proc/softirqs: the CPU header, then one row per source or vector. */
const procCounts: Recogniser<null> = {
  family: 'proc-counts',
  open: (body) => (PROC_COUNTS_HEADER.test(body) ? null : undefined),
  next: (_s, body) => (PROC_COUNTS_ROW.test(body) ? 'in' : 'out'),
  maxOdd: 0,
  maxLines: 100_000,
  complete: () => true,
  yields: false,
};

/** Every recogniser, in the order a line that several could open is given to them. */
export const RECOGNISERS: readonly Recogniser[] = [
  stackTrace,
  report,
  lowWater,
  pagetypeinfo,
  buddyinfo,
  meminfo,
  vmstat,
  checkstack,
  gccSu,
  kscan,
  procCounts,
] as unknown as readonly Recogniser[];
