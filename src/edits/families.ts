// The guest edits per family, in the order they are applied — the seed post's
// steps, one per file, taken from the shared folders (grub-legacy/, storage/,
// initrd/, console/, net/, system/). `initrd` comes after `modprobe`, whose
// aliases mkinitrd reads.
import { deviceMap } from './grub-legacy/device-map.js';
import { deviceNames } from './storage/device-names.js';
import { grubClock } from './grub-legacy/clock.js';
import { grubConsole } from './grub-legacy/console.js';
import { grubDefault } from './grub-legacy/default.js';
import { initrd } from './initrd/mkinitrd.js';
import { inittab } from './console/inittab.js';
import { kudzu } from './net/kudzu.js';
import { modprobe } from './net/modprobe.js';
import { ntpd } from './system/ntpd.js';
import { persistentNet } from './net/persistent-net.js';
import { securetty } from './console/securetty.js';
import { selinuxRelabel } from './system/selinux.js';
import { sysconfigKernel } from './system/sysconfig-kernel.js';
import { grub2Defaults } from './grub2/defaults.js';
import { grubMkconfig } from './grub2/mkconfig.js';
import { grub2CfgEdit } from './grub2/cfg.js';
import { grubInstall } from './grub2/install.js';
import { initramfsConf, initramfsModules } from './initrd/initramfs-tools.js';
import { serialGettyLinks } from './console/serial-getty.js';
import { upstartConsole } from './console/upstart.js';
import { dracutConfEdit } from './initrd/dracut-conf.js';
import { activeConsoles } from './console/active-consoles.js';
import { grubenv } from './grub2/grubenv.js';
import { grubKopt } from './grub-legacy/kopt.js';
import type { OsInfo } from '../guest/release.js';
import type { Edit } from './types.js';

export const RHEL_EDITS: Edit[] = [
  grubDefault,
  grubConsole,
  grubClock,
  deviceMap,
  modprobe,
  inittab,
  securetty,
  deviceNames,
  kudzu,
  ntpd,
  sysconfigKernel,
  persistentNet,
  initrd,
  selinuxRelabel,
];

/**
 * Debian and Ubuntu: GRUB 2 (or GRUB legacy's menu.lst on Debian ≤ 5 / Ubuntu ≤
 * 9.04, with the RHEL-family menu edits), initramfs-tools or dracut, systemd /
 * sysvinit / upstart consoles, udev's interface names, and — with `--boot mbr` —
 * the guest's GRUB in the MBR. grub.cfg is regenerated after the initramfs, as the
 * kernel packages' own hooks do.
 */
export const DEBIAN_EDITS: Edit[] = [
  grubDefault,
  grubConsole,
  grubKopt,
  deviceMap,
  grub2Defaults,
  inittab,
  upstartConsole,
  serialGettyLinks,
  securetty,
  deviceNames,
  persistentNet,
  initramfsConf,
  initramfsModules,
  dracutConfEdit,
  initrd,
  grubMkconfig,
  grub2CfgEdit,
  grubInstall,
];

/**
 * RHEL / CentOS / Oracle / Scientific Linux 6: one pvops kernel for Xen and KVM
 * (console=hvc0), GRUB legacy, upstart, dracut 004, kmod's /etc/modprobe.d. The
 * menu edits and the RHEL 5 ones that still apply; the consoles are upstart's.
 */
export const RHEL6_EDITS: Edit[] = [
  grubDefault,
  grubConsole,
  deviceMap,
  modprobe,
  activeConsoles,
  securetty,
  deviceNames,
  sysconfigKernel,
  persistentNet,
  dracutConfEdit,
  initrd,
  selinuxRelabel,
];

/**
 * RHEL / CentOS / Oracle / Scientific Linux 7 and Fedora: GRUB 2 (grub2-mkconfig,
 * linux16 lines, grubenv), systemd consoles, dracut, and — with --boot mbr — the
 * guest's GRUB in the MBR.
 */
export const RHEL7_EDITS: Edit[] = [
  grub2Defaults,
  serialGettyLinks,
  securetty,
  deviceNames,
  modprobe,
  sysconfigKernel,
  persistentNet,
  dracutConfEdit,
  initrd,
  grubMkconfig,
  grub2CfgEdit,
  grubenv,
  grubInstall,
  selinuxRelabel,
];

/**
 * Each family's list of edits, in order. A new family is a new list here (its
 * edits picked from the shared folders, plus any of its own in a folder named for
 * it) and its inspection in guest/ — never a branch inside a shared edit.
 */
export const FAMILIES: Record<string, Edit[] | undefined> = {
  rhel: RHEL_EDITS,
  rhel6: RHEL6_EDITS,
  rhel7: RHEL7_EDITS,
  debian: DEBIAN_EDITS,
  // suse: and SUSE's.
};

/** Which list a system takes: RHEL 5 and older, RHEL 6, RHEL 7 on and Fedora, Debian/Ubuntu. */
export function familyKey(os: Pick<OsInfo, 'family' | 'distro' | 'major'>): string {
  if (os.family !== 'rhel') return os.family;
  if (os.distro === 'fedora' || os.major >= 7) return 'rhel7';
  return os.major === 6 ? 'rhel6' : 'rhel';
}

/** The edits for a guest's system (RHEL 5/6/7 and Fedora, Debian and Ubuntu so far). */
export function editsFor(os: Pick<OsInfo, 'family' | 'distro' | 'major'>): Edit[] | undefined {
  return FAMILIES[familyKey(os)];
}
