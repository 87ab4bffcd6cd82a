// Lists the files in an initrd: newc cpio archives, possibly several in a row
// (an uncompressed early-microcode archive, then a compressed main one). Pure
// apart from the decompressor it is given.

export type Compression = 'gzip' | 'xz' | 'lzma' | 'zstd' | 'bzip2' | 'lz4';
export type Decompress = (data: Buffer, kind: Compression) => Promise<Buffer>;

/** The compression a buffer starts with, if any. */
export function sniffCompression(b: Buffer): Compression | undefined {
  if (b[0] === 0x1f && (b[1] === 0x8b || b[1] === 0x9e)) return 'gzip';
  if (b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (b.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
  if (b.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (b.subarray(0, 4).equals(Buffer.from([0x02, 0x21, 0x4c, 0x18]))) return 'lz4';
  if (b[0] === 0x5d && b[1] === 0x00 && b[2] === 0x00) return 'lzma';
  return undefined;
}

/** Names in one newc archive starting at `offset`; returns where the archive ends. */
export function readNewc(b: Buffer, offset = 0): { names: string[]; end: number } {
  const names: string[] = [];
  let p = offset;
  for (;;) {
    if (p + 110 > b.length) throw new Error('truncated cpio archive');
    const magic = b.toString('latin1', p, p + 6);
    if (magic !== '070701' && magic !== '070702') throw new Error(`not a newc cpio archive (magic ${JSON.stringify(magic)})`);
    const field = (i: number) => parseInt(b.toString('latin1', p + 6 + i * 8, p + 14 + i * 8), 16);
    const fileSize = field(6);
    const nameSize = field(11);
    const nameStart = p + 110;
    const name = b.toString('utf8', nameStart, nameStart + nameSize - 1);
    let q = nameStart + nameSize;
    q = (q + 3) & ~3;
    q += fileSize;
    q = (q + 3) & ~3;
    if (q > b.length + 3) throw new Error('truncated cpio archive');
    if (name === 'TRAILER!!!') return { names, end: Math.min(q, b.length) };
    names.push(name.replace(/^\.\//, '').replace(/^\//, ''));
    p = q;
  }
}

/** Every file name in an initrd image; `onArchive` sees each (decompressed) cpio archive's bytes. */
export async function listInitrd(image: Buffer, decompress: Decompress, onArchive?: (archive: Buffer) => void): Promise<string[]> {
  const names: string[] = [];
  let b = image;
  for (let rounds = 0; rounds < 16 && b.length > 0; rounds++) {
    // Skip the zero padding between concatenated archives.
    let p = 0;
    while (p < b.length && b[p] === 0) p++;
    b = b.subarray(p);
    if (b.length === 0) break;
    if (b.toString('latin1', 0, 4) === '0707') {
      const r = readNewc(b);
      names.push(...r.names);
      onArchive?.(b.subarray(0, r.end));
      b = b.subarray(r.end);
      continue;
    }
    const kind = sniffCompression(b);
    if (!kind) throw new Error('the initrd is neither a cpio archive nor compressed in a known way');
    b = await decompress(b, kind);
  }
  return names;
}

/** Kernel module names (without .ko / .ko.xz) in a list of initrd paths. */
export function moduleNames(paths: string[]): Set<string> {
  const out = new Set<string>();
  for (const p of paths) {
    const m = /([^/]+)\.ko(?:\.(?:xz|gz|zst))?$/.exec(p);
    if (m) out.add(m[1].replace(/-/g, '_'));
  }
  return out;
}
