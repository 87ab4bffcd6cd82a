// A full filesystem is an environment error that names the file and the space
// needed (exit 1), not an internal error; the runner puts back what it changed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { EnvironmentError } from '../../src/errors.js';
import { atomicWrite } from '../../src/tree/files.js';
import { rootFs } from '../../src/tree/fs.js';
import { applyEdits } from '../../src/tree/runner.js';
import type { FileEdit } from '../../src/tree/types.js';

const isRoot = process.getuid?.() === 0;

t.test('ENOSPC on a tiny tmpfs', { skip: isRoot ? false : 'needs root to mount a tmpfs' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'x2k-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'x2k-full', dir]);
  t.teardown(() => {
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    await atomicWrite(join(dir, 'big'), Buffer.alloc(200 * 1024), 0o644, 0, 0, '/boot/initrd.img in the guest');
    t.fail('should have thrown');
  } catch (e) {
    t.ok(e instanceof EnvironmentError, 'an EnvironmentError');
    t.equal((e as EnvironmentError).exitCode, 1);
    t.match((e as Error).message, /the filesystem holding \/boot\/initrd\.img in the guest is full: need 200 KiB to write it/);
  }
  t.same(execFileSync('ls', ['-A', dir], { encoding: 'utf8' }), '', 'no temp file is left behind');

  // The runner: the first edit fits, the second does not; the first is put back.
  mkdirSync(join(dir, 'etc'));
  writeFileSync(join(dir, 'etc/a'), 'a\n');
  writeFileSync(join(dir, 'etc/b'), 'b\n');
  const grow = (path: string, by: number): FileEdit<object> => ({ kind: 'file', id: `grow-${path}`, describe: 'grows a file', paths: async () => [path], apply: (text) => `${text}${'x'.repeat(by)}\n` });
  await t.rejects(applyEdits(rootFs(dir), [grow('/etc/a', 10), grow('/etc/b', 50 * 1024)], {}, { dryRun: false, runId: 'full', label: 'g', runInGuest: async () => undefined }), EnvironmentError);
  t.equal(readFileSync(join(dir, 'etc/a'), 'utf8'), 'a\n', 'the change that fitted was put back');
  t.equal(readFileSync(join(dir, 'etc/b'), 'utf8'), 'b\n');
});
