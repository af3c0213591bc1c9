// Assertions are for our own bugs; bad input gets a Diagnostic instead.

export class AssertionFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionFailed';
  }
}

export function assertTrue(cond: boolean, message = 'assertion failed'): asserts cond {
  if (!cond) throw new AssertionFailed(message);
}

export function assertExists<T>(value: T | null | undefined, message = 'value is missing'): T {
  if (value === null || value === undefined) throw new AssertionFailed(message);
  return value;
}

export function assertUnreachable(value: never, message = 'unreachable'): never {
  throw new AssertionFailed(`${message}: ${JSON.stringify(value)}`);
}
