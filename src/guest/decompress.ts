// Decompressors for initrds, capped: an initrd that inflates past MAX_INITRD
// (a decompression bomb, or a damaged file) is not read further, and says so.
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { OutputTooLarge, runBinary } from '../run.js';
import type { Compression, Decompress } from '../formats/cpio.js';

/** Real initrds are at most a few hundred MiB unpacked. */
export const MAX_INITRD = 384 * 1024 * 1024;

const tooLarge = () => new Error(`it decompresses to more than ${MAX_INITRD / 1048576} MiB, more than any real initrd; not read further (a damaged file, or a decompression bomb)`);

export const externalDecompress = async (data: Buffer, kind: Compression): Promise<Buffer> => {
  const tool = { xz: 'xz', lzma: 'xz', zstd: 'zstd', bzip2: 'bzip2', lz4: 'lz4', gzip: 'xz' } as const;
  const args = kind === 'lzma' ? ['--format=lzma', '-dc'] : ['-dc'];
  try {
    return await runBinary(tool[kind], args, data, { maxBuffer: MAX_INITRD });
  } catch (e) {
    if (e instanceof OutputTooLarge) throw tooLarge();
    throw e;
  }
};

/** gzip in-process, capped; the other formats through their tools. */
export function cappedDecompress(external: Decompress = externalDecompress): Decompress {
  return async (data, kind) => {
    if (kind !== 'gzip') return external(data, kind);
    try {
      return await promisify(gunzip)(data, { maxOutputLength: MAX_INITRD });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw tooLarge();
      throw e;
    }
  };
}
