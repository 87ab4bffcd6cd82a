// SUSE Linux Enterprise Server 11 SP4 (GRUB legacy, SUSE's mkinitrd, sysvinit,
// kernel-xen beside kernel-default, /dev/disk/by-id/xen-* names, domUloader.py),
// built file by file: inspection names the release, both kernel flavours and the
// kernel chosen (the flavour links are not kernels); a whole conversion changes
// exactly the expected files, a dry run writes nothing, a second run changes
// nothing, rollback is exact; SUSE's mkinitrd ran with the root device it needs,
// named as under KVM; a guest with only kernel-xen is refused with zypper's hint.
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import t from 'tap';
import { buildSles11Guest } from '../../scripts/images/build.js';
import { SLES11_KERNEL, SLES11_XEN_KERNEL } from '../../scripts/images/suse-tree.js';
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
}
