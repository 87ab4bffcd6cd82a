// The sweep for Xen names left in a guest (pure part, and a tree).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { findXenNames, sweepXenNames, xenNamesLeft } from '../../src/guest/xen-names.js';
import { rootFs } from '../../src/tree/fs.js';

t.test('what counts as a Xen name', async (t) => {
  const hits = findXenNames('/f', [
    '(hd0) /dev/xvda', 'boot=/dev/xvda1', 'UUID=1 / ext4 defaults 0 1', '# /dev/xvda2 swap', 'resume=xvdb2',
    'exec /sbin/getty -8 38400 hvc0', 'GRUB_CMDLINE_LINUX="quiet console=hvc0"', 'co:2345:respawn:/sbin/agetty xvc0 9600 vt100-nav',
    '/dev/disk/by-id/xen-vbd-51712 / ext3 defaults 1 1', 'hvc0', 'console=ttyS0,115200n8',
    '\tkernel /vmlinuz-2.6.18-128.1.16.el5xen ro root=/dev/xvda2 console=xvc0', '\tkernel /xen.gz-2.6.18', '\tkernel /vmlinuz-2.6.18 ro root=/dev/xvda2 console=xvc0',
  ].join('\n'));
  t.same(hits.map((h) => `${h.line}:${h.name}`), ['1:/dev/xvda', '2:/dev/xvda1', '5:xvdb2', '6:hvc0', '7:hvc0', '8:xvc0', '9:/dev/disk/by-id/xen-vbd-51712', '14:/dev/xvda2'],
    'disks, consoles and by-id names; not comments, not a bare word in a list, not a Xen kernel\'s own entry');
});

t.test('the sweep walks /etc and /boot text files, skips binaries and backups', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'x2k-sweep-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'etc/sysconfig'), { recursive: true });
  mkdirSync(join(root, 'boot/grub2'), { recursive: true });
  writeFileSync(join(root, 'etc/sysconfig/grub'), 'boot=/dev/xvda\n');
  writeFileSync(join(root, 'etc/fstab.bak'), '/dev/xvda1 / ext3 defaults 1 1\n');
  writeFileSync(join(root, 'boot/grub2/device.map'), '(hd0) /dev/xvda\n');
  writeFileSync(join(root, 'boot/grub2/core.img'), Buffer.from('\0\0/dev/xvda\0'));
  const hits = await sweepXenNames(rootFs(root));
  t.same(hits.map((h) => h.path).sort(), ['/boot/grub2/device.map', '/etc/sysconfig/grub']);
  t.same(await xenNamesLeft(rootFs(root), ['/etc/sysconfig/grub']), [{ code: 'xen-name-left', message: "/boot/grub2/device.map:1 still names Xen's /dev/xvda ((hd0) /dev/xvda); no edit of its family changes it — change it by hand if the guest reads it" }]);
});
