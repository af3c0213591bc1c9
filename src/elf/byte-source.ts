// A file read by byte ranges. The ELF reader asks only for the header, the section table and the
// sections it needs, so a 1 GB debug vmlinux is never loaded whole. The CLI backs this with
// positioned reads on a file descriptor; tests and the browser back it with a Uint8Array.

/** Random-access bytes of one input file. */
export interface ByteSource {
  /** The file as the user named it, for diagnostics. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /**
   * Bytes [offset, offset + length). Callers check the range against `size` first; a source may
   * assert on an out-of-range request (that is our bug, not bad input). The result may be a view
   * into a shared buffer and must not be modified.
   */
  read(offset: number, length: number): Uint8Array;
  /**
   * A hint: these byte ranges (sorted by offset) will be read soon. A file-backed source reads them
   * in as few calls as it likes, so the reads that follow cost nothing. Optional.
   */
  prefetch?(ranges: readonly ByteRange[]): void;
}

/** Bytes [offset, offset + length) of a file. */
export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/** A ByteSource over bytes already in memory. */
export function bytesSource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    size: bytes.length,
    read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > bytes.length) {
        throw new RangeError(`read [${offset}, +${length}) outside ${bytes.length} bytes of ${name}`);
      }
      return bytes.subarray(offset, offset + length);
    },
  };
}
