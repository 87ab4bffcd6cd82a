import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { listInitrd, moduleNames, readNewc, sniffCompression } from '../../src/formats/cpio.js';
import { decompressWith } from '../../src/guest/inspect.js';
import { externalDecompress } from '../../src/guest/decompress.js';
import { writeNewc } from '../../scripts/images/cpio-write.js';

const archive = writeNewc([
  { name: '.', type: 'dir' },
  { name: 'lib', type: 'dir' },
  { name: 'lib/virtio_blk.ko', type: 'file', data: Buffer.from('x'.repeat(5)) },
  { name: 'lib/modules/5.14/kernel/drivers/virtio/virtio_pci.ko.xz', type: 'file', data: Buffer.from('yy') },
  { name: 'bin/sh', type: 'symlink', data: Buffer.from('busybox') },
]);

t.test('newc round trip', async (t) => {
  const r = readNewc(archive);
  t.same(r.names, ['.', 'lib', 'lib/virtio_blk.ko', 'lib/modules/5.14/kernel/drivers/virtio/virtio_pci.ko.xz', 'bin/sh']);
  t.equal(r.end, archive.length);
  t.same([...moduleNames(r.names)].sort(), ['virtio_blk', 'virtio_pci']);
});

t.test('the real cpio tool reads what we write (and we read what it writes)', async (t) => {
  const listed = execFileSync('cpio', ['-t', '--quiet'], { input: archive, encoding: 'utf8' });
  t.match(listed, /lib\/virtio_blk\.ko/);
});

t.test('gzip, and an uncompressed early archive before a compressed one', async (t) => {
  const early = writeNewc([{ name: 'kernel/x86/microcode/GenuineIntel.bin', type: 'file', data: Buffer.alloc(10) }]);
  const image = Buffer.concat([early, Buffer.alloc(512), gzipSync(archive)]);
  const names = await listInitrd(image, decompressWith());
  t.ok(names.includes('kernel/x86/microcode/GenuineIntel.bin'));
  t.ok(names.includes('lib/virtio_blk.ko'));
});

t.test('xz through the xz tool', async (t) => {
  const xz = execFileSync('xz', ['-c', '--check=crc32'], { input: archive });
  t.equal(sniffCompression(xz), 'xz');
  const names = await listInitrd(xz, decompressWith(externalDecompress));
  t.ok(names.includes('lib/virtio_blk.ko'));
  await t.rejects(listInitrd(xz, decompressWith()), /xz-compressed initrds need the xz tool/);
});

t.test('garbage is reported', async (t) => {
  await t.rejects(listInitrd(Buffer.from('hello world, not an initrd'), decompressWith()), /neither a cpio archive nor compressed/);
  t.throws(() => readNewc(Buffer.from('070701' + '0'.repeat(20))), /truncated/);
});
