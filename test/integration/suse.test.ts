// SUSE guests built file by file. SLES 11 SP4 (GRUB legacy, SUSE's mkinitrd,
// sysvinit, kernel-xen beside kernel-default, /dev/disk/by-id/xen-* names,
// domUloader.py): inspection names the release, both kernel flavours and the kernel
// chosen (the flavour links are not kernels); SUSE's mkinitrd ran with the root
// device it needs, named as under KVM; a guest with only kernel-xen is refused with
// zypper's hint. SLES 12 SP5 and openSUSE Leap 15.5 (GRUB 2, dracut with SUSE's
// host-only defaults, systemd, wicked, btrfs root in snapper's default subvolume
// @/.snapshots/1/snapshot): inspection finds the root there and mounts fstab's
// subvolumes; the initrd names no host device. Each: a whole conversion changes
// exactly the expected files, a dry run writes nothing, a second run changes
// nothing, rollback is exact.
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { buildSles11Guest, buildSuseGrub2Guest } from '../../scripts/images/suse-build.js';
import { SLES11_KERNEL, SLES11_XEN_KERNEL } from '../../scripts/images/suse-tree.js';
import { SUSE_GRUB2, SUSE_ROOT_UUID, SUSE_SWAP_UUID, type SuseGrub2Release } from '../../scripts/images/suse-grub2-tree.js';
import { checkDocument, onlyGuest } from '../helpers/contract.js';
import { checkWholeConversion } from '../helpers/conversion.js';
import { imageFile } from '../helpers/image-tree.js';
import { hostTierOnly, isRoot, workspace, xen2kvm } from '../helpers/system.js';

if (!isRoot) {
  t.fail('the integration tests need root (loop devices, mounts)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());

  t.test('sles11: inspected, converted, every changed file checked, idempotent, rolled back exactly', hostTierOnly, async (t) => {
    const dir = join(ws.dir, 's11');
    const g = await buildSles11Guest(dir);
    const r = xen2kvm(ws, ['inspect', g.config, '--json']);
    t.equal(r.code, 0, r.stderr);
    const facts = onlyGuest(r.stdout);
    t.match(facts.os, { family: 'suse', distro: 'sles', version: '11.4', description: 'SUSE Linux Enterprise Server 11 (x86_64)' });
    t.equal(facts.family, 'suse');
    t.same(facts.kernels.map((k: { version: string; xenOnly: boolean; virtio: boolean; default: boolean }) => [k.version, k.xenOnly, k.virtio, k.default]),
      [[SLES11_XEN_KERNEL, true, false, true], [SLES11_KERNEL, false, true, false]], 'both flavours, and no kernel named "xen" (the flavour links)');
    t.equal(facts.initrdTool, 'mkinitrd');
    t.equal(facts.initSystem, 'sysvinit');
    t.same(facts.network.names, ['eth0'], "SUSE's /etc/sysconfig/network/ifcfg-eth0");
    const text = xen2kvm(ws, ['inspect', g.config]);
    t.match(text.stdout, new RegExp(`${SLES11_KERNEL.replace(/\./g, '\\.')}\\s+runs on KVM.*chosen for KVM`), 'inspect names the chosen kernel');
    t.match(text.stdout, /MBR holds no boot loader \(the guest booted through domUloader\.py\)/, 'the Xen boot loader by its name');

    const rootOffset = g.filesystems![0].offset;
    checkWholeConversion(t, ws, g, dir, {
      family: 'suse', kernel: SLES11_KERNEL, boot: 'direct', ifnames: false,
      cmdline: /^root=\/dev\/vda2 resume=\/dev\/vda1 splash=silent showopts console=tty0 console=ttyS0,115200n8$/,
      changed: ['/boot/grub/device.map', '/boot/grub/menu.lst', `/boot/initrd-${SLES11_KERNEL}`, '/etc/fstab', '/etc/inittab', '/etc/securetty', '/etc/sysconfig/bootloader', '/etc/sysconfig/kernel'],
    });
    // Converted, then rolled back by checkWholeConversion: convert once more to look at what mkinitrd made.
    const again = xen2kvm(ws, ['convert', g.config, '-o', join(dir, 'out2'), '--boot-dir', join(dir, 'boot2')]);
    t.equal(again.code, 0, again.stderr);
    const initrd = imageFile(g.images[0], rootOffset, `/boot/initrd-${SLES11_KERNEL}`, 'ext3');
    const cpio = gunzipSync(initrd!).toString('latin1');
    t.match(cpio, /rootdev=\/dev\/vda2\n/, "SUSE's mkinitrd was given the root device by its KVM name (-d), and that node in its /dev");
    t.notMatch(cpio, /\/dev\/(loop|mapper\/loop)\d/, 'no host device in the image');
    t.match(cpio, /virtio_blk\.ko/, 'virtio_blk built in');
    const kernelVars = imageFile(g.images[0], rootOffset, '/etc/sysconfig/kernel', 'ext3')!.toString();
    t.match(kernelVars, /^INITRD_MODULES="processor thermal fan jbd ext3 virtio_pci virtio_blk"$/m, 'INITRD_MODULES keeps them for the next mkinitrd');
    t.match(kernelVars, /^DOMU_INITRD_MODULES="xennet xenblk"$/m, "the Xen kernel's list stays");
    const loader = imageFile(g.images[0], rootOffset, '/etc/sysconfig/bootloader', 'ext3')!.toString();
    t.match(loader, /^DEFAULT_APPEND="resume=\/dev\/vda1 splash=silent showopts console=tty0 console=ttyS0,115200n8"$/m, 'the next kernel update gets the serial console');
    t.match(loader, /^XEN_KERNEL_APPEND="resume=\/dev\/vda1 splash=silent showopts"$/m);
    t.match(loader, /^LOADER_TYPE="grub"$/m);
    t.equal(xen2kvm(ws, ['rollback', g.config]).code, 0);
  });

  t.test('sles11 with only kernel-xen: refused, with zypper\'s hint', hostTierOnly, async (t) => {
    const dir = join(ws.dir, 's11xen');
    const g = await buildSles11Guest(dir, { name: 'sles11xen', onlyXenKernel: true });
    const facts = onlyGuest(xen2kvm(ws, ['inspect', g.config, '--json']).stdout);
    t.same(facts.kernels.map((k: { version: string }) => k.version), [SLES11_XEN_KERNEL], 'one kernel: vmlinuz and vmlinuz-xen are links to it');
    const problem = facts.problems.find((p: { code: string }) => p.code === 'only-xen-kernels');
    t.match(problem?.fix, /zypper install kernel-default/);
    const r = xen2kvm(ws, ['convert', g.config, '--json', '-o', join(dir, 'out')]);
    t.not(r.code, 0, 'convert refuses');
    const doc = checkDocument(r.stdout, 'convert');
    t.match(JSON.stringify(doc), /zypper install kernel-default/, 'and says how to get a kernel that boots under KVM');
  });

  const grub2Case = (release: SuseGrub2Release, distro: string, version: string, extra: string[]) =>
    t.test(`${release}: btrfs root found in snapper's default subvolume, converted, idempotent, rolled back exactly`, hostTierOnly, async (t) => {
      const dir = join(ws.dir, release);
      const g = await buildSuseGrub2Guest(dir, release);
      const k = SUSE_GRUB2[release].kernel;
      const r = xen2kvm(ws, ['inspect', g.config, '--json']);
      t.equal(r.code, 0, r.stderr);
      const facts = onlyGuest(r.stdout);
      t.match(facts.os, { family: 'suse', distro, version });
      t.equal(facts.family, 'suse');
      t.same(facts.kernels.map((x: { version: string }) => x.version), [k], 'one kernel (vmlinuz, initrd and vmlinux-VER.gz are not others)');
      t.equal(facts.initrdTool, 'dracut');
      t.equal(facts.initSystem, 'systemd');
      t.same(facts.mountpoints.map((m: { mountpoint: string }) => m.mountpoint).sort(), ['/', '/.snapshots', '/boot/grub2/i386-pc', '/boot/grub2/x86_64-efi', '/home', '/opt', '/root', '/srv', '/tmp', '/usr/local', '/var'],
        'the root in @/.snapshots/1/snapshot, every fstab subvolume under it');
      checkWholeConversion(t, ws, g, dir, {
        family: 'suse', kernel: k, boot: 'direct', ifnames: true,
        cmdline: new RegExp(`^root=UUID=${SUSE_ROOT_UUID} splash=silent resume=/dev/disk/by-uuid/${SUSE_SWAP_UUID} quiet showopts console=tty0 console=ttyS0,115200n8 net\\.ifnames=0$`),
        changed: ['/boot/grub2/device.map', '/boot/grub2/grub.cfg', `/boot/initrd-${k}`, '/etc/default/grub', '/etc/dracut.conf.d/90-xen2kvm-virtio.conf', ...extra].sort(),
      });
    });
  grub2Case('sles12', 'sles', '12.5', ['/etc/securetty']);
  grub2Case('leap15', 'opensuse', '15.5', []);

  t.test("leap15 whose admin asks dracut for a host-only command line again: the initrd would name a host device, so it is put back", hostTierOnly, async (t) => {
    const dir = join(ws.dir, 'leap15-hostonly');
    const g = await buildSuseGrub2Guest(dir, 'leap15', {
      name: 'leap15h',
      tweak: (root) => writeFileSync(join(root, 'etc/dracut.conf.d/99-local.conf'), 'hostonly_cmdline="yes"\n'),
    });
    const k = SUSE_GRUB2.leap15.kernel;
    const before = imageFile(g.images[0], g.filesystems![0].offset, `/boot/initrd-${k}`, 'btrfs', g.filesystems![0].subvol);
    const r = xen2kvm(ws, ['convert', g.config, '-o', join(dir, 'out'), '--boot-dir', join(dir, 'boot')]);
    t.not(r.code, 0, 'the conversion fails');
    t.match(r.stderr, /names the host's .*the old initrd was put back/s);
    t.match(r.stderr, /hostonly/, 'and says which setting to look at');
    t.same(imageFile(g.images[0], g.filesystems![0].offset, `/boot/initrd-${k}`, 'btrfs', g.filesystems![0].subvol), before, 'the Xen initrd is back, byte for byte');
  });
}
