// Where stacks live in the virtual address space, per profile. Addresses matter where the kernel
// looks at them: THREAD_SIZE masking in the stack tracer, the VMAP bit-14 overflow test, the RFC v3+
// alignment compare, and the ranges printed by panic_bad_stack().
import type { KernelProfile } from '../model/profile.ts';

export interface StackLayout {
  taskStackLow(taskId: number): bigint;
  irqStackLow(cpu: number): bigint;
  overflowStackLow(cpu: number): bigint;
}

/** arm64 6.1 vmalloc area start with 48-bit VA (VMALLOC_START, as seen in vmallocinfo-stacks.txt). */
const ARM64_VMALLOC = 0xffff800008000000n;
/** arm64 2015 linear map, 39-bit VA (PAGE_OFFSET 0xffffffc000000000). */
const ARM64_LINEAR_2015 = 0xffffffc000000000n;
/** arm64 6.1 linear map (per-CPU overflow_stack lives in the per-CPU area there). */
const ARM64_LINEAR_6_1 = 0xffff000000000000n;
/** x86_64 vmalloc area (VMALLOC_START with 4-level paging). */
const X86_VMALLOC = 0xffffc90000000000n;

export function stackLayout(p: KernelProfile): StackLayout {
  const size = BigInt(p.THREAD_SIZE);
  const align = BigInt(p.THREAD_ALIGN);
  const irqSize = BigInt(p.irqStack?.IRQ_STACK_SIZE ?? p.THREAD_SIZE);
  if (p.arch === 'x86_64') {
    // vmalloc'ed stacks with a guard page between neighbours; IRQ stacks vmapped per CPU.
    return {
      // THREAD_ALIGN-aligned, with room for a guard page between neighbours.
      taskStackLow: (t) => X86_VMALLOC + 0x100000n + BigInt(t) * 2n * (size > align ? size : align),
      irqStackLow: (c) => X86_VMALLOC + BigInt(c) * (irqSize + 0x1000n) * 2n + 0x1000n,
      overflowStackLow: (c) => 0xfffffe0000000000n + BigInt(c) * 0x10000n + 0x1000n,
    };
  }
  if (p.VMAP_STACK) {
    // Like the real vmallocinfo: IRQ stacks first (start_kernel), 32 KB apart; task stacks after them.
    return {
      irqStackLow: (c) => ARM64_VMALLOC + BigInt(c) * align,
      taskStackLow: (t) => ARM64_VMALLOC + 0x28000n + BigInt(t) * align,
      overflowStackLow: (c) => ARM64_LINEAR_6_1 + 0x7fbd2100n + BigInt(c) * 0x10000n,
    };
  }
  // 2015: order-N pages from the buddy allocator are naturally THREAD_SIZE aligned. The RFC's IRQ
  // stacks are IRQ_STACK_SIZE aligned (v3+ needs it); v4.5's per-CPU array is only 16-byte aligned,
  // so the tracer's THREAD_SIZE masking gives nonsense there, as on the real kernel.
  const irqAligned = p.irqStack?.switchRule !== 'irq-count';
  return {
    taskStackLow: (t) => ARM64_LINEAR_2015 + 0x7a000000n + BigInt(t) * size * 4n,
    irqStackLow: (c) =>
      ARM64_LINEAR_2015 + 0x00a00000n + BigInt(c) * irqSize * 2n + (irqAligned ? 0n : 0x1a010n),
    overflowStackLow: (c) => ARM64_LINEAR_2015 + 0x00b00000n + BigInt(c) * 0x10000n,
  };
}
