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
  initrd,
  grubMkconfig,
  grub2CfgEdit,
  grubInstall,
];

/**
 * Each family's list of edits, in order. A new family is a new list here (its
 * edits picked from the shared folders, plus any of its own in a folder named for
 * it) and its inspection in guest/ — never a branch inside a shared edit.
 */
export const FAMILIES: Record<string, Edit[] | undefined> = {
  rhel: RHEL_EDITS,
  debian: DEBIAN_EDITS,
  // suse: and SUSE's.
};

/** The edits for a guest family (RHEL and Debian families so far). */
export function editsFor(family: string): Edit[] | undefined {
  return FAMILIES[family];
}
