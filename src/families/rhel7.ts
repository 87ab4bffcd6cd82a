// RHEL / CentOS / Oracle / Scientific Linux 7 and later, and Fedora: GRUB 2
// (grub2-mkconfig, linux16 lines, grubenv), systemd consoles, dracut, and — with
// --boot mbr — the guest's GRUB in the MBR.
import { DRACUT } from '../edits/initrd/dialects.js';
import { deviceMap } from '../edits/grub-legacy/device-map.js';
import { deviceNames } from '../edits/storage/device-names.js';
import { dracutConfEdit } from '../edits/initrd/dracut-conf.js';
import { grub2CfgEdit } from '../edits/grub2/cfg.js';
import { grub2Defaults } from '../edits/grub2/defaults.js';
import { grubenv } from '../edits/grub2/grubenv.js';
import { grubInstall } from '../edits/grub2/install.js';
import { grubMkconfig } from '../edits/grub2/mkconfig.js';
import { initrd } from '../edits/initrd/mkinitrd.js';
import { modprobe } from '../edits/net/modprobe.js';
import { persistentNet } from '../edits/net/persistent-net.js';
import { securetty } from '../edits/console/securetty.js';
import { selinuxRelabel } from '../edits/system/selinux.js';
import { serialGettyLinks } from '../edits/console/serial-getty.js';
import { sysconfigKernel } from '../edits/system/sysconfig-kernel.js';
import { isRedHat, RHEL_COMMON } from './rhel.js';
import type { Family } from './types.js';

export const rhel7: Family = {
  ...RHEL_COMMON,
  key: 'rhel7',
  label: 'RHEL family 7 on, and Fedora (RHEL, CentOS, Oracle Linux, Scientific Linux 7)',
  recognizes: (os) => isRedHat(os) && (os.distro === 'fedora' || os.major >= 7),
  modprobe: { everyFile: false, create: false },
  initrd: { dracut: DRACUT },
  bootLoaders: ['grub2'],
  edits: [
    grub2Defaults,
    deviceMap,
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
  ],
};
