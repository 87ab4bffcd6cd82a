// Debian and Ubuntu: GRUB 2 (or GRUB legacy's menu.lst on Debian ≤ 5 / Ubuntu ≤
// 9.04, with the RHEL-family menu edits), initramfs-tools or dracut, systemd /
// sysvinit / upstart consoles, udev's interface names, and — with --boot mbr — the
// guest's GRUB in the MBR. grub.cfg is regenerated after the initramfs, as the
// kernel packages' own hooks do.
import { DRACUT, UPDATE_INITRAMFS } from '../edits/initrd/dialects.js';
import { deviceMap } from '../edits/grub-legacy/device-map.js';
import { deviceNames } from '../edits/storage/device-names.js';
import { dracutConfEdit } from '../edits/initrd/dracut-conf.js';
import { grub2CfgEdit } from '../edits/grub2/cfg.js';
import { grub2Defaults } from '../edits/grub2/defaults.js';
import { grubConsole } from '../edits/grub-legacy/console.js';
import { grubDefault } from '../edits/grub-legacy/default.js';
import { grubInstall } from '../edits/grub2/install.js';
import { grubKopt } from '../edits/grub-legacy/kopt.js';
import { grubMkconfig } from '../edits/grub2/mkconfig.js';
import { initramfsConf, initramfsModules } from '../edits/initrd/initramfs-tools.js';
import { initrd } from '../edits/initrd/mkinitrd.js';
import { inittab } from '../edits/console/inittab.js';
import { persistentNet } from '../edits/net/persistent-net.js';
import { securetty } from '../edits/console/securetty.js';
import { serialGettyLinks } from '../edits/console/serial-getty.js';
import { upstartConsole } from '../edits/console/upstart.js';
import { ethNamesUnderSystemd } from './net-naming.js';
import type { Family } from './types.js';

export const debian: Family = {
  key: 'debian',
  label: 'Debian family (Debian 6-12, Ubuntu 10.04-22.04)',
  recognizes: (os) => os.family === 'debian',
  modprobe: { everyFile: false, create: false },
  needsClockFix: () => false,
  // udev's predictable names (Debian 9+, Ubuntu 15.10+, any systemd Debian without
  // 70-persistent-net.rules) call a virtio NIC ens3: a configuration that names ethN
  // (or none: DHCP on the first NIC) needs net.ifnames=0.
  netNaming: ethNamesUnderSystemd,
  network: { dir: '/etc/network', file: /^interfaces$/, macKey: 'hwaddress' },
  xenFlavour: /xen/,
  initrd: { 'update-initramfs': UPDATE_INITRAMFS, dracut: DRACUT },
  bootLoaders: ['grub2', 'grub-legacy'],
  kernelHint: { install: '"apt-get install linux-image-amd64" (or -686; Ubuntu: linux-image-virtual)', update: '"apt-get install linux-image-amd64"', minimum: 'Debian 6 / Ubuntu 10.04' },
  edits: [
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
  ],
};
