// Log prefixes real copies of kernel text carry: each is stripped alone, and every real sample
// wrapped in it parses exactly as the bare sample does (same sniff answer, same values, same lines).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseBuddyinfo, sniffBuddyinfo } from '../../src/formats/buddyinfo.ts';
import { parseCheckstack, sniffCheckstack } from '../../src/formats/checkstack.ts';
import { parseFtraceStackTrace, sniffFtraceStackTrace } from '../../src/formats/ftrace-stack-trace.ts';
import { stripLogPrefix } from '../../src/formats/log-prefix.ts';
import { parseMeminfo, sniffMeminfo } from '../../src/formats/meminfo.ts';
import { parseOverflowReport, sniffOverflowReport } from '../../src/formats/overflow-report.ts';
import { parsePageAllocFailure, sniffPageAllocFailure } from '../../src/formats/page-alloc-failure.ts';
import { parsePagetypeinfo, sniffPagetypeinfo } from '../../src/formats/pagetypeinfo.ts';
import { parseStackUsage, sniffStackUsage } from '../../src/formats/stack-usage.ts';
import { parseVmstat, sniffVmstat } from '../../src/formats/vmstat.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures');

// Each prefix as the tool that writes it prints it (see log-prefix.ts for the sources).
const WRAPPERS: Record<string, (l: string) => string> = {
  syslog: (l) => `Mar  3 10:00:00 host-1.example.com kernel: ${l}`,
  'busybox syslogd': (l) => `Mar  3 10:00:00 router kern.warn kernel: ${l}`,
  'journalctl -o short-precise': (l) => `Mar 03 10:00:00.123456 host kernel: ${l}`,
  'journalctl -o short-iso': (l) => `2024-03-03T10:00:00+0100 host kernel: ${l}`,
  'RFC 5424 rsyslog': (l) => `2024-03-03T10:00:00.123456+01:00 host kernel: ${l}`,
  'dmesg -T': (l) => `[Sun Mar  3 10:00:00 2024] ${l}`,
  'dmesg -x': (l) => `kern  :warn  : [  123.456789] ${l}`,
  'dmesg --reltime': (l) => `[  123.456789 <    0.000004>] ${l}`,
  'dmesg -H': (l) => `[  +0.000004] ${l}`,
  'PRINTK_CALLER task': (l) => `[  123.456789][  T123] ${l}`,
  'PRINTK_CALLER cpu': (l) => `[  123.456789] [    C1] ${l}`,
  'printk level': (l) => `<4>[  123.456789] ${l}`,
  'mail quote': (l) => `> ${l}`,
  'nested mail quote': (l) => `> > ${l}`,
  'tight mail quote': (l) => `>${l}`,
  tab: (l) => `\t${l}`,
  'trailing blanks and CRLF': (l) => `${l}  \r`,
  'journalctl -o short-full': (l) => `Tue 2024-03-03 10:00:00 CET host kernel: ${l}`,
  'journalctl -o short-unix': (l) => `1709456400.123456 host kernel: ${l}`,
  'journalctl -o short-monotonic': (l) => `[  123.456789] host kernel: ${l}`,
  'journalctl -o short-delta': (l) => `[  123.456789 <    0.000004>] host kernel: ${l}`,
  'OpenWrt logread': (l) => `Sun Mar  3 10:00:00 2024 kern.warn kernel: [  123.456789] ${l}`,
  'syslog cut after the host': (l) => `kernel: ${l}`,
  // util-linux dmesg: the timestamp green, a leading "subsystem:" brown, an error line bold red
  'dmesg --color=always': (l) =>
    `\x1b[32m[  123.456789] \x1b[0m${l.replace(/^(\w[\w-]*):/, '\x1b[33m$1\x1b[0m:')}`,
  'GitHub Actions': (l) => `2024-03-03T10:00:00.1234567Z ${l}`,
  'GitLab CI timestamps': (l) => `2024-03-03T10:00:00.123456Z 01O ${l}`,
  'Jenkins timestamper': (l) => `[2024-03-03T10:00:00.123Z] ${l}`,
  'MediaTek printk': (l) => `<4>[  641.908685] (0)[64:bat_thread_kthr]${l}`,
  'MediaTek, state mark and module': (l) => `[ 1778.353909] <1>.(1)[1647:Binder_1][name:battery_common&]${l}`,
  'Samsung printk': (l) => `<6>[    0.000000] [0:      swapper/0:    0] ${l}`,
  'Samsung, level letter and cpu tag': (l) => `[   31.907781]I[1:  kworker/1:2:   77] [c1] ${l}`,
  'coloured error line': (l) => `\x1b[32m[  123.456789] \x1b[0m\x1b[1;31m${l}\x1b[0m`,
};

interface Format {
  sniff(text: string): boolean;
  parse(text: string, file: string): { value: unknown; diagnostics: readonly { code: string }[] };
}

const SAMPLES: [string, Format][] = [
  ['published/chk-003.txt', { sniff: sniffCheckstack, parse: parseCheckstack }],
  ['published/paf-001.txt', { sniff: sniffPageAllocFailure, parse: parsePageAllocFailure }],
  ['published/paf-004.txt', { sniff: sniffPageAllocFailure, parse: parsePageAllocFailure }],
  ['published/st-x86_64-009.txt', { sniff: sniffFtraceStackTrace, parse: parseFtraceStackTrace }],
  ['published/st-arm-003.txt', { sniff: sniffFtraceStackTrace, parse: parseFtraceStackTrace }],
  ['published/ovf-arm64-001.txt', { sniff: sniffOverflowReport, parse: parseOverflowReport }],
  ['published/ovf-x86_64-005.txt', { sniff: sniffOverflowReport, parse: parseOverflowReport }],
  ['published/ovf-riscv64-002.txt', { sniff: sniffOverflowReport, parse: parseOverflowReport }],
  ['published/ovf-x86_64-003.txt', { sniff: sniffStackUsage, parse: parseStackUsage }],
  ['arm64-6.1-qemu/udp-512M/buddyinfo-after.txt', { sniff: sniffBuddyinfo, parse: parseBuddyinfo }],
  ['arm64-6.1-qemu/udp-512M/pagetypeinfo-after.txt', { sniff: sniffPagetypeinfo, parse: parsePagetypeinfo }],
  ['arm64-6.1-qemu/udp-512M/vmstat-after.txt', { sniff: sniffVmstat, parse: parseVmstat }],
  ['arm64-6.1-qemu/udp-512M/meminfo-after.txt', { sniff: sniffMeminfo, parse: parseMeminfo }],
];

/** The sample without the "# " provenance lines (which are not kernel output). */
const bare = (f: string) =>
  readFileSync(join(FIX, f), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('# '))
    .join('\n');

describe('stripLogPrefix', () => {
  const cases: [string, string][] = [
    ['[  501.942745] DMA free:14896kB', 'DMA free:14896kB'],
    ['07-13 08:41:51.347 <4>[309805.658294s][pid:1361,cpu5,x]DMA free:1kB', 'DMA free:1kB'],
    ['Apr 01 16:27:01 sm21-r22.pun.seagate.com kernel: swapper/21: page', 'swapper/21: page'],
    ['    [    9.230891] Task stack:     [0x1..0x2]', 'Task stack:     [0x1..0x2]'],
    ['> [    9.230891][  T747] Call trace:', 'Call trace:'],
    ['[   26.328023 / 09-26 13:22:37.707] Insufficient', 'Insufficient'],
    ['kern  :warn  : [  1.0] Mem-Info:', 'Mem-Info:'],
    ['\x1b[32m[    1.000000] \x1b[0m\x1b[33mMem-Info\x1b[0m:', 'Mem-Info:'],
    ['\x1b[?25h\x1b(B\x1b[m[    1.0] Call trace:', 'Call trace:'],
    ['[  501.942745] vm-1 kernel: Call trace:', 'Call trace:'],
    ['<6>[    0.000000] -(0)[0:swapper/0]Booting Linux', 'Booting Linux'],
    ['[64468.800000] <0> (0)[0:swapper/0]Internal error: : 1d [#1]', 'Internal error: : 1d [#1]'],
    ['<4>[ 2142.883666]  [1:      swapper/1:    0] [c1] task: ea06aec0', 'task: ea06aec0'],
    ['[16.370863][0: kworker/0:1: 30] USB RESET', 'USB RESET'],
    ['Sun Mar  3 10:00:00 2024 kern.warn kernel: [  1.5] Call trace:', 'Call trace:'],
    // journalctl without a host name (mountpoint-s3#1206)
    [
      'Dec 23 21:21:28 kernel: mount-s3 invoked oom-killer: gfp_mask=0x1100cca',
      'mount-s3 invoked oom-killer: gfp_mask=0x1100cca',
    ],
    // Not prefixes: the oops per-task table header and an address in a call trace stay.
    ['[ pid ]   uid  tgid total_vm', '[ pid ]   uid  tgid total_vm'],
    ['[<ffffffc00008a0a4>] dump_backtrace+0x0/0x150', '[<ffffffc00008a0a4>] dump_backtrace+0x0/0x150'],
  ];
  for (const [input, want] of cases)
    test(JSON.stringify(input), () => assert.equal(stripLogPrefix(input), want));
});

describe('real samples under every prefix parse as the bare sample', () => {
  for (const [file, fmt] of SAMPLES) {
    const text = bare(file);
    const clean = fmt.parse(text, 'x');
    test(`${file}: bare sample parses`, () => assert.notEqual(clean.value, undefined));
    for (const [name, wrap] of Object.entries(WRAPPERS)) {
      test(`${file} under ${name}`, () => {
        const wrapped = text
          .split('\n')
          .map((l) => wrap(l))
          .join('\n');
        assert.equal(fmt.sniff(wrapped), true, 'sniff');
        const p = fmt.parse(wrapped, 'x');
        assert.deepEqual(p.value, clean.value);
        assert.deepEqual(
          p.diagnostics.map((d) => d.code),
          clean.diagnostics.map((d) => d.code),
        );
      });
    }
  }
});

test('DEBUG_STACK_USAGE lines and kstack buckets under syslog prefixes', () => {
  const text =
    'Mar  3 10:00:00 host kernel: [    1.5] busybox used greatest stack depth: 9512 bytes left\n' +
    '> kstack_1k 0\n> kstack_2k 39\n';
  assert.equal(sniffStackUsage('> kstack_1k 0\n> kstack_2k 39\n'), true);
  const p = parseStackUsage(text).value!;
  assert.deepEqual(p.lowWater, [{ comm: 'busybox', bytesLeft: 9512, line: 1 }]);
  assert.deepEqual(
    p.histogram.map((h) => h.tasks),
    [0, 39],
  );
});
