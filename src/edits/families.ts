// The guest edits, in the order they are applied — the seed post's steps, one
// per file. `initrd` comes after `modprobe`, whose aliases mkinitrd reads.
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

/** The edits for a guest family; only RHEL-family guests are converted so far. */
export function editsFor(family: string): Edit[] | undefined {
  return family === 'rhel' ? RHEL_EDITS : undefined;
}
