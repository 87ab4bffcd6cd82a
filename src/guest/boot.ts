// How the KVM domain will boot a guest (pure): from its disk's own boot loader,
// from the guest's GRUB installed into the MBR by this conversion (`mbr`), or by
// libvirt loading its kernel and initrd directly (`direct`). `--boot auto` picks
// `mbr` when the MBR is empty, the disk is partitioned and the guest has GRUB 2
// for BIOS (grub-pc); `direct` otherwise. inspect says which, and why.
import { UserError } from '../errors.js';
import { mbrProblem, type BootCode } from '../image/mbr.js';
import type { GuestFacts } from './inspect.js';
import { loaderOf } from './bootloader.js';

export type BootWanted = 'auto' | 'mbr' | 'direct';
export type BootMode = 'disk' | 'mbr' | 'direct';

export interface BootSituation {
  /** The config boots a dom0 kernel, or the disks hold bare filesystems: only direct boot can work. */
  configDirect?: 'dom0-kernel' | 'partitionless';
  /** The boot disk has a partition table. */
  partitioned: boolean;
  /** What is in the boot disk's MBR (undefined when the guest had no Xen boot loader: it booted from its disk). */
  mbr?: BootCode;
}

export function chooseBootMode(want: BootWanted, s: BootSituation, facts: Pick<GuestFacts, 'bootloader' | 'grub2'>): { boot: BootMode; why: string } {
  const loader = loaderOf(facts.bootloader);
  const canInstall = !!loader?.installable(facts.grub2);
  const noInstall = !loader ? 'the guest boots with no boot loader menu, and --boot mbr installs the guest\'s own GRUB 2'
    : loader.kind === 'grub2' ? 'the guest has no GRUB for BIOS (grub-install and /usr/lib/grub/i386-pc: Debian\'s grub-pc, RHEL\'s grub2-pc, SUSE\'s grub2-i386-pc)'
      : 'the guest boots with GRUB legacy, and --boot mbr installs GRUB 2';
  if (s.configDirect) {
    const why = s.configDirect === 'dom0-kernel' ? 'its Xen config boots a kernel kept in dom0' : 'its disks hold bare filesystems (no partition table, so no MBR to boot from)';
    if (want === 'mbr') throw new UserError(`--boot mbr cannot work for this guest: ${why}`, 'Convert it with --boot direct (or auto): libvirt boots its kernel directly.');
    return { boot: 'direct', why };
  }
  if (want === 'direct') return { boot: 'direct', why: 'asked for (--boot direct): libvirt loads the guest\'s kernel and initrd' };
  if (want === 'mbr') {
    if (!s.partitioned) throw new UserError('--boot mbr needs a partitioned boot disk', 'Convert it with --boot direct.');
    if (!canInstall) throw new UserError(`--boot mbr cannot work for this guest: ${noInstall}`, 'Convert it with --boot direct (or install grub-pc in the guest under Xen first).');
    return { boot: 'mbr', why: 'asked for (--boot mbr): the guest\'s GRUB is installed in the MBR' };
  }
  if (s.mbr === undefined) return { boot: 'disk', why: 'the guest booted from its own disk under Xen' };
  const mbr = mbrProblem(s.mbr);
  if (!mbr) return { boot: 'disk', why: `the boot disk's MBR holds ${s.mbr}` };
  if (canInstall && s.partitioned) return { boot: 'mbr', why: `the boot disk's MBR ${mbr}, and the guest has GRUB for BIOS: its grub-install puts GRUB in the MBR` };
  return { boot: 'direct', why: `the boot disk's MBR ${mbr}, and ${noInstall}: libvirt boots its kernel directly` };
}

/** GRUB modules a boot loader installed from outside needs: the partition map, /boot's filesystem, LVM when /boot is on an LV. */
export function grubModules(table: string, bootFs: string | undefined, bootOnLv: boolean): string[] {
  const mods = [table === 'gpt' ? 'part_gpt' : 'part_msdos'];
  const fs = bootFs && /^ext[234]$/.test(bootFs) ? 'ext2' : bootFs === 'xfs' || bootFs === 'btrfs' ? bootFs : 'ext2';
  mods.push(fs);
  if (bootOnLv) mods.push('lvm');
  return mods;
}
