// RHEL 5 and older (RHEL, CentOS, Scientific Linux 5): the seed post's guest.
// kernel-xen, GRUB legacy, sysvinit (inittab, securetty), kudzu, module-init-tools
// (every file in /etc/modprobe.d), Red Hat's mkinitrd; 5.0–5.3 lack kvm-clock.
import { REDHAT_MKINITRD } from '../edits/initrd/dialects.js';
import { deviceMap } from '../edits/grub-legacy/device-map.js';
import { sysconfigGrub } from '../edits/grub-legacy/sysconfig-grub.js';
import { deviceNames } from '../edits/storage/device-names.js';
import { grubClock } from '../edits/grub-legacy/clock.js';
import { grubConsole } from '../edits/grub-legacy/console.js';
import { grubDefault } from '../edits/grub-legacy/default.js';
import { initrd } from '../edits/initrd/mkinitrd.js';
import { inittab } from '../edits/console/inittab.js';
import { kudzu } from '../edits/net/kudzu.js';
import { modprobe } from '../edits/net/modprobe.js';
import { ntpd } from '../edits/system/ntpd.js';
import { persistentNet } from '../edits/net/persistent-net.js';
import { securetty } from '../edits/console/securetty.js';
import { selinuxRelabel } from '../edits/system/selinux.js';
import { sysconfigKernel } from '../edits/system/sysconfig-kernel.js';
import { isRedHat, RHEL_COMMON } from './rhel.js';
import type { Family } from './types.js';

export const rhel5: Family = {
  ...RHEL_COMMON,
  key: 'rhel',
  label: 'RHEL family 5 (RHEL, CentOS, Scientific Linux 5)',
  recognizes: (os) => isRedHat(os) && os.distro !== 'fedora' && os.major <= 5,
  modprobe: { everyFile: true, create: true },
  needsClockFix: (os) => os.major === 5 && os.minor <= 3,
  initrd: { mkinitrd: REDHAT_MKINITRD },
  bootLoaders: ['grub-legacy'],
  edits: [
    grubDefault,
    grubConsole,
    grubClock,
    deviceMap,
    sysconfigGrub,
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
  ],
};
