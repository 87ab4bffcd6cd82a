// The one kernel command line for KVM: every boot path goes through kvmCmdline.
import type { Warning } from '../../src/errors.js';
import t from 'tap';
import { kvmCmdline } from '../../src/xen/kvm-cmdline.js';
import { planDevices } from '../../src/xen/devmap.js';
import { parseXenConfig } from '../../src/xen/parse.js';
import { renderDomainXml } from '../../src/host/domain-xml.js';

const xenTools = parseXenConfig(`name = "xt"\nmemory = 256\nkernel = "/boot/vmlinuz-6.1.0-28-amd64"\nramdisk = "/boot/initrd.img-6.1.0-28-amd64"\nroot = "/dev/xvda2 ro"\nextra = "elevator=noop"\ndisk = [ "file:/xen/domains/xt/disk.img,xvda2,w", "file:/xen/domains/xt/swap.img,xvda1,w" ]\nvif = [ "ip=10.0.0.2,mac=00:16:3e:00:00:02" ]\n`, 'xt.cfg');
const map = planDevices(xenTools, { machine: 'pc', hvmVirtio: false });

t.test('console, Xen words, devices, interface names, speed', async (t) => {
  const warnings: string[] = [];
  const f = { deviceMap: map, serialSpeed: 38400, netNames: 'ifnames-off' as const, warn: (w: Warning) => warnings.push(w.message) };
  const once = kvmCmdline(['root=/dev/xvda2', 'ro', 'resume=/dev/xvda1', 'console=hvc0', 'xencons=tty', 'elevator=noop', 'root2=/dev/xvda9'], f, 'test');
  t.same(once, ['root=/dev/vdb', 'ro', 'resume=/dev/vda', 'elevator=noop', 'root2=/dev/xvda9', 'console=tty0', 'console=ttyS0,38400n8', 'net.ifnames=0']);
  t.same(kvmCmdline(once, f, 'test'), once, 'idempotent');
  t.same(kvmCmdline(['root=/dev/xvdq1'], f, 'grub.conf line 7'), ['root=/dev/xvdq1', 'console=tty0', 'console=ttyS0,38400n8', 'net.ifnames=0']);
  t.match(warnings, [/grub\.conf line 7: \/dev\/xvdq1 is none of the guest's disks/], 'its warnings reach the caller');
  t.same(kvmCmdline(['ro', 'net.ifnames=1'], f, 'x'), ['ro', 'net.ifnames=1', 'console=tty0', 'console=ttyS0,38400n8'], 'a chosen net.ifnames is left alone');
  t.same(kvmCmdline(['quiet', 'console=hvc0'], { ...f, netNames: 'keep' }, 'x', false), ['quiet'], 'an added line: only Xen words out');
  // SUSE's installer names Xen disks by their by-id links; a virtio disk has none (no serial): the plain name.
  t.same(kvmCmdline(['root=/dev/disk/by-id/xen-xvda2', 'resume=/dev/disk/by-id/xen-xvda-part1', 'root2=/dev/disk/by-id/ata-X'], { ...f, netNames: 'keep' }, 'x', false),
    ['root=/dev/vdb', 'resume=/dev/vda', 'root2=/dev/disk/by-id/ata-X'], "SUSE's /dev/disk/by-id/xen-* names");
  t.same(kvmCmdline(['root=/dev/disk/by-id/xen-xvdq1'], { ...f, netNames: 'keep' }, 'x', false), ['root=/dev/disk/by-id/xen-xvdq1'], 'one the map lacks stays as written');
});

t.test('domxml\'s direct boot of a dom0 kernel uses it too (root from the config, xvda2 → vdb)', async (t) => {
  const r = renderDomainXml(xenTools, { machine: 'pc', bridges: {}, networks: {}, hvmVirtio: false });
  t.match(r.xml, /<cmdline>root=\/dev\/vdb ro elevator=noop console=tty0 console=ttyS0,115200n8<\/cmdline>/);
});
