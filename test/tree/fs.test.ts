import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { rootFs } from '../../src/tree/fs.js';

const host = mkdtempSync(join(tmpdir(), 'xen2kvm-gfs-'));
const canary = join(host, 'canary');
writeFileSync(canary, 'HOST SECRET');
const root = join(host, 'guest');
mkdirSync(join(root, 'etc'), { recursive: true });
mkdirSync(join(root, 'boot/grub'), { recursive: true });
writeFileSync(join(root, 'boot/grub/grub.conf'), 'default=0\n');
symlinkSync('./grub.conf', join(root, 'boot/grub/menu.lst'));
symlinkSync('../boot/grub/grub.conf', join(root, 'etc/grub.conf'));
symlinkSync(canary, join(root, 'etc/abs-escape'));
symlinkSync('../../../../../canary', join(root, 'etc/rel-escape'));
symlinkSync('/', join(root, 'etc/rootlink'));
symlinkSync('loop-b', join(root, 'etc/loop-a'));
symlinkSync('loop-a', join(root, 'etc/loop-b'));
writeFileSync(join(root, 'canary'), 'guest canary');

t.test('links resolve inside the guest', async (t) => {
  const fs = rootFs(root);
  t.equal(await fs.readText('/boot/grub/menu.lst'), 'default=0\n');
  t.equal(await fs.readText('/etc/grub.conf'), 'default=0\n');
  t.equal(await fs.realGuestPath('/etc/grub.conf'), '/boot/grub/grub.conf');
  t.equal(await fs.linkTarget('/boot/grub/menu.lst'), './grub.conf');
  t.equal(await fs.kind('/boot/grub'), 'dir');
  t.equal(await fs.kind('/nope'), undefined);
  t.same(await fs.list('/boot/grub'), ['grub.conf', 'menu.lst']);
});

t.test('absolute and ../ links cannot reach the host', async (t) => {
  const fs = rootFs(root);
  t.equal(await fs.readText('/etc/abs-escape'), undefined, 'an absolute link to a host path is a guest path that does not exist');
  t.equal(await fs.readText('/etc/rel-escape'), 'guest canary', '../ stops at the guest root');
  t.equal(await fs.readText('/etc/rootlink/canary'), 'guest canary');
  t.equal(await fs.resolve('/etc/rootlink/../../canary'), join(root, 'canary'));
  await t.rejects(fs.realGuestPath('/etc/loop-a'), { name: 'UserError', message: /\/etc\/loop-a in the guest is a loop of symbolic links/ }); // exit 2, never an internal error
});

t.test('only regular files are read, within a size cap', async (t) => {
  const fs = rootFs(root);
  await t.rejects(fs.read('/boot'), /not a regular file/);
  writeFileSync(join(root, 'big'), Buffer.alloc(2048));
  await t.rejects(fs.read('/big', 1024), /larger than 1024 bytes/);
});
