// What the log scanner finds: an item is one piece of kernel output inside a longer text (a
// stack_trace table, an oops, a /proc snapshot ...), with its line range. Its analysis is done by
// the analyzer (src/analyze/registry.ts) whose sniff() accepts the item's text.

/** The families of items the scanner can delimit; each lists the analyzers that may explain it. */
export type ItemFamily =
  | 'stack-trace'
  | 'report'
  | 'stack-usage'
  | 'vmstat'
  | 'meminfo'
  | 'buddyinfo'
  | 'pagetypeinfo'
  | 'checkstack'
  | 'gcc-su'
  | 'kscan'
  | 'proc-counts';

export interface ScannedItem {
  readonly family: ItemFamily;
  /** 1-based, first and last line of the item in the input. */
  readonly line: number;
  readonly endLine: number;
  /** The item's lines as read (log prefixes kept: the format readers strip them). */
  readonly lines: readonly string[];
  /** The input ended inside the item (a table short of its declared rows, an oops without its end). */
  readonly cut: boolean;
  /** Lines inside the item that are not of its kind (a damaged row, a line from another CPU). */
  readonly oddLines: readonly number[];
  /** What makes two items the same, from its recogniser: for a table, its rows and its chain. */
  readonly key?: ItemKey;
}

export interface ItemKey {
  /** Same rows (Depth, Size, Location), log prefixes aside. */
  readonly same: string;
  /** Same functions in the same order (a table's chain), offsets and sizes aside. */
  readonly chain: string;
}

/** How a recogniser takes the next line of an open item. */
export type Step =
  /** part of the item */
  | 'in'
  /** part of the item, and its last line */
  | 'last'
  /** not of the item; kept aside, and part of it only if a later line is 'in' */
  | 'odd'
  /** the item ended before this line */
  | 'out';

/** Per-kind knowledge of where an item starts and ends, on lines without their log prefixes. */
export interface Recogniser<S = unknown> {
  readonly family: ItemFamily;
  /** Does this line start an item? (A new state when it does.) */
  open(body: string, raw: string): S | undefined;
  next(state: S, body: string, raw: string): Step;
  /** Consecutive 'odd' lines tolerated before the item counts as ended at its last 'in' line. */
  readonly maxOdd: number;
  /** An item this long ends here (a runaway oops, a snapshot that never stops). */
  readonly maxLines: number;
  /** Did the item get everything it announced? Asked when the input ends inside it. */
  complete(state: S): boolean;
  /**
   * An open item of this family gives way to any other recogniser's start line (a report's loose
   * 'in' test would otherwise swallow the table after it); strict row formats do not need it.
   */
  readonly yields: boolean;
  /** The item's key, from the state its lines left (see ScannedItem.key). */
  key?(state: S): ItemKey;
}
