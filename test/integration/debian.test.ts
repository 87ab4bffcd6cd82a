// Whole conversions of Debian and Ubuntu guests built file by file (Debian 7
// sysvinit, Debian 12 systemd, Ubuntu 14.04 upstart, Ubuntu 20.04 netplan): every
// file that changed is the one expected, with the content expected; a second run
// changes nothing; the domain boots the right kernel with the right arguments;
// rollback gives back exactly the files the guest had.
import { join } from 'node:path';
import { onlyGuest } from '../helpers/contract.js';
import t from 'tap';
import { buildDebianGuest } from '../../scripts/images/build.js';
import { RELEASES, type DebianRelease } from '../../scripts/images/debian-tree.js';
import { hostTierOnly, isRoot, sha256, workspace, xen2kvm } from '../helpers/system.js';
import { checkWholeConversion } from '../helpers/conversion.js';

/** What each release's conversion must change (besides the backups under /var/lib/xen2kvm). */
const CHANGED: Record<DebianRelease, string[]> = {
  debian7: ['/boot/grub/grub.cfg', '/boot/initrd.img-3.2.0-4-amd64', '/etc/default/grub', '/etc/fstab', '/etc/initramfs-tools/conf.d/resume', '/etc/initramfs-tools/modules', '/etc/inittab', '/etc/securetty', '/etc/udev/rules.d/70-persistent-net.rules', '/var/lib/initramfs-tools/3.2.0-4-amd64'],
  debian12: ['/boot/grub/grub.cfg', '/boot/initrd.img-6.1.0-50-amd64', '/etc/default/grub', '/etc/fstab', '/etc/initramfs-tools/conf.d/resume', '/etc/initramfs-tools/initramfs.conf', '/etc/initramfs-tools/modules', '/etc/systemd/system/getty.target.wants/serial-getty@hvc0.service', '/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service', '/var/lib/initramfs-tools/6.1.0-50-amd64'],
  ubuntu1404: ['/boot/grub/grub.cfg', '/boot/initrd.img-3.13.0-170-generic', '/etc/default/grub', '/etc/fstab', '/etc/init/ttyS0.conf', '/etc/initramfs-tools/conf.d/resume', '/etc/initramfs-tools/modules', '/etc/securetty', '/etc/udev/rules.d/70-persistent-net.rules', '/var/lib/initramfs-tools/3.13.0-170-generic'],
  ubuntu2004: ['/boot/grub/grub.cfg', '/boot/initrd.img-5.4.0-216-generic', '/etc/default/grub', '/etc/fstab', '/etc/initramfs-tools/conf.d/resume', '/etc/initramfs-tools/initramfs.conf', '/etc/initramfs-tools/modules', '/var/lib/initramfs-tools/5.4.0-216-generic'],
};

if (!isRoot) {
  t.fail('the integration tests need root (loop devices, mounts)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());

  for (const release of Object.keys(RELEASES) as DebianRelease[]) {
    t.test(`${release}: converted, every changed file checked, idempotent, rolled back exactly`, hostTierOnly, async (t) => {
      const dir = join(ws.dir, release);
      const g = await buildDebianGuest(dir, release);
      checkWholeConversion(t, ws, g, dir, {
        family: 'debian', kernel: RELEASES[release].kernel, boot: 'direct', changed: CHANGED[release],
        cmdline: /root=\/dev\/vda1 ro .*console=tty0 console=ttyS0,115200n8/, ifnames: RELEASES[release].init === 'systemd',
        // Upstart's hvc0 getty job: no edit of the family removes it (it fails harmlessly under KVM); listed.
        ...(release === 'ubuntu1404' ? { xenNamesLeft: ['/etc/init/hvc0.conf:14'] } : {}),
      });
    });
  }

  t.test('ubuntu1404: grub-mkconfig fails in the guest; grub.cfg edited directly, and said so', hostTierOnly, async (t) => {
    const dir = join(ws.dir, 'u14-again');
    const g = await buildDebianGuest(dir, 'ubuntu1404', { name: 'u14' });
    const r = xen2kvm(ws, ['convert', g.config, '--json', '-o', join(dir, 'out'), '--boot-dir', join(dir, 'boot')]);
    t.equal(r.code, 0, r.stderr);
    const edits = onlyGuest(r.stdout).edits as { id: string; changed: boolean; note?: string }[];
    t.match(edits.find((e) => e.id === 'grub-mkconfig')!.note, /did not work in the guest \(\/usr\/sbin\/grub-probe: error: failed to get canonical path/);
    t.equal(edits.find((e) => e.id === 'grub2-cfg')!.changed, true);
    t.match(r.stderr, /grub-mkconfig: .* did not work in the guest/);
  });

  t.test('--boot mbr on a guest without grub-pc is refused before anything changes', hostTierOnly, async (t) => {
    const dir = join(ws.dir, 'nopc');
    const g = await buildDebianGuest(dir, 'debian12', { name: 'nopc' });
    const sum = sha256(g.images[0]);
    const r = xen2kvm(ws, ['convert', g.config, '--boot', 'mbr', '-o', join(dir, 'out')]);
    t.equal(r.code, 2, 'a usage error');
    t.match(r.stderr, /--boot mbr cannot work for this guest: the guest has no GRUB for BIOS/);
    t.equal(sha256(g.images[0]), sum);
  });
}
