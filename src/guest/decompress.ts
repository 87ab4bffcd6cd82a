// Decompressors for initrds that are not gzip, run through the command gate.
import { runBinary } from '../run.js';
import type { Compression } from '../formats/cpio.js';

export const externalDecompress = (data: Buffer, kind: Compression): Promise<Buffer> => {
  const tool = { xz: 'xz', lzma: 'xz', zstd: 'zstd', bzip2: 'bzip2', lz4: 'lz4', gzip: 'xz' } as const;
  const args = kind === 'lzma' ? ['--format=lzma', '-dc'] : ['-dc'];
  return runBinary(tool[kind], args, data);
};
