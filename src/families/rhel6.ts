// RHEL / CentOS / Oracle / Scientific Linux 6: one pvops kernel for Xen and KVM
// (console=hvc0), GRUB legacy, upstart, dracut 004, kmod's /etc/modprobe.d (*.conf
// only). The menu edits and the RHEL 5 ones that still apply; the consoles are
// upstart's.
import { DRACUT } from '../edits/initrd/dialects.js';
import { activeConsoles } from '../edits/console/active-consoles.js';
import { deviceMap } from '../edits/grub-legacy/device-map.js';
import { sysconfigGrub } from '../edits/grub-legacy/sysconfig-grub.js';
import { deviceNames } from '../edits/storage/device-names.js';
import { dracutConfEdit } from '../edits/initrd/dracut-conf.js';
import { grubConsole } from '../edits/grub-legacy/console.js';
import { grubDefault } from '../edits/grub-legacy/default.js';
import { initrd } from '../edits/initrd/mkinitrd.js';
import { modprobe } from '../edits/net/modprobe.js';
import { persistentNet } from '../edits/net/persistent-net.js';
import { securetty } from '../edits/console/securetty.js';
import { selinuxRelabel } from '../edits/system/selinux.js';
import { sysconfigKernel } from '../edits/system/sysconfig-kernel.js';
import { isRedHat, RHEL_COMMON } from './rhel.js';
import type { Family } from './types.js';

export const rhel6: Family = {
  ...RHEL_COMMON,
  key: 'rhel6',
  label: 'RHEL family 6 (RHEL, CentOS, Oracle Linux, Scientific Linux 6)',
  recognizes: (os) => isRedHat(os) && os.distro !== 'fedora' && os.major === 6,
  modprobe: { everyFile: false, create: false },
  initrd: { dracut: DRACUT },
  bootLoaders: ['grub-legacy'],
  edits: [
    grubDefault,
    grubConsole,
    deviceMap,
    sysconfigGrub,
    modprobe,
    activeConsoles,
    securetty,
    deviceNames,
    sysconfigKernel,
    persistentNet,
    dracutConfEdit,
    initrd,
    selinuxRelabel,
  ],
};
