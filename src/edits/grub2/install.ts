// A boot loader in the MBR (`--boot mbr`): a guest booted through pygrub usually
// has none, and SeaBIOS stops at "No bootable device". The guest's own GRUB is
// installed from the contained chroot, with its disk (and nothing else of the
// host's) in its /dev: `grub-install --target=i386-pc --boot-directory=/boot
// --modules="part_msdos ext2" --force DISK` — part_msdos / part_gpt must be given,
// since the partition is attached on its own and GRUB cannot see the table (without
// it, grub-install reports success and the guest stops at `grub rescue>`). The
// disk's start (MBR and the gap GRUB embeds its core in) is backed up first, and
// every file grub-install makes under /boot/grub is recorded, so rollback is exact.
import { mbrBootCode, mbrProblem } from '../../image/mbr.js';
import type { CommandEdit } from '../types.js';

export const grubInstall: CommandEdit = {
  kind: 'command',
  id: 'grub-install',
  describe: 'the guest\'s GRUB installed in the boot disk\'s MBR (--boot mbr)',
  needed: async (_fs, ctx) => {
    const disk = ctx.host.bootDisk;
    if (ctx.boot !== 'mbr' || !disk) return undefined;
    const code = mbrBootCode(disk.device);
    if (code === 'grub2') return undefined;
    return `the MBR of ${disk.disk} ${mbrProblem(code) ?? `holds ${code} boot code`}`;
  },
  touches: () => [],
  argv: (ctx) => {
    const disk = ctx.host.bootDisk!;
    return [ctx.facts.grub2.install ?? 'grub-install', '--target=i386-pc', '--boot-directory=/boot', `--modules=${disk.modules.join(' ')}`, '--force', disk.device];
  },
  // Under their host names: GRUB names a loop device it cannot place on a BIOS drive by itself
  // and then finds /boot by its UUID (search.fs_uuid in core.img) — while a partition attached
  // on its own but named vda1 would have to be a real partition of vda (which it is not here).
  devices: (ctx) => [ctx.host.bootDisk!.device, ...ctx.host.devices.map((d) => d.host)].map((host) => ({ host, name: host })),
  creates: () => ['/boot/grub', '/boot/grub2'],
  regions: (ctx) => {
    const disk = ctx.host.bootDisk!;
    return [{ disk: disk.disk, device: disk.device, offset: 0, length: disk.headBytes }];
  },
  verify: async (fs, ctx) => {
    const disk = ctx.host.bootDisk!;
    if (mbrBootCode(disk.device) !== 'grub2') throw new Error(`grub-install ran, but the MBR of ${disk.disk} holds no GRUB boot code`);
    // grub-install writes /boot/grub (Debian), grub2-install /boot/grub2 (RHEL, SUSE).
    const dir = (await fs.kind('/boot/grub2/i386-pc/normal.mod')) === 'file' ? '/boot/grub2/i386-pc' : '/boot/grub/i386-pc';
    if ((await fs.kind(`${dir}/normal.mod`)) !== 'file') throw new Error('grub-install ran, but /boot/grub/i386-pc/normal.mod (or /boot/grub2/…) is missing');
    // core.img finds /boot by its UUID; a host device name baked into it would not exist under KVM.
    const core = (await fs.read(`${dir}/core.img`, 4 * 1024 * 1024))?.toString('latin1') ?? '';
    const leak = /\/dev\/(loop|mapper\/loop|nbd)\d*/.exec(core);
    if (leak) throw new Error(`grub-install wrote the host's ${leak[0]} into /boot/grub/i386-pc/core.img`);
  },
};
