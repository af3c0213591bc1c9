import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyOverrides, validateProfile } from '../../src/model/profile.ts';
import {
  BUILTIN_PROFILES,
  checkBuiltins,
  ERA_PROFILES,
  LINUX_6_1,
  PROFILES,
  resolveProfile,
} from '../../src/model/profiles.ts';

describe('kernel profiles', () => {
  test('every built-in profile validates', () => {
    assert.deepEqual(checkBuiltins(), []);
    assert.deepEqual(
      PROFILES.map((p) => p.id),
      ['linux-4.2', 'rfc-2015', 'linux-4.5', 'linux-6.1', 'x86_64-6.1'],
    );
  });

  test('the numbers the issue names', () => {
    const by = (id: string) => PROFILES.find((p) => p.id === id)!;
    assert.equal(by('linux-4.2').PT_REGS_SIZE, 288);
    assert.equal(by('linux-6.1').PT_REGS_SIZE, 336);
    assert.equal(by('rfc-2015').THREAD_SIZE, 8192);
    assert.equal(by('linux-6.1').OVERFLOW_STACK_SIZE, 4096);
    assert.equal(by('linux-4.5').irqStack?.linkage, 'dummy-frame-32');
    assert.equal(by('linux-6.1').irqStack?.linkage, 'call-on-irq-stack-record');
    assert.equal(by('linux-6.1').tracer.shift, true);
    assert.equal(by('linux-4.2').unwinder.pcIsLrMinus4, true);
  });

  test('the eras of issue 10: sourced, and their numbers', () => {
    assert.deepEqual(
      ERA_PROFILES.map((p) => p.id),
      ['linux-4.19', 'linux-5.10', 'linux-6.1-rt', 'linux-6.12', 'x86_64-3.x'],
    );
    for (const p of BUILTIN_PROFILES) assert.ok(p.sources.length >= 2, `${p.id} cites its sources`);
    const by = (id: string) => BUILTIN_PROFILES.find((p) => p.id === id)!;
    assert.equal(by('linux-4.19').PT_REGS_SIZE, 320); // orig_addr_limit, unused, stackframe[2]
    assert.equal(by('linux-5.10').PT_REGS_SIZE, 336);
    assert.equal(by('linux-6.1-rt').PREEMPT_RT, true);
    assert.equal(by('linux-6.1-rt').softirq.ownStack, 'current');
    assert.equal(by('linux-6.12').tracer.trampoline.size, 144);
    assert.equal(by('linux-6.12').kstackHistogram, true);
    assert.equal(by('x86_64-3.x').THREAD_SIZE, 8192);
    assert.equal(by('x86_64-3.x').tracer.ipEntry, 'none');
    assert.equal(by('x86_64-3.x').entry.syscall.regsBytes, 120);
  });

  test('optional fields added later can be set, and PREEMPT_RT excludes softirqs on their own stack', () => {
    const pac = applyOverrides(LINUX_6_1, ['ARM64_PTR_AUTH_KERNEL=true']);
    assert.ok(pac.ok, pac.ok ? '' : pac.error.message);
    assert.equal(pac.value.ARM64_PTR_AUTH_KERNEL, true);
    const rt = applyOverrides(LINUX_6_1, ['PREEMPT_RT=true']);
    assert.ok(!rt.ok);
    assert.match(rt.error.message, /SOFTIRQ_ON_OWN_STACK/);
    const bad = applyOverrides(LINUX_6_1, ['tracer.ipEntry=sometimes']);
    assert.ok(!bad.ok);
    assert.match(bad.error.message, /expected one of first, none/);
    assert.ok(!applyOverrides(LINUX_6_1, ['tracer.ipEntri=none']).ok);
  });

  test('overrides: nested fields, JSON values, validation with accepted values', () => {
    const ok = applyOverrides(LINUX_6_1, [
      'THREAD_SIZE=32768',
      'THREAD_ALIGN=65536',
      'irqStack.switchRule=sp-in-task-stack',
    ]);
    assert.ok(ok.ok);
    assert.equal(ok.value.THREAD_SIZE, 32768);
    assert.equal(ok.value.irqStack?.switchRule, 'sp-in-task-stack');
    const badEnum = applyOverrides(LINUX_6_1, ['irqStack.switchRule=maybe']);
    assert.ok(!badEnum.ok);
    assert.match(badEnum.error.message, /irqStack\.switchRule: expected one of none, per-cpu-count/);
    const unknown = applyOverrides(LINUX_6_1, ['THREAD_SIZ=1']);
    assert.ok(!unknown.ok);
    assert.equal(unknown.error.code, 'profile/unknown-field');
    assert.match(unknown.error.expected ?? '', /THREAD_SIZE/);
    const notPow2 = applyOverrides(LINUX_6_1, ['THREAD_SIZE=10000']);
    assert.ok(!notPow2.ok);
    assert.match(notPow2.error.message, /power of two/);
    const noEq = applyOverrides(LINUX_6_1, ['THREAD_SIZE']);
    assert.ok(!noEq.ok);
    assert.equal(noEq.error.code, 'profile/bad-override');
    const inconsistent = applyOverrides(LINUX_6_1, ['THREAD_SIZE=32768']);
    assert.ok(!inconsistent.ok, 'VMAP needs THREAD_ALIGN >= 2 * THREAD_SIZE');
    assert.equal(inconsistent.error.code, 'profile/inconsistent');
  });

  test('unknown profile ids list the known ones', () => {
    const r = resolveProfile('linux-9.9');
    assert.ok(!r.ok);
    assert.match(r.error.expected ?? '', /linux-4\.2, rfc-2015, linux-4\.5, linux-6\.1, x86_64-6\.1/);
  });

  test('validateProfile rejects garbage', () => {
    assert.ok(!validateProfile({ id: 'x' }, 'file.json').ok);
  });
});
