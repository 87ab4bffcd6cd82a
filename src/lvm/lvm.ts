// Guest LVM, restricted to the guest's own PVs: scan, activate (kpartx strategy)
// or map each linear LV with a loop device (loop strategy), and detect guest VGs
// whose names clash with the host's (both VolGroup00 is common on RHEL).
import { existsSync } from 'node:fs';
import { run } from '../run.js';
import { lvExtents, parseLvSegments, parsePvs, type LvExtent, type PvInfo, type UnmappableLv } from './report.js';

/** Settings for every LVM call: never touch the host's devices file, archive or backup with guest metadata. */
const CONFIG = 'devices { use_devicesfile = 0 } backup { backup = 0 archive = 0 }';
const NO_UDEV = 'activation { udev_sync = 0 udev_rules = 0 verify_udev_operations = 1 }';

/** Environment for LVM and device-mapper tools (no udev when none runs). */
export function lvmEnv(): Record<string, string> {
  const env: Record<string, string> = { LVM_SUPPRESS_FD_WARNINGS: '1' };
  if (!existsSync('/run/udev/control')) env.DM_DISABLE_UDEV = '1';
  return env;
}

/** Arguments that restrict an LVM command to the given devices. */
export function lvmArgs(devices: string[], extraConfig = ''): string[] {
  const config = existsSync('/run/udev/control') ? CONFIG : `${CONFIG} ${NO_UDEV}`;
  return ['--config', `${config} ${extraConfig}`.trim(), '--devices', devices.join(',')];
}

export interface GuestLvm {
  pvs: PvInfo[];
  extents: LvExtent[];
  unmappable: UnmappableLv[];
}

/** Reads the guest's VGs and LVs from its PVs only. */
export async function scanGuestLvm(pvDevices: string[]): Promise<GuestLvm> {
  if (pvDevices.length === 0) return { pvs: [], extents: [], unmappable: [] };
  // One `lvm fullreport` (the pvs and lvs --segments reports, per VG, in one process): the PVs'
  // data start and extent size, and every LV segment's extents on them, sorted as lvs sorts them.
  const r = await run('lvm', ['fullreport', ...lvmArgs(pvDevices), '--reportformat', 'json', '--units', 'b', '--nosuffix',
    '--configreport', 'pv', '-o', 'pv_name,pv_uuid,vg_name,vg_uuid,pe_start,vg_extent_size',
    '--configreport', 'seg', '-o', 'vg_name,vg_uuid,lv_name,lv_uuid,segtype,seg_pe_ranges,lv_attr', '-O', 'vg_name,lv_name,seg_start',
    '--configreport', 'vg', '-o', 'vg_name', '--configreport', 'lv', '-o', 'lv_name', '--configreport', 'pvseg', '-o', 'pvseg_start'], { env: lvmEnv() });
  // In the order `pvs` and `lvs --segments` give (fullreport groups by VG; segments sorted by -O above):
  // what inspect lists follows it.
  const pvs = parsePvs(r.stdout).sort((a, b) => (a.pvName < b.pvName ? -1 : a.pvName > b.pvName ? 1 : 0));
  const segs = parseLvSegments(r.stdout);
  const { mapped, unmappable } = lvExtents(pvs.filter((p) => p.vgName), segs);
  return { pvs, extents: mapped, unmappable };
}

/** Every PV LVM sees on this host (the guest's included; callers filter them out by PV UUID). */
export async function hostPvs(): Promise<PvInfo[]> {
  const r = await run('lvm', ['pvs', '--config', CONFIG, '--reportformat', 'json', '-o', 'pv_name,pv_uuid,vg_name,vg_uuid'], { env: lvmEnv(), allowFailure: true });
  if (r.exitCode !== 0 && !r.stdout.trim()) return [];
  return parsePvs(r.stdout);
}

/** Host VGs (on devices that are not the guest's) named like a guest VG but with another UUID. */
export function hostVgClashes(allPvs: PvInfo[], guestPvUuids: string[], guestVgs: { name: string; uuid: string }[]): { name: string; hostUuid: string }[] {
  const host = allPvs.filter((p) => !guestPvUuids.includes(p.pvUuid));
  const out: { name: string; hostUuid: string }[] = [];
  for (const g of guestVgs) {
    const clash = host.find((h) => h.vgName === g.name && h.vgUuid !== g.uuid);
    if (clash && !out.some((o) => o.name === g.name)) out.push({ name: g.name, hostUuid: clash.vgUuid });
  }
  return out;
}

/** Activates one guest VG by UUID, restricted to its PVs (kpartx strategy). */
export async function activateVg(vgUuid: string, devices: string[]): Promise<void> {
  await run('lvm', ['vgchange', '-ay', ...lvmArgs(devices), '--select', `vg_uuid=${vgUuid}`], { env: lvmEnv() });
}
