// One test per IRQ-stack switch rule and linkage: where pt_regs, the handler and softirqs land.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CodeMap } from '../../src/kernel/codemap.ts';
import { enterFromUser, enterSoftirq, exitEntry, takeIrq } from '../../src/kernel/entry.ts';
import { type Cpu, StackMachine } from '../../src/kernel/machine.ts';
import { unwindAllStacks, unwindKernel } from '../../src/kernel/unwind.ts';
import type { KernelProfile } from '../../src/model/profile.ts';
import { resolveProfile } from '../../src/model/profiles.ts';

function profile(id: string, sets: string[] = []): KernelProfile {
  const r = resolveProfile(id, sets);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

function boot(p: KernelProfile): { m: StackMachine; cpu: Cpu; codes: CodeMap } {
  const m = new StackMachine(p, { cpus: 1, tasks: 1 });
  const cpu = m.cpus[0]!;
  const codes = new CodeMap();
  assert.ok(enterFromUser(m, cpu, 'syscall', codes));
  assert.ok(m.call(cpu, 'sys_work', 128, codes.addr('entry+0x4')));
  return { m, cpu, codes };
}

const irq = (b: ReturnType<typeof boot>) =>
  takeIrq(b.m, b.cpu, b.codes, { elr: b.codes.addr('sys_work+0x10'), lr: b.codes.addr('entry+0x4') });

describe('IRQ-stack switch rules', () => {
  test('none (linux-4.2): pt_regs and handler stay on the task stack', () => {
    const b = boot(profile('linux-4.2'));
    assert.ok(irq(b));
    assert.equal(b.cpu.stack.kind, 'task');
    assert.ok(b.m.call(b.cpu, 'gic_handle_irq', 48, b.codes.addr('el1_irq+0x64')));
    assert.equal(b.cpu.frames.at(-1)!.stack.kind, 'task');
  });

  for (const [id, sets] of [
    ['rfc-2015', []],
    ['rfc-2015', ['irqStack.switchRule=sp-aligned-compare']],
    ['linux-4.5', []],
    ['linux-4.5', ['irqStack.switchRule=sp-in-task-stack', 'irqStack.linkage=dummy-frame-16']],
    ['linux-6.1', []],
  ] as const) {
    const name = `${id}${sets.length ? ` (${sets.join(', ')})` : ''}`;
    test(`${name}: a task-stack IRQ switches; a nested IRQ inside an irq_exit softirq stays`, () => {
      const p = profile(id, [...sets]);
      const b = boot(p);
      const sp0 = b.cpu.sp;
      assert.ok(irq(b));
      assert.equal(b.cpu.stack.kind, 'irq', 'handler runs on the IRQ stack');
      // irq_exit softirqs: on the IRQ stack in every IRQ-stack design (6.1 via call_on_irq_stack).
      if (p.softirq.irqExitRunsIn === 'entry') {
        // v5.16+: irq_exit_rcu runs on the task stack after the handler returned.
        exitEntry(b.m, b.cpu);
        assert.equal(b.cpu.sp, sp0);
        assert.ok(irq(b));
      }
      assert.ok(enterSoftirq(b.m, b.cpu, 'irq-exit', b.codes));
      assert.equal(b.cpu.stack.kind, 'irq', 'irq_exit softirq on the IRQ stack');
      const switchesBefore = b.cpu.switches.length;
      assert.ok(irq(b));
      assert.equal(b.cpu.stack.kind, 'irq', 'nested IRQ stays on the IRQ stack');
      assert.equal(b.cpu.switches.length, switchesBefore, 'no second switch');
      exitEntry(b.m, b.cpu);
      exitEntry(b.m, b.cpu);
      exitEntry(b.m, b.cpu);
      assert.equal(b.cpu.sp, sp0, 'SP back where the first IRQ found it');
      assert.equal(b.cpu.stack.kind, 'task');
    });
  }

  test('rfc-2015: a bh-enable softirq stays on the task stack and an IRQ inside it switches', () => {
    const b = boot(profile('rfc-2015'));
    assert.ok(enterSoftirq(b.m, b.cpu, 'bh-enable', b.codes));
    assert.equal(b.cpu.stack.kind, 'task');
    assert.ok(irq(b));
    assert.equal(b.cpu.stack.kind, 'irq');
    assert.equal(b.cpu.irqCountX86, 0, 'per-CPU count went from -1 to 0: first level');
  });

  test('linux-4.5: irq_count is bumped only by a softirq on the IRQ stack', () => {
    const b = boot(profile('linux-4.5'));
    assert.ok(enterSoftirq(b.m, b.cpu, 'bh-enable', b.codes));
    assert.equal(b.cpu.irqCount, 0, 'not bumped on the task stack');
    assert.ok(irq(b));
    assert.equal(b.cpu.stack.kind, 'irq');
    assert.ok(enterSoftirq(b.m, b.cpu, 'irq-exit', b.codes));
    assert.equal(b.cpu.irqCount, 1, 'bumped on the IRQ stack');
  });

  test('linux-6.1: entry frames and the call_on_irq_stack record on the task stack, softirqs on the IRQ stack', () => {
    const b = boot(profile('linux-6.1'));
    assert.ok(irq(b));
    const names = b.cpu.frames.map((f) => `${f.stack.kind}:${f.name}`);
    assert.deepEqual(names.slice(-7), [
      'task:sys_work',
      'task:pt_regs(el1h_64_irq)',
      'task:el1h_64_irq_handler',
      'task:el1_interrupt',
      'task:do_interrupt_handler',
      'task:call_on_irq_stack',
      'irq:call_on_irq_stack (sp = irq top)',
    ]);
    assert.equal(b.cpu.sp, b.cpu.irqStack!.high, 'SP = irq_stack_ptr + IRQ_STACK_SIZE, no gap');
    exitEntry(b.m, b.cpu);
    assert.ok(enterSoftirq(b.m, b.cpu, 'bh-enable', b.codes));
    assert.equal(b.cpu.stack.kind, 'irq', 'local_bh_enable softirqs run on the IRQ stack in 6.1');
  });

  test('x86_64-6.1: no switch from user mode, a switch from kernel mode, old RSP in the top word', () => {
    const p = profile('x86_64-6.1');
    const m = new StackMachine(p);
    const cpu = m.cpus[0]!;
    const codes = new CodeMap();
    assert.ok(enterFromUser(m, cpu, 'irq', codes));
    assert.equal(cpu.stack.kind, 'task', 'an IRQ from user mode runs on the (empty) task stack');
    const b = boot(p);
    const sp = b.cpu.sp;
    assert.ok(irq(b));
    assert.equal(b.cpu.stack.kind, 'irq');
    assert.equal(b.cpu.hardirqStackInuse, true);
    const top = b.cpu.irqStack!.high;
    const regsSp = sp - 168n - 24n; // pt_regs and sysvec_apic_timer_interrupt's frame
    assert.equal(b.cpu.irqStack!.read(top - 8n), regsSp);
  });

  test('v4.5 dummy frame: {x29, ELR} at the top, the task SP below; the unwinder crosses back', () => {
    const b = boot(profile('linux-4.5'));
    const fp = b.cpu.fp;
    assert.ok(irq(b));
    assert.ok(b.m.call(b.cpu, 'gic_handle_irq', 48, b.codes.addr('el1_irq+0x64')));
    const start = b.m.startSp(b.cpu.irqStack!);
    assert.equal(b.cpu.irqStack!.read(start - 16n), fp, 'interrupted x29');
    assert.equal(b.cpu.irqStack!.read(start - 8n), b.codes.addr('sys_work+0x10'), 'ELR');
    const u = unwindKernel(b.m, b.cpu, b.cpu.fp, b.cpu.sp);
    const pcs = u.steps.map((s) => b.codes.symbolize(s.pc));
    assert.deepEqual(pcs.slice(0, 3), ['el1_irq+0x64', 'sys_work+0x10', 'entry+0x4']);
  });

  test('2015 unwinder stops at the IRQ stack; stacklab crosses it through x19-only linkage', () => {
    const b = boot(profile('rfc-2015'));
    assert.ok(irq(b));
    assert.ok(b.m.call(b.cpu, 'gic_handle_irq', 48, b.codes.addr('el1_irq+0x64')));
    const kernel = unwindKernel(b.m, b.cpu, b.cpu.fp, b.cpu.sp);
    assert.equal(kernel.steps.length, 1, 'only the handler frame');
    assert.equal(kernel.end, 'out-of-range');
    const ours = unwindAllStacks(b.m, b.cpu, b.cpu.fp);
    const pcs = ours.steps.map((s) => b.codes.symbolize(s.pc) ?? '?');
    assert.deepEqual(pcs.slice(0, 3), ['el1_irq+0x64', 'sys_work+0x10', 'entry+0x4']);
    assert.equal(ours.steps[1]!.fromRegs, true, 'the interrupted PC comes from pt_regs');
  });

  test('6.1 unwinder ends at the final frame record in the EL0 pt_regs', () => {
    const b = boot(profile('linux-6.1'));
    assert.ok(irq(b));
    assert.ok(b.m.call(b.cpu, 'gic_handle_irq', 48, b.codes.addr('call_on_irq_stack')));
    const u = unwindKernel(b.m, b.cpu, b.cpu.fp, b.cpu.sp);
    assert.equal(u.end, 'final');
    const pcs = u.steps.map((s) => b.codes.symbolize(s.pc) ?? '?');
    assert.equal(pcs[0], 'call_on_irq_stack');
    assert.ok(pcs.includes('sys_work+0x10'), 'ELR from pt_regs->stackframe');
  });
});

describe('IRQs from user mode', () => {
  for (const [id, switches] of [
    ['linux-4.2', false],
    ['rfc-2015', true],
    ['linux-4.5', true],
    ['linux-6.1', true],
    ['x86_64-6.1', false],
  ] as const) {
    test(`${id}: an EL0 IRQ ${switches ? 'switches to' : 'stays on'} ${switches ? 'the IRQ stack' : 'the task stack'}`, () => {
      const p = profile(id);
      const m = new StackMachine(p);
      const cpu = m.cpus[0]!;
      const codes = new CodeMap();
      assert.ok(enterFromUser(m, cpu, 'irq', codes));
      assert.equal(cpu.stack.kind, switches ? 'irq' : 'task');
      assert.equal(cpu.hardirqDepth, 1);
      exitEntry(m, cpu);
      assert.equal(cpu.stack.kind, 'task');
    });
  }
});
