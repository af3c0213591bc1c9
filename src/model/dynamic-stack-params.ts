// Dynamic kernel stacks (issue 13): the parameters of the design, declared once, each with its
// default, unit and source. "DS" is shared/reference/dynamic-stacks.md.
//
//   fork          one page mapped (the top of the stack, where the first frames go)
//   first touch   of an unmapped page below it: a fault on the stack takes a page from this CPU's
//                 pool and maps it (no allocation in the fault: the fault may not sleep)
//   later         the pool is refilled with order-0 allocations; a fault that finds the pool empty
//                 has nowhere to get a page from: the kernel panics (Mateusz Guzik's objection, DS)
//
//   THREAD_SIZE 16 KiB, 4 KiB pages (a vmalloc area with a guard page below it, never backed):
//     guard | page 3 | page 2 | page 1 | page 0 (mapped at fork)
//     ^ unmapped, costs nothing       ^ faulted in as the stack grows down
//
// Declared in model/ so that both experiments read one list: the page allocator experiment
// (src/device/dynamic-stacks.ts) and the stack machine and simulator (src/kernel/dynamic-pages.ts).
import { PAGE_SIZE } from './constants.ts';

export interface DynamicStackParams {
  /** Pages of the stack mapped at fork. */
  readonly pagesAtFork: number;
  /** Pages of THREAD_SIZE (16 KiB / 4 KiB): the most a stack can map. */
  readonly threadPages: number;
  /** Pages in each CPU's pool of pre-allocated stack pages. */
  readonly poolPages: number;
  /** Delay between the fault that took a pool page and the refill of that CPU's pool, µs. */
  readonly refillDelayUs: number;
  /** Where the refill runs: 'atomic' (cannot sleep: no reclaim, GFP_ATOMIC) or 'kernel' (GFP_KERNEL). */
  readonly refillGfp: 'atomic' | 'kernel';
  /** After a refill allocation failed, the next attempt on that CPU, µs later. */
  readonly refillRetryUs: number;
  /** Unmap the faulted pages again on return to user (back to the pool, or freed when it is full). */
  readonly unmapOnReturnToUser: boolean;
  /** Cost of one stack fault (exception entry on a spare stack, take a pool page, set the PTE), µs. */
  readonly faultUs: number;
  /** Cost of unmapping one page on return to user (PTE clear, local TLB flush), µs. */
  readonly unmapUs: number;
}

/** One parameter's declaration: default, unit, description and source. */
export interface ParamDecl<K extends keyof DynamicStackParams> {
  readonly name: K;
  readonly default: DynamicStackParams[K];
  readonly unit: string;
  readonly description: string;
  readonly source: string;
}

type Decls = { readonly [K in keyof DynamicStackParams]: ParamDecl<K> };

export const DYNAMIC_STACK_PARAMS: Decls = {
  pagesAtFork: {
    name: 'pagesAtFork',
    default: 1,
    unit: 'pages',
    description: 'pages mapped when the stack is allocated at fork',
    source: 'RFC 00/14 "Dynamic Kernel Stacks", Tatashin 2024-03-11: "one page pre-allocated" (DS)',
  },
  threadPages: {
    name: 'threadPages',
    default: 4,
    unit: 'pages',
    description: 'THREAD_SIZE in pages, the most a stack grows to',
    source: 'arm64 THREAD_SIZE 16 KiB (MIN_THREAD_SHIFT 14, memory.h; DS), 4 KiB pages',
  },
  poolPages: {
    name: 'poolPages',
    default: 3,
    unit: 'pages per CPU',
    description: 'pre-allocated pages each CPU keeps for stack faults',
    source: 'RFC 00/14: "three mapped on fault from a per-CPU pool of 3 pages" (DS)',
  },
  refillDelayUs: {
    name: 'refillDelayUs',
    default: 0,
    unit: 'µs',
    description: 'from the fault to the refill of the pool (0: at the next scheduling point)',
    source: 'RFC 00/14: the pool is "refilled later" (DS); model: the next event of the workload',
  },
  refillGfp: {
    name: 'refillGfp',
    default: 'atomic',
    unit: 'GFP flags',
    description: "the refill's allocation context: atomic (cannot sleep) or kernel (may reclaim)",
    source:
      "model assumption: the refill runs where the task cannot sleep (the arm64 port refills its page stash in an irq_work, Walleij's 'fork: fallback to global store of stack pages')",
  },
  refillRetryUs: {
    name: 'refillRetryUs',
    default: 1000,
    unit: 'µs',
    description: 'after a failed refill allocation, the next attempt on that CPU',
    source: 'model parameter (one scheduler tick at HZ=1000); not from the RFC',
  },
  unmapOnReturnToUser: {
    name: 'unmapOnReturnToUser',
    default: false,
    unit: 'boolean',
    description: 'give faulted pages back on return to user (each deep call faults again)',
    source:
      'RFC 00/14 keeps faulted pages until exit; unmapping costs TLB flushes and IPIs (David Laight, DS)',
  },
  faultUs: {
    name: 'faultUs',
    default: 1,
    unit: 'µs',
    description: 'cost of one stack fault',
    source: 'model parameter, not a measurement (an exception round trip plus a PTE write, as costs.ts)',
  },
  unmapUs: {
    name: 'unmapUs',
    default: 0.5,
    unit: 'µs',
    description: 'cost of unmapping one stack page on return to user',
    source: 'model parameter, not a measurement (a PTE clear and a local TLB flush)',
  },
};

export const DEFAULT_DYNAMIC_STACK: DynamicStackParams = Object.fromEntries(
  Object.values(DYNAMIC_STACK_PARAMS).map((d) => [d.name, d.default]),
) as unknown as DynamicStackParams;

/** Why a parameter set cannot be used, or undefined. */
export function checkDynamicStackParams(p: DynamicStackParams): string | undefined {
  const whole = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  // The model keeps at most 4 pages per stack (16 KiB of 4 KiB pages: arm64's THREAD_SIZE).
  if (!whole(p.threadPages, 1, 4)) return `threadPages must be 1..4, got ${p.threadPages}`;
  if (!whole(p.pagesAtFork, 1, p.threadPages))
    return `pagesAtFork must be 1..threadPages (${p.threadPages}), got ${p.pagesAtFork}`;
  if (!whole(p.poolPages, 0, 64)) return `poolPages must be 0..64, got ${p.poolPages}`;
  for (const k of ['refillDelayUs', 'refillRetryUs', 'faultUs', 'unmapUs'] as const)
    if (!(Number.isFinite(p[k]) && p[k] >= 0)) return `${k} must be a number >= 0, got ${p[k]}`;
  return undefined;
}

/**
 * The stack machine and the simulator have no page allocator under pressure of their own (no page
 * cache, no forks filling memory), so a pool refill's order-0 allocation there fails with this declared
 * probability, drawn from its own seeded stream. The device experiment (src/device) is where pressure
 * lives: `seed` carries its measured failure rate per refill allocation over to the simulator.
 */
export const REFILL_FAILURE_PARAM = {
  name: 'refillFailureP',
  default: 0,
  unit: 'probability per order-0 allocation',
  description: 'chance that one pool refill allocation fails (stack machine and simulator only)',
  source:
    'model parameter: 0 on an idle machine; the device experiment measures it under its workload (mm compare: refill failures / refill attempts)',
} as const;

/** What a profile may say about its dynamic stacks (`--set dynamicStack.poolPages=1`); absent = default. */
export type DynamicStackOverrides = Partial<
  Omit<DynamicStackParams, 'threadPages'> & { readonly refillFailureP: number }
>;

/** The stack machine's full parameter set: the declared defaults, the profile's overrides, THREAD_SIZE. */
export interface MachineDynamicStack extends DynamicStackParams {
  readonly refillFailureP: number;
}

/** Resolves a profile's dynamic-stack fields; threadPages follows THREAD_SIZE. */
export function machineDynamicStack(
  threadSize: number,
  o: DynamicStackOverrides | undefined,
): MachineDynamicStack {
  return {
    ...DEFAULT_DYNAMIC_STACK,
    refillFailureP: REFILL_FAILURE_PARAM.default,
    ...o,
    threadPages: Math.max(1, Math.floor(threadSize / PAGE_SIZE)),
  };
}
