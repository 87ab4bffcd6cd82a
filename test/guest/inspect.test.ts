// Inspection of sample guest trees (no disks, no root needed).
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { rootFs } from '../../src/tree/fs.js';
import { chooseKernel, inspectGuest } from '../../src/guest/inspect.js';
import { RHEL5_KERNEL, RHEL5_XEN_KERNEL, writeRhel5Tree } from '../../scripts/images/rhel5-tree.js';

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'xen2kvm-tree-'));
  writeRhel5Tree({ root, boot: join(root, 'boot'), rootSpec: '/dev/VolGroup00/LogVol00', swapSpec: '/dev/VolGroup00/LogVol01', bootSpec: 'LABEL=/boot', macs: ['00:16:3e:1a:d0:96'], hostname: 'x' });
  return root;
}

t.test('the seed RHEL 5.3 guest', async (t) => {
  const root = tree();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const f = await inspectGuest(rootFs(root));
  t.match(f.os, { family: 'rhel', version: '5.3' });
  t.same(f.bootloader, {
    kind: 'grub-legacy', config: '/boot/grub/grub.conf', links: ['/boot/grub/menu.lst', '/etc/grub.conf'],
    entries: [{ title: 'Red Hat Enterprise Linux Server (2.6.18-128.1.16.el5)', version: '2.6.18-128.1.16.el5' }, { title: 'Red Hat Enterprise Linux Server (2.6.18-128.1.16.el5xen)', version: '2.6.18-128.1.16.el5xen' }],
  });
  t.equal(f.initSystem, 'sysvinit');
  t.equal(f.initrdTool, 'mkinitrd');
  t.equal(f.selinux, 'enforcing');
  t.same(f.kernels.map((k) => [k.version, k.xenOnly, k.virtio, k.initrdHasVirtio, k.default, k.inBootloader]), [
    [RHEL5_XEN_KERNEL, true, false, false, true, true],
    [RHEL5_KERNEL, false, true, false, false, true],
  ]);
  t.equal(chooseKernel(f.kernels, 'grub-legacy')?.version, RHEL5_KERNEL);
  t.same(f.problems.map((p) => p.code), ['initrd-without-virtio', 'default-kernel-xen']);
});

t.test('only Xen kernels installed', async (t) => {
  const root = tree();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  unlinkSync(join(root, `boot/vmlinuz-${RHEL5_KERNEL}`));
  const f = await inspectGuest(rootFs(root));
  t.same(f.problems.map((p) => p.code), ['only-xen-kernels']);
  t.match(f.problems[0].fix, /install a non-Xen kernel first/);
});

t.test('without a config file, modules tell virtio and the flavour tells Xen', async (t) => {
  const root = tree();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  unlinkSync(join(root, `boot/config-${RHEL5_KERNEL}`));
  unlinkSync(join(root, `boot/config-${RHEL5_XEN_KERNEL}`));
  unlinkSync(join(root, `lib/modules/${RHEL5_KERNEL}/modules.dep`));
  const f = await inspectGuest(rootFs(root));
  t.same(f.kernels.map((k) => [k.version, k.xenOnly, k.virtio]), [[RHEL5_XEN_KERNEL, true, false], [RHEL5_KERNEL, false, true]]);
});

t.test('an initrd that has virtio; no boot loader; unreadable initrd', async (t) => {
  const root = tree();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  unlinkSync(join(root, 'boot/grub/menu.lst'));
  unlinkSync(join(root, 'boot/grub/grub.conf'));
  unlinkSync(join(root, 'etc/grub.conf'));
  writeFileSync(join(root, `boot/initrd-${RHEL5_XEN_KERNEL}.img`), 'garbage');
  const f = await inspectGuest(rootFs(root));
  t.equal(f.bootloader.kind, 'none');
  t.same(f.problems.map((p) => p.code).sort(), ['initrd-unreadable', 'initrd-without-virtio', 'no-bootloader'].sort());
});

t.test("links in /boot and vmlinux-VER.gz are not kernels of their own (SUSE's flavour links)", async (t) => {
  const root = tree();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  symlinkSync(`vmlinuz-${RHEL5_KERNEL}`, join(root, 'boot/vmlinuz'));
  symlinkSync(`vmlinuz-${RHEL5_XEN_KERNEL}`, join(root, 'boot/vmlinuz-xen'));
  writeFileSync(join(root, `boot/vmlinux-${RHEL5_KERNEL}.gz`), 'gzip');
  const menu = join(root, 'boot/grub/grub.conf');
  writeFileSync(menu, readFileSync(menu, 'utf8').replace(`/vmlinuz-${RHEL5_KERNEL} `, '/vmlinuz '));
  const f = await inspectGuest(rootFs(root));
  t.same(f.kernels.map((k) => k.version), [RHEL5_XEN_KERNEL, RHEL5_KERNEL], 'no kernel named "xen", none named "….gz"');
  t.ok(f.kernels.find((k) => k.version === RHEL5_KERNEL)?.inBootloader, 'a menu entry naming /vmlinuz lists the kernel it links to');
});
