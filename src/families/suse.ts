// SUSE (it shipped Xen as its hypervisor for a decade). SLES 10 and 11, whose PV
// guests run kernel-xen: GRUB legacy's menu.lst and device.map with the Xen disks by
// SUSE's /dev/disk/by-id/xen-* names, perl-Bootloader's /etc/sysconfig/bootloader
// (the arguments every later kernel update writes), SUSE's mkinitrd and
// INITRD_MODULES in /etc/sysconfig/kernel, sysvinit (inittab, securetty). SLES 12
// and 15, openSUSE Leap 15 (one pvops -default kernel): GRUB 2 (/etc/default/grub,
// grub.cfg, grubenv), dracut with SUSE's host-only defaults overridden in
// /etc/dracut.conf.d, systemd's serial getty, and btrfs roots in snapper's default
// subvolume (found by inspection). Both: udev's 70-persistent-net.rules and the
// ifcfg files of /etc/sysconfig/network (sysconfig, wicked). The kernel to boot is
// kernel-default; a guest with only kernel-xen is refused with zypper's hint.
import { DRACUT } from '../edits/initrd/dialects.js';
import { deviceMap } from '../edits/grub-legacy/device-map.js';
import { dracutConfEdit } from '../edits/initrd/dracut-conf.js';
import { grub2CfgEdit } from '../edits/grub2/cfg.js';
import { grub2Defaults } from '../edits/grub2/defaults.js';
import { grubenv } from '../edits/grub2/grubenv.js';
import { grubInstall } from '../edits/grub2/install.js';
import { grubMkconfig } from '../edits/grub2/mkconfig.js';
import { serialGettyLinks } from '../edits/console/serial-getty.js';
import { deviceNames } from '../edits/storage/device-names.js';
import { grubConsole } from '../edits/grub-legacy/console.js';
import { grubDefault } from '../edits/grub-legacy/default.js';
import { inittab } from '../edits/console/inittab.js';
import { persistentNet } from '../edits/net/persistent-net.js';
import { securetty } from '../edits/console/securetty.js';
import { SUSE_MKINITRD, suseInitrd, suseInitrdModules } from '../edits/initrd/suse-mkinitrd.js';
import { sysconfigBootloader } from '../edits/system/sysconfig-bootloader.js';
import { ethNamesUnderSystemd } from './net-naming.js';
import type { Family } from './types.js';

export const suse: Family = {
  key: 'suse',
  label: 'SUSE family (SUSE Linux Enterprise Server 10-15, openSUSE Leap 15)',
  recognizes: (os) => os.family === 'suse' && ((os.distro === 'sles' && os.major >= 10 && os.major <= 15) || (os.distro === 'opensuse' && (os.major === 15 || os.major === 42))),
  // module-init-tools; no edit of SUSE's reads modprobe files (udev loads Xen's front-ends, nothing aliases them).
  modprobe: { everyFile: true, create: false },
  needsClockFix: () => false,
  // sysvinit (10, 11) and udev's 70-persistent-net.rules (by MAC, for any driver): the MAC is kept, so eth0
  // stays eth0. Under systemd (12 on) a configuration that names ethN gets net.ifnames=0, so no udev
  // policy can call the virtio NIC ens3.
  netNaming: ethNamesUnderSystemd,
  network: { dir: '/etc/sysconfig/network', file: /^ifcfg-(eth\d+)$/, macKey: 'LLADDR' },
  xenFlavour: /-xen(pae)?$/,
  initrd: { mkinitrd: SUSE_MKINITRD, dracut: DRACUT },
  bootLoaders: ['grub-legacy', 'grub2'],
  kernelHint: { install: '"zypper install kernel-default"', update: '"zypper update kernel-default"', minimum: 'SLES 10 SP3 / SLES 11' },
  edits: [
    grubDefault,
    grubConsole,
    deviceMap,
    sysconfigBootloader,
    grub2Defaults,
    inittab,
    serialGettyLinks,
    securetty,
    deviceNames,
    persistentNet,
    suseInitrdModules,
    dracutConfEdit,
    suseInitrd,
    grubMkconfig,
    grub2CfgEdit,
    grubenv,
    grubInstall,
  ],
};
