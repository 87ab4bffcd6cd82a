// The one kernel command line for KVM, for every boot path — a GRUB legacy kernel
// line, GRUB 2's defaults and grub.cfg, the domain's direct-boot <cmdline>, a dom0
// kernel's root= and extra= — from the guest's facts: Xen-only arguments dropped,
// root= and resume= renamed by the Xen → KVM device map, the console on tty0 +
// ttyS0 at the chosen speed, and net.ifnames=0 where udev would rename the ethN
// its network configuration names. Pure; what it cannot rename is a warning.
import { isXenOnlyArg, serialConsoleArgs } from '../formats/cmdline.js';
import { renameGuestDevice, type DeviceMap } from './devmap.js';
import { xenByIdName } from './disk.js';
import { warning, type Warning } from '../errors.js';

export interface CmdlineFacts {
  deviceMap: DeviceMap;
  serialSpeed: number;
  /** 'ifnames-off': the guest's network configuration names ethN and udev would rename them (net.ifnames=0). */
  netNames: 'ifnames-off' | 'keep';
  warn(w: Warning): void;
}

/** A Xen disk name (/dev/xvdXN, hdXN, sdXN, SUSE's /dev/disk/by-id/xen-xvdX[-part]N) renamed per the device map; anything else as it is; a disk the map lacks is a warning. */
export function remapXenDevice(given: string, map: DeviceMap, warn: (w: Warning) => void, where: string): string {
  // A virtio disk has no by-id link unless the domain gives it a serial: the plain name it will have.
  const dev = xenByIdName(given) ?? given;
  if (!/^\/dev\/(xvd|hd|sd)[a-z]+\d*$/.test(dev)) return given;
  const r = renameGuestDevice(map, dev);
  if (r === undefined) {
    warn(warning('device-not-a-disk', `${where}: ${dev} is none of the guest's disks; left as it is (fix it by hand if the guest needs it)`));
    return given;
  }
  return r;
}

/**
 * The command line made right for KVM. `console: false` for a line that is only
 * added to another (GRUB_CMDLINE_LINUX_DEFAULT, # defoptions=): Xen-only words
 * dropped and devices renamed, no console or interface names added. Idempotent.
 */
export function kvmCmdline(args: string[], f: CmdlineFacts, where: string, console = true): string[] {
  let out = args.filter((a) => !isXenOnlyArg(a) || /^console=/.test(a)).map((a) => {
    const m = /^(root|resume)=(\/dev\/\S+)$/.exec(a);
    return m ? `${m[1]}=${remapXenDevice(m[2], f.deviceMap, f.warn, where)}` : a;
  });
  out = console ? serialConsoleArgs(out, f.serialSpeed) : out.filter((a) => !isXenOnlyArg(a));
  if (console && f.netNames === 'ifnames-off' && !out.some((a) => a.startsWith('net.ifnames='))) out.push('net.ifnames=0');
  return out;
}
