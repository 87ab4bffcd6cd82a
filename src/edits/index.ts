// The guest edits, in the order they are applied — the seed post's steps, one
// per file. `initrd` comes after `modprobe`, whose aliases mkinitrd reads.
import { deviceMap } from './device-map.js';
import { deviceNames } from './device-names.js';
import { grubClock } from './grub-clock.js';
import { grubConsole } from './grub-console.js';
import { grubDefault } from './grub-default.js';
import { initrd } from './initrd.js';
import { inittab } from './inittab.js';
import { kudzu } from './kudzu.js';
import { modprobe } from './modprobe.js';
import { ntpd } from './ntpd.js';
import { persistentNet } from './persistent-net.js';
import { securetty } from './securetty.js';
import { selinuxRelabel } from './selinux.js';
import { sysconfigKernel } from './sysconfig-kernel.js';
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
