// Branded units: an address is not a byte count, and arm64 kernel addresses do not fit a JS number.

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A virtual address (arm64 kernel VAs such as 0xffff800008000000 exceed 2^53). */
export type Addr = Brand<bigint, 'Addr'>;
/** Simulated time in ticks (1 tick = 1 ns unless a scenario says otherwise). */
export type Tick = Brand<bigint, 'Tick'>;

export const addr = (v: bigint | number): Addr => BigInt(v) as Addr;
export const tick = (v: bigint | number): Tick => BigInt(v) as Tick;

export const MASK64 = (1n << 64n) - 1n;

/** `0xffff800008000000` style, lower case, no padding (as the kernel's %lx). */
export function hex(v: bigint | number): string {
  const b = BigInt(v);
  return b < 0n ? `-0x${(-b).toString(16)}` : `0x${b.toString(16)}`;
}

/** `0xffff800008000000` padded to 16 digits (as the kernel's %016lx / %px). */
export function hex16(v: bigint): string {
  return `0x${(v & MASK64).toString(16).padStart(16, '0')}`;
}
