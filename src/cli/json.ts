// Version of every --json document stacklab writes. Bump the major when a field changes meaning.
export const JSON_VERSION = '1.0';

/** JSON.stringify's replacer for documents with bigints (addresses): a bigint is written as 0x hex. */
export function jsonBigint(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `0x${value.toString(16)}` : value;
}
