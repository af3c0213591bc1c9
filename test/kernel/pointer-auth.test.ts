// Signed return addresses and what the unwinder does with them (ptrauth_clear_pac()).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { KTEXT_BASE } from '../../src/kernel/codemap.ts';
import { PAC_MASK, signReturnAddress, stripPac } from '../../src/kernel/pointer-auth.ts';

const kernelAddr = fc.integer({ min: 0, max: 1 << 24 }).map((n) => KTEXT_BASE + BigInt(n) * 4n);
const sp = fc.bigInt({ min: 0xffff800008000000n, max: 0xffff80000fffffffn }).map((v) => v & ~15n);

test('a signed kernel return address differs from the address and strips back to it', () => {
  fc.assert(
    fc.property(kernelAddr, sp, (lr, s) => {
      const signed = signReturnAddress(lr, s);
      assert.notEqual(signed, lr);
      // Only the PAC field changes: bits 63..56 and 54..48 (48-bit VA, no TBI); bit 55 selects TTBR1.
      assert.equal(signed & ~PAC_MASK, lr & ~PAC_MASK);
      assert.equal(stripPac(signed), lr);
      assert.equal(signReturnAddress(lr, s), signed, 'the same address and SP sign the same');
    }),
    { numRuns: 300, seed: 8 },
  );
});

test('stripping is the identity on unsigned kernel addresses and clears the field of user ones', () => {
  assert.equal(stripPac(KTEXT_BASE), KTEXT_BASE);
  assert.equal(PAC_MASK, 0xff7f000000000000n);
  assert.equal(stripPac(0x0012_aaaa_d000_0000n), 0x0000_aaaa_d000_0000n);
});
