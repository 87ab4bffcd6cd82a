// Which attached device an fstab (or kernel command line) device spec means:
// LABEL= / UUID=, /dev/VG/LV and /dev/mapper/VG-LV, /dev/disk/by-*, and Xen disk
// names (/dev/xvda2, with the hd / sd aliases Xen also shows, and the
// /dev/disk/by-id/xen-xvda2 or xen-xvda-part2 links SUSE's installer writes) via the
// config's vdev list. Pure.
import { vdevDiskIndex, vdevPartition, xenByIdName } from '../xen/disk.js';
import { mapperName } from '../lvm/report.js';
import type { BlockDevice } from './types.js';

export function resolveDeviceSpec(spec: string, devices: BlockDevice[]): BlockDevice | undefined {
  const byXenId = xenByIdName(spec);
  if (byXenId) return resolveDeviceSpec(byXenId, devices);
  const eq = /^(LABEL|UUID|PARTUUID|PARTLABEL)=(.*)$/.exec(spec);
  const byLink = /^\/dev\/disk\/by-(label|uuid)\/(.+)$/.exec(spec);
  if (eq || byLink) {
    const kind = (eq?.[1] ?? byLink![1]).toUpperCase();
    const value = (eq?.[2] ?? byLink![2].replace(/\\x2f/g, '/')).replace(/^"(.*)"$/, '$1');
    if (kind === 'LABEL') return devices.find((d) => d.label === value);
    if (kind === 'UUID') return devices.find((d) => d.uuid?.toLowerCase() === value.toLowerCase());
    return undefined;
  }
  const lvPath = /^\/dev\/([^/]+)\/([^/]+)$/.exec(spec);
  if (lvPath && !/^(mapper|disk)$/.test(lvPath[1])) {
    const lv = devices.find((d) => d.kind === 'lv' && d.vg === lvPath[1] && d.lv === lvPath[2]);
    if (lv) return lv;
  }
  const mapper = /^\/dev\/mapper\/(.+)$/.exec(spec);
  if (mapper) {
    // An LV, an opened LUKS container (luks-UUID, or the guest's crypttab name).
    return devices.find((d) => d.kind === 'lv' && mapperName(d.vg!, d.lv!) === mapper[1])
      ?? devices.find((d) => d.kind === 'luks' && (`luks-${d.luksUuid}` === mapper[1] || d.mapperAliases?.includes(mapper[1])));
  }
  // md arrays: /dev/md0, /dev/md/0, /dev/md/NAME (the array's name, host part dropped).
  const md = /^\/dev\/md\/?(.+)$/.exec(spec);
  if (md) return devices.find((d) => d.kind === 'md' && (d.mdName === md[1] || d.mdName === md[1].replace(/^md/, '')));
  const xen = /^\/dev\/(xvd|hd|sd)([a-z]+)(\d*)$/.exec(spec);
  if (xen) {
    const index = vdevDiskIndex(`xvd${xen[2]}`);
    const part = Number(xen[3] || 0);
    // A partition-disk (vdev xvda2) holds exactly that partition.
    const flat = devices.find((d) => d.kind === 'disk' && vdevDiskIndex(d.vdev) === index && vdevPartition(d.vdev) === part && part > 0);
    if (flat) return flat;
    return devices.find((d) => (d.kind === 'disk' || d.kind === 'partition') && vdevDiskIndex(d.vdev) === index && vdevPartition(d.vdev) === 0 && d.partition === part);
  }
  return undefined;
}
