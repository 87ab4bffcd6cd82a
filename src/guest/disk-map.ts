// Which Xen disk becomes which virtio disk, and what the guest keeps on each:
// `xvda2 → vdb (/)`, `xvda1 → vda (swap)` — said by inspect and convert, so a
// partitionless guest (one image per filesystem, as xen-tools makes them) shows
// how its fstab and resume= are renamed. Pure.
import type { BlockDevice } from '../image/types.js';
import { planDevices } from '../xen/devmap.js';
import type { XenGuest } from '../xen/types.js';

export interface DiskMapping {
  xen: string;
  kvm: string;
  /** Mount points (and "swap") of what the guest keeps on that disk. */
  holds: string[];
}

export function diskMapping(guest: XenGuest, devices: BlockDevice[], mounts: { device: string; mountpoint: string }[]): DiskMapping[] {
  return planDevices(guest, { machine: 'pc', hvmVirtio: false }).disks.filter((p) => p.disk.device === 'disk').map((p) => {
    const on = devices.filter((d) => d.vdev === p.disk.vdev);
    const holds = [
      ...mounts.filter((m) => on.some((d) => d.device === m.device)).map((m) => m.mountpoint),
      ...on.filter((d) => d.fstype === 'swap').map(() => 'swap'),
    ];
    return { xen: p.disk.vdev, kvm: p.target, holds: [...new Set(holds)] };
  });
}

/** `xvda1 → vda (swap), xvda2 → vdb (/)`. */
export function formatDiskMapping(map: DiskMapping[]): string {
  return map.map((d) => `${d.xen} → ${d.kvm}${d.holds.length ? ` (${d.holds.join(', ')})` : ''}`).join(', ');
}
