// Prefixes that real copies of kernel text carry before each line, shared by the /proc and dmesg
// format readers: dmesg timestamps, printk levels, Android logcat-style kernel logs, syslog.
//
//   [  501.942745] DMA free:14896kB min:28kB ...
//   07-13 08:41:51.347 <4>[309805.658294s][pid:1361,cpu5,sManagerService]DMA free:470628kB ...
//   Jul 13 08:41:51 phone kernel: [  501.94] Normal: 959*4kB (ME) ...

const PREFIXES: readonly RegExp[] = [
  /^\d\d-\d\d \d\d:\d\d:\d\d\.\d+\s+/, // Android "MM-DD hh:mm:ss.mmm "
  /^[A-Z][a-z]{2}\s+\d+\s\d\d:\d\d:\d\d\s\S+\s+kernel:\s?/, // syslog
  /^<\d>/, // printk level
  /^\[\s*\d+\.\d+s?\]\s?/, // "[  501.942745] " or Android "[309805.658294s]"
  /^\[pid:[^\]]*\]/, // Android "[pid:1361,cpu5,comm]"
];

/** Strips every known prefix (repeatedly, in any order); keeps the rest of the line untouched. */
export function stripLogPrefix(text: string): string {
  let s = text;
  for (let changed = true; changed; ) {
    changed = false;
    for (const re of PREFIXES) {
      const m = re.exec(s);
      if (m && m[0].length > 0) {
        s = s.slice(m[0].length);
        changed = true;
      }
    }
  }
  return s;
}
