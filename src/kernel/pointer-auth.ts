// Pointer authentication (ARMv8.3 FEAT_PAuth) as far as stacks are concerned: with
// ARM64_PTR_AUTH_KERNEL on a PAC CPU every C function signs x30 (paciasp) before it saves it in its
// frame record, so the stack holds signed return addresses; the unwinder strips the signature
// before it reports a pc, and the stack tracer's scan, which compares those stripped values with
// the raw words, no longer finds them.
//
//   63      56 55 54     48 47                    0
//   [  PAC   ][1][  PAC   ][ virtual address      ]   a signed kernel return address
//   [11111111][1][1111111][ virtual address      ]   the same address stripped
//
// @kernel ptrauth_clear_pac(), ptrauth_kernel_pac_mask() arch/arm64/include/asm/pointer_auth.h (6.1)

/** The PAC field of a kernel pointer with 48-bit VAs and no top-byte ignore: bits 63..56 and 54..48. */
export const PAC_MASK = 0xff7f_0000_0000_0000n;
const ADDRESS_BIT_55 = 1n << 55n;
const U64 = (1n << 64n) - 1n;

/**
 * x30 after paciasp: the address with a PAC in the field, keyed by the SP the function runs with.
 * Model simplification: a fixed 64-bit mix stands in for QARMA with the task's APIA key; what matters
 * is that the signed word differs from the address and the same (address, SP) signs the same.
 */
export function signReturnAddress(lr: bigint, sp: bigint): bigint {
  let h = (lr ^ (sp * 0x9e3779b97f4a7c15n)) & U64;
  h = ((h ^ (h >> 31n)) * 0xbf58476d1ce4e5b9n) & U64;
  h = ((h ^ (h >> 29n)) * 0x94d049bb133111ebn) & U64;
  h ^= h >> 32n;
  let signed = (lr & ~PAC_MASK & U64) | (h & PAC_MASK);
  if (signed === lr) signed ^= 1n << 48n;
  return signed;
}

/**
 * What the unwinder reports for a saved return address: the PAC bits set back to the
 * sign-extension of bit 55 (all ones for kernel text).
 * @kernel ptrauth_strip_insn_pac() arch/arm64/include/asm/pointer_auth.h
 */
export function stripPac(ptr: bigint): bigint {
  return (ptr & ADDRESS_BIT_55) !== 0n ? ptr | PAC_MASK : ptr & ~PAC_MASK & U64;
}
