// Whole conversions of Debian and Ubuntu guests built file by file (Debian 7
// sysvinit, Debian 12 systemd, Ubuntu 14.04 upstart, Ubuntu 20.04 netplan): every
// file that changed is the one expected, with the content expected; a second run
// changes nothing; the domain boots the right kernel with the right arguments;
// rollback gives back exactly the files the guest had.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildDebianGuest } from '../../scripts/images/build.js';
import { RELEASES, type DebianRelease } from '../../scripts/images/debian-tree.js';
import { hostTierOnly, isRoot, loopsUnder, mountsUnder, sha256, workspace, xen2kvm } from '../helpers/system.js';
import { imageTree, treeDiff } from '../helpers/image-tree.js';

const ROOT_OFFSET = 1024 * 1024;
const BACKUPS = /^\/var\/lib\/xen2kvm(\/|$)/;

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
      const image = g.images[0];
      const pristine = imageTree(image, ROOT_OFFSET);
      const k = RELEASES[release].kernel;

      const inspected = xen2kvm(ws, ['inspect', g.config, '--json']);
      t.equal(inspected.code, 0, inspected.stderr);
      const facts = JSON.parse(inspected.stdout);
      t.equal(facts.os.family, 'debian');
      t.equal(facts.boot.mode, 'direct', 'no grub-pc in the sample: direct boot');
      t.ok(facts.edits.includes('initrd') && facts.edits.includes('grub2-defaults'), 'inspect lists the pending edits');

      const sum = sha256(image);
      const dry = xen2kvm(ws, ['convert', g.config, '--dry-run', '-o', join(dir, 'out')]);
      t.equal(dry.code, 0, dry.stderr);
      t.match(dry.stdout, /\+GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8/, 'the dry run shows the diff');
      t.equal(sha256(image), sum, 'a dry run writes nothing');

      const r = xen2kvm(ws, ['convert', g.config, '--json', '-o', join(dir, 'out'), '--boot-dir', join(dir, 'boot')]);
      t.equal(r.code, 0, r.stderr);
      const result = JSON.parse(r.stdout);
      t.equal(result.kernel, k);
      const converted = imageTree(image, ROOT_OFFSET);
      t.same(treeDiff(pristine, converted).filter((p) => !BACKUPS.test(p)), CHANGED[release], 'exactly the expected files changed');

      const xml = readFileSync(join(dir, 'out', `${release}.xml`), 'utf8');
      const cmdline = /<cmdline>([^<]*)<\/cmdline>/.exec(xml)?.[1] ?? '';
      t.match(cmdline, /root=\/dev\/vda1 ro .*console=tty0 console=ttyS0,115200n8/, 'direct boot: root on vda1, serial console');
      t.equal(/net\.ifnames=0/.test(cmdline), RELEASES[release].init === 'systemd', 'net.ifnames=0 where systemd would rename eth0');
      t.notMatch(cmdline, /hvc0|xencons/, 'no Xen console');
      t.match(xml, new RegExp(`<kernel>${join(dir, 'boot')}/${release}/vmlinuz</kernel>`));

      // The initrd now holds the virtio drivers (inspect reads it); a second run changes nothing.
      const after = JSON.parse(xen2kvm(ws, ['inspect', g.config, '--json']).stdout);
      t.equal(after.kernels.find((x: { version: string }) => x.version === k).initrdHasVirtio, true, 'the rebuilt initrd has virtio_blk');
      t.same(after.edits, [], 'nothing left to do');
      const again = xen2kvm(ws, ['convert', g.config, '--json', '-o', join(dir, 'out'), '--boot-dir', join(dir, 'boot')]);
      t.equal(again.code, 0, again.stderr);
      t.equal(JSON.parse(again.stdout).changed, false, 'a second run changes nothing');
      t.same(treeDiff(converted, imageTree(image, ROOT_OFFSET)), [], 'not a byte of it');

      const back = xen2kvm(ws, ['rollback', g.config]);
      t.equal(back.code, 0, back.stderr);
      t.same(treeDiff(pristine, imageTree(image, ROOT_OFFSET)), [], 'rollback: every file as it was');
      t.same(loopsUnder(ws.dir), []);
      t.same(mountsUnder(ws.runDir), []);
    });
  }

  t.test('ubuntu1404: grub-mkconfig fails in the guest; grub.cfg edited directly, and said so', hostTierOnly, async (t) => {
    const dir = join(ws.dir, 'u14-again');
    const g = await buildDebianGuest(dir, 'ubuntu1404', { name: 'u14' });
    const r = xen2kvm(ws, ['convert', g.config, '--json', '-o', join(dir, 'out'), '--boot-dir', join(dir, 'boot')]);
    t.equal(r.code, 0, r.stderr);
    const edits = JSON.parse(r.stdout).edits as { id: string; changed: boolean; note?: string }[];
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
