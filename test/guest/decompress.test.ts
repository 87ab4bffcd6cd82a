// A gzip bomb of an initrd is not inflated past the cap: a clear problem, bounded memory.
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { cappedDecompress, externalDecompress, MAX_INITRD } from '../../src/guest/decompress.js';
import { listInitrd } from '../../src/formats/cpio.js';

t.test('gzip bomb', async (t) => {
  // 600 MiB of zeros: about 600 KiB gzipped.
  const chunk = Buffer.alloc(64 * 1024 * 1024);
  const gz = gzipSync(Buffer.concat(Array(10).fill(chunk)), { level: 9 });
  t.ok(gz.length < 2 * 1024 * 1024, `${gz.length} bytes compressed`);
  const before = process.memoryUsage().rss;
  await t.rejects(listInitrd(gz, cappedDecompress()), /decompresses to more than 384 MiB/);
  t.ok(process.memoryUsage().rss - before < MAX_INITRD + 256 * 1024 * 1024, 'memory stays near the cap');
});

t.test('xz bomb through the external tool', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const xz = execFileSync('sh', ['-c', 'head -c 600M /dev/zero | xz -1 -T1 -c'], { maxBuffer: 64 * 1024 * 1024 });
  await t.rejects(listInitrd(xz, cappedDecompress(externalDecompress)), /decompresses to more than 384 MiB/);
});
