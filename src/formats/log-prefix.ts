// Prefixes that real copies of kernel text carry before each line, shared by the /proc and dmesg
// format readers: dmesg timestamps (plain, -T, -x, --reltime, CONFIG_PRINTK_CALLER), printk
// levels, Android logcat-style kernel logs and vendor printk prefixes (MediaTek, Samsung), syslog
// and journalctl, CI logs (GitHub Actions, GitLab, Jenkins), terminal colours, mail quotes and
// indentation.
//
//   [  501.942745] DMA free:14896kB min:28kB ...
//   07-13 08:41:51.347 <4>[309805.658294s][pid:1361,cpu5,sManagerService]DMA free:470628kB ...
//   Jul 13 08:41:51 phone kernel: [  501.94] Normal: 959*4kB (ME) ...
//   2024-03-03T10:00:00.123456+01:00 host kernel: Mem-Info:
//   > [    9.230891][  T747] Task stack:     [0xffff800084928000..0xffff80008492c000]

/** What a prefix may start with (its first character's code): each pattern is tried only there. */
type First = (c: number) => boolean;
const isDigit: First = (c) => c >= 48 && c <= 57;
const isUpper: First = (c) => c >= 65 && c <= 90;
const isLower: First = (c) => c >= 97 && c <= 122;
// \s: ASCII blanks, and anything past ASCII is left to the pattern itself.
const isSpace: First = (c) => c === 32 || (c >= 9 && c <= 13) || c > 127;
const is = (ch: string): First => {
  const k = ch.charCodeAt(0);
  return (c) => c === k;
};

const PREFIXES: readonly (readonly [RegExp, First])[] = [
  [/^\s+/, isSpace], // indentation (mail, markdown, "Call Trace:" copies), also between prefixes
  [/^>(?: ?>)*\s?/, is('>')], // mail quotes "> ", "> > ", ">>"
  [/^\d\d-\d\d \d\d:\d\d:\d\d\.\d+\s+/, isDigit], // Android "MM-DD hh:mm:ss.mmm "
  // syslog / journalctl ("Mar  3 10:00:00 host kernel: ", short-precise, short-iso, short-full
  // "Tue 2024-03-03 10:00:00 CET", short-unix "1709456400.123456", RFC 5424), OpenWrt logread and
  // ctime stamps ("Sun Mar  3 10:00:00 2024 kern.warn kernel: "), with an optional host (journalctl
  // -o short on some setups omits it), busybox facility ("kern.warn") and pid ("kernel[0]:").
  // One literal so test/input-safety.test.ts can check it is linear.
  [
    /^(?:(?:[A-Z][a-z]{2}\s+)?[A-Z][a-z]{2}\s+\d{1,2}\s+(?:\d{4}\s+)?\d\d:\d\d:\d\d(?:[.,]\d+)?(?:\s+\d{4})?|(?:[A-Z][a-z]{2}\s+)?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d|\s+[A-Z]{2,5})?|\d{9,11}\.\d+)\s+(?:\S+\s+)?(?:[a-z]+\.[a-z]+\s+)?kernel(?:\[\d+\])?:\s?/,
    (c) => isUpper(c) || isDigit(c),
  ],
  // journalctl -o short-monotonic "[  501.942745] host kernel: ", -o short-delta
  // "[  501.942745 <    0.000004>] host kernel: "
  [/^\[\s*\d+\.\d+(?:\s*<\s*\d+\.\d+>)?\]\s+\S+\s+kernel:\s?/, is('[')],
  [/^kernel(?:\[\d+\])?:\s?/, is('k')], // "kernel: " alone (syslog lines cut after the host)
  // CI logs: GitHub Actions "2024-03-03T10:00:00.1234567Z ", GitLab's timestamps "... 00O ",
  // Jenkins' timestamper "[2024-03-03T10:00:00.123Z] "
  [/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z(?: \d\d[OE]\+?)?\s/, isDigit],
  [/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?\]\s?/, is('[')],
  [
    /^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local\d)\s*:\s*(?:emerg|alert|crit|err|warn|notice|info|debug)\s*:\s?/,
    isLower,
  ], // dmesg -x
  [/^<\d>/, is('<')], // printk level
  // "[  501.942745] ", Android "[309805.658294s]", dmesg --reltime "[  501.942745 <    0.000004>]",
  // vendor "[   26.328023 / 09-26 13:22:37.707]"
  [/^\[\s*\d+\.\d+s?(?:\s*<\s*\d+\.\d+>)?(?:\s*\/\s*\d\d-\d\d \d\d:\d\d:\d\d\.\d+)?\]\s?/, is('[')],
  [/^\[\s*\+\d+\.\d+\]\s?/, is('[')], // dmesg -H "[  +0.000004] "
  [/^\[[A-Z][a-z]{2} [A-Z][a-z]{2}\s+\d+ \d\d:\d\d:\d\d \d{4}\]\s?/, is('[')], // dmesg -T "[Sun Mar  3 10:00:00 2024] "
  [/^\[\s*[TC]\d+\]\s?/, is('[')], // CONFIG_PRINTK_CALLER "[  T123]" / "[    C1]"
  [/^\[pid:[^\]]*\]/, is('[')], // Android "[pid:1361,cpu5,comm]"
  // MediaTek vendor kernels: an optional state mark, "(cpu)[pid:comm]", an optional "[name:module&]"
  //   "<6>[    0.000000] -(0)[0:swapper/0]", "[ 1778.353909] <1>.(1)[1647:Binder_1][name:battery&]"
  [
    /^[-.*]?\(\d{1,4}\)\[\d{1,7}:[^\]]{0,40}\](?:\[name:[^\]]{0,60}\])?/,
    (c) => c === 40 || c === 45 || c === 46 || c === 42,
  ],
  // Samsung vendor kernels: an optional level letter, "[cpu: comm: pid]", an optional "[cN]"
  //   "<6>[    0.000000] [0:      swapper/0:    0] ", "[   31.907781]I[0:      swapper/0:    0] "
  [/^[IWEDVF]?\[\d{1,4}[: ][^\]]{0,40}:\s{0,8}\d{1,7}\]\s?/, (c) => c === 91 || isUpper(c)],
  [/^\[c\d{1,4}\]\s?/, is('[')],
];

/**
 * Terminal escapes: CSI sequences ("\x1b[32m", "\x1b[0m", "\x1b[?25h"), character set choices
 * ("\x1b(B") and two-byte ones. `dmesg
 * --color=always` colours the timestamp, a message's "subsystem:" and whole error lines; serial
 * consoles captured with `script` or minicom keep the cursor controls of whatever ran.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what this matches
const TERMINAL_ESCAPE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|[()*+][0-9A-Za-z]|[@-Z\\-_])/g;

/** `text` without terminal escapes (the same string when it has none). */
export function stripTerminalEscapes(text: string): string {
  return text.includes('\x1b') ? text.replace(TERMINAL_ESCAPE, '') : text;
}

/**
 * Strips every known prefix and the blanks around them (repeatedly, in any order); keeps the rest of
 * the line. A pattern is only tried where its first character stands: most lines cost one or two.
 */
export function stripLogPrefix(text: string): string {
  let s = stripTerminalEscapes(text);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [re, first] of PREFIXES) {
      if (s.length === 0 || !first(s.charCodeAt(0))) continue;
      const m = re.exec(s);
      if (m && m[0].length > 0) {
        s = s.slice(m[0].length);
        changed = true;
      }
    }
  }
  return s;
}

/** The first `n` lines of `text`, each without its prefixes and surrounding blanks: what sniffers look at. */
export function strippedHead(text: string, n: number, maxChars = 65536): string[] {
  const out: string[] = [];
  for (const line of text.slice(0, maxChars).split('\n', n)) out.push(stripLogPrefix(line).trim());
  return out;
}

/**
 * Splits one logged line into the kernel lines it holds: rsyslog escapes the newlines of a
 * multi-line printk (Mem-Info's summary) as "#012" and tabs as "#011".
 *
 *   Feb  9 08:09:39 host kernel: active_anon:656114 inactive_anon:679646 isolated_anon:0#012 active_file:1022595 ...
 */
export function splitSyslogEscapes(text: string): string[] {
  if (!text.includes('#01')) return [text];
  return text.replaceAll('#011', '\t').split('#012');
}
