// Compressed kernel modules: distributions ship .ko files compressed (CONFIG_MODULE_COMPRESS_*):
// Debian's 6.12 and Fedora as .ko.xz, Ubuntu and Arch as .ko.zst, some as .ko.gz. A file is
// recognised by its magic bytes, whatever its name, and handed on decompressed (a module is at most
// a few MB; decompressing it whole is what modprobe does too).
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { decompress as unzstd } from 'fzstd';
import { diag, InputError } from '../base/diag.ts';

export type Compression = 'xz' | 'zstd' | 'gzip';

/** The code of damaged compressed data: that file's failure (it is named, the others are read on). */
export const BAD_COMPRESSION = 'io/bad-compression';

/** Whether `e` is the failure of one damaged compressed file, not of the run. */
export function isBadCompression(e: unknown): e is InputError {
  return e instanceof InputError && e.diagnostic.code === BAD_COMPRESSION;
}

/** The module names a directory walk takes: .ko and its compressed forms. */
export const MODULE_NAME = /\.ko(?:\.(?:xz|zst|gz))?$/;

/**
 * xz's decoder is a native addon (@napi-rs/lzma), loaded the first time an xz file is met: a run
 * over plain .ko files never loads it, and a bundle built elsewhere finds it from stacklab's tree.
 */
const load = createRequire(import.meta.url);
function unxz(bytes: Uint8Array): Uint8Array {
  const { xz } = load('@napi-rs/lzma') as { xz: { decompressSync(b: Buffer): Buffer } };
  return xz.decompressSync(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
}

/** Decompressed bytes beyond this are refused (a decompression bomb, not a module). */
const MAX_DECOMPRESSED = 1 << 30;

/** The compression `head` (a file's first bytes) starts with, if any. */
export function compressionOf(head: Uint8Array): Compression | undefined {
  const is = (...magic: number[]) => magic.every((b, i) => head[i] === b);
  if (is(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (is(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  if (is(0x1f, 0x8b)) return 'gzip';
  return undefined;
}

/** The declared content size of a zstd frame (RFC 8878 3.1.1.1.1), when it declares one. */
function zstdContentSize(b: Uint8Array): number | undefined {
  const fhd = b[4] ?? 0;
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  const didFlag = fhd & 3;
  const at = 5 + (single ? 0 : 1) + [0, 1, 2, 4][didFlag]!;
  const width = [single ? 1 : 0, 2, 4, 8][fcsFlag]!;
  if (width === 0 || at + width > b.length) return undefined;
  let v = 0;
  for (let i = width - 1; i >= 0; i--) v = v * 256 + b[at + i]!;
  return width === 2 ? v + 256 : v;
}

/**
 * `bytes` decompressed when they are xz, zstd or gzip data; as they are otherwise. Damaged data is an
 * InputError (io/bad-compression) naming the file. Model simplification: xz's uncompressed size is
 * not checked before decompressing (gzip and zstd are bounded by MAX_DECOMPRESSED).
 */
export function decompressed(path: string, bytes: Uint8Array): Uint8Array {
  const kind = compressionOf(bytes);
  if (kind === undefined) return bytes;
  const fail = (why: string) =>
    new InputError(
      diag(
        BAD_COMPRESSION,
        'error',
        `${kind} data that cannot be decompressed: ${why}`,
        { file: path },
        `a whole ${kind} file (a module as the distribution ships it), or the module decompressed`,
      ),
    );
  let out: Uint8Array;
  try {
    if (kind === 'gzip') out = gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED });
    else if (kind === 'zstd') {
      const size = zstdContentSize(bytes);
      if (size !== undefined && size > MAX_DECOMPRESSED) throw new Error(`declares ${size} bytes`);
      out = unzstd(bytes);
    } else out = unxz(bytes);
  } catch (e) {
    throw fail(e instanceof Error ? e.message : String(e));
  }
  if (out.length > MAX_DECOMPRESSED) throw fail(`more than ${MAX_DECOMPRESSED} bytes`);
  return out;
}
