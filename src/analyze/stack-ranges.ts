// Where a design puts the stacks of task 0 and CPU 0, as JSON-safe data (addresses as hex): what a
// replay's report data carries and the stack-layout view (report/stack-layout.ts) draws.
import { hex16 } from '../base/units.ts';
import { stackLayout } from '../kernel/layout.ts';
import type { KernelProfile } from '../model/profile.ts';

/** One stack's address range and what lies at its edges (JSON-safe: addresses as hex). */
export interface StackRangeData {
  readonly kind: 'task' | 'irq' | 'overflow';
  readonly name: string;
  readonly low: string;
  readonly high: string;
  readonly size: number;
  /** Unused bytes above the first frame (THREAD_START_SP / IRQ_STACK_START_SP gap). */
  readonly startGap: number;
  /** Bytes at the bottom frames must not reach (thread_info + STACK_END_MAGIC), and what they are. */
  readonly reserved: number;
  readonly reservedWhat: string;
  /** What lies right below `low`: an unmapped guard (VMAP_STACK) or another object's memory. */
  readonly below: { readonly guardBytes: number; readonly what: string };
}

const PAGE = 4096;

/** The stacks a profile gives task 0 and CPU 0, where the stack machine puts them (src/kernel/layout.ts). */
export function stackRanges(p: KernelProfile): StackRangeData[] {
  const l = stackLayout(p);
  const guard = p.VMAP_STACK
    ? {
        guardBytes: PAGE,
        what:
          p.arch === 'arm64'
            ? 'unmapped: vmalloc guard; SP here has bit THREAD_SHIFT set and entry switches to the overflow stack'
            : 'unmapped: vmalloc guard page; a push here faults and #DF reports the overflow',
      }
    : { guardBytes: 0, what: 'no guard: the neighbouring pages, overwritten silently' };
  const range = (
    kind: StackRangeData['kind'],
    name: string,
    low: bigint,
    size: number,
    startGap: number,
    reserved: number,
    reservedWhat: string,
    below: StackRangeData['below'],
  ): StackRangeData => ({
    kind,
    name,
    low: hex16(low),
    high: hex16(low + BigInt(size)),
    size,
    startGap,
    reserved,
    reservedWhat,
    below,
  });
  const ti = p.threadInfo === 'stack-bottom' ? p.THREAD_INFO_SIZE : 0;
  const out = [
    range(
      'task',
      'task_stack[task0]',
      l.taskStackLow(0),
      p.THREAD_SIZE,
      p.THREAD_START_SP_GAP,
      ti + 8,
      ti > 0 ? `thread_info (${ti} B) + STACK_END_MAGIC` : 'STACK_END_MAGIC',
      guard,
    ),
  ];
  if (p.irqStack)
    out.push(
      range(
        'irq',
        'irq_stack[cpu0]',
        l.irqStackLow(0),
        p.irqStack.IRQ_STACK_SIZE,
        p.irqStack.IRQ_STACK_START_GAP,
        0,
        '',
        p.VMAP_STACK
          ? guard
          : { guardBytes: 0, what: 'no guard: the per-CPU data below, overwritten silently' },
      ),
    );
  if (p.OVERFLOW_STACK_SIZE > 0)
    out.push(
      range('overflow', 'overflow_stack[cpu0]', l.overflowStackLow(0), p.OVERFLOW_STACK_SIZE, 0, 0, '', {
        guardBytes: 0,
        what: 'per-CPU data: the overflow stack is the last resort, panic follows',
      }),
    );
  return out;
}
