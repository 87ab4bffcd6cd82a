// SUSE Linux Enterprise Server 10 and 11 (SUSE shipped Xen as its hypervisor, and
// these PV guests run kernel-xen): GRUB legacy's menu.lst and device.map with the
// Xen disks by SUSE's /dev/disk/by-id/xen-* names, perl-Bootloader's
// /etc/sysconfig/bootloader (the arguments every later kernel update writes),
// SUSE's mkinitrd and INITRD_MODULES in /etc/sysconfig/kernel, sysvinit (inittab,
// securetty), udev's 70-persistent-net.rules and /etc/sysconfig/network's ifcfg
// files. The kernel to boot is kernel-default; a guest with only kernel-xen is
// refused with zypper's hint. SLES 12 on (GRUB 2, dracut, btrfs) is not taken yet.
import { deviceMap } from '../edits/grub-legacy/device-map.js';
import { deviceNames } from '../edits/storage/device-names.js';
import { grubConsole } from '../edits/grub-legacy/console.js';
import { grubDefault } from '../edits/grub-legacy/default.js';
import { inittab } from '../edits/console/inittab.js';
import { persistentNet } from '../edits/net/persistent-net.js';
import { securetty } from '../edits/console/securetty.js';
import { SUSE_MKINITRD, suseInitrd, suseInitrdModules } from '../edits/initrd/suse-mkinitrd.js';
import { sysconfigBootloader } from '../edits/system/sysconfig-bootloader.js';
import type { Family } from './types.js';

export const suse: Family = {
  key: 'suse',
  label: 'SUSE family 10-11 (SUSE Linux Enterprise Server and Desktop 10, 11)',
  recognizes: (os) => os.family === 'suse' && os.distro === 'sles' && os.major >= 10 && os.major <= 11,
  // module-init-tools; no edit of SUSE's reads modprobe files (udev loads Xen's front-ends, nothing aliases them).
  modprobe: { everyFile: true, create: false },
  needsClockFix: () => false,
  // sysvinit and udev's 70-persistent-net.rules (by MAC, for any driver): the MAC is kept, so eth0 stays eth0.
  netNaming: () => 'keep',
  network: { dir: '/etc/sysconfig/network', file: /^ifcfg-(eth\d+)$/, macKey: 'LLADDR' },
  xenFlavour: /-xen(pae)?$/,
  initrd: { mkinitrd: SUSE_MKINITRD },
  bootLoaders: ['grub-legacy'],
  kernelHint: { install: '"zypper install kernel-default"', update: '"zypper update kernel-default"', minimum: 'SLES 10 SP3 / SLES 11' },
  edits: [
    grubDefault,
    grubConsole,
    deviceMap,
    sysconfigBootloader,
    inittab,
    securetty,
    deviceNames,
    persistentNet,
    suseInitrdModules,
    suseInitrd,
  ],
};
