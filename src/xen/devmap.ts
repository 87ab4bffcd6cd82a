// Where each Xen disk lands on KVM, and how guest device names change with it.
// Linux names virtio disks in probe order (vda, vdb, …) with no gaps, so Xen disks
// are renumbered in order: xvda, xvdc → vda, vdb. A partitionless disk (xvda1 is a
// whole file or LV holding one filesystem) becomes a whole disk of its own.
// The guest edits use `renameGuestDevice` for fstab, grub root= and friends.
import { diskLetters, vdevDiskIndex, vdevPartition, VDEV_RE } from './disk.js';
import type { XenDisk, XenGuest } from './types.js';

export type KvmBus = 'virtio' | 'ide' | 'sata' | 'scsi';

export interface DiskPlacement {
  disk: XenDisk;
  /** Target device name in the domain XML (vda, hdc, sda). */
  target: string;
  bus: KvmBus;
  /** Xen names the guest may use for this disk → the name under KVM (no /dev/). */
  renames: { from: string; to: string; wholeDisk: boolean }[];
}

export interface DeviceMap {
  disks: DiskPlacement[];
  /** True when the guest's disks carry bare filesystems (xvda1-style vdevs). */
  partitionless: boolean;
}

export interface PlacementOptions {
  machine: string;
  /** Put HVM guests' disks on virtio too (default: keep emulated buses). */
  hvmVirtio: boolean;
}

/** Plans every disk's KVM target and the guest-visible renames. Throws Error on what KVM cannot place. */
export function planDevices(guest: XenGuest, opts: PlacementOptions): DeviceMap {
  const q35 = /q35/.test(opts.machine);
  const virtio = guest.type !== 'hvm' || opts.hvmVirtio;
  const order = (d: XenDisk) => vdevDiskIndex(d.vdev) * 1000 + vdevPartition(d.vdev);
  const disks = [...guest.disks].sort((a, b) => order(a) - order(b));
  const placements: DiskPlacement[] = [];
  const used = new Set<string>();
  let nextVirtio = 0;
  let current: XenDisk | undefined;
  const emulated = (prefix: 'hd' | 'sd', preferred: number): string => {
    const limit = prefix === 'hd' ? 4 : 26 * 27;
    let i = preferred >= 0 && !used.has(prefix + diskLetters(preferred)) ? preferred : 0;
    while (used.has(prefix + diskLetters(i))) i++;
    if (i >= limit) throw new Error(`${current ? `${guest.file}:${current.pos.line}:${current.pos.column}: disk ${current.vdev}: ` : ''}too many IDE devices: machine ${opts.machine} has room for 4 (hda-hdd); use --machine q35 for SATA`);
    return prefix + diskLetters(i);
  };

  for (const disk of disks) {
    current = disk;
    const m = VDEV_RE.exec(disk.vdev)!;
    const xenPrefix = m[1] ?? 'xvd';
    const index = vdevDiskIndex(disk.vdev);
    const part = vdevPartition(disk.vdev);
    let target: string;
    let bus: KvmBus;
    if (disk.device === 'cdrom') {
      bus = q35 ? 'sata' : 'ide';
      target = q35 ? emulated('sd', -1) : emulated('hd', xenPrefix === 'hd' ? index : 2);
    } else if (virtio) {
      bus = 'virtio';
      target = `vd${diskLetters(nextVirtio++)}`;
    } else if (xenPrefix === 'sd') {
      bus = 'scsi';
      target = emulated('sd', index);
    } else {
      bus = q35 ? 'sata' : 'ide';
      target = q35 ? emulated('sd', index) : emulated('hd', index);
    }
    used.add(target);
    placements.push({ disk, target, bus, renames: renamesFor(disk.vdev, index, part, target, virtio && disk.device === 'disk') });
  }
  return { disks: placements, partitionless: guest.disks.some((d) => d.device === 'disk' && vdevPartition(d.vdev) > 0) };
}

/** Every name the guest may know a Xen disk by (xvdb, hdb, sdb) → its KVM name. */
function renamesFor(vdev: string, index: number, part: number, target: string, renamed: boolean): DiskPlacement['renames'] {
  if (!renamed) return [];
  const letters = diskLetters(index);
  const out: DiskPlacement['renames'] = [];
  for (const prefix of ['xvd', 'hd', 'sd']) {
    const from = `${prefix}${letters}${part > 0 ? part : ''}`;
    out.push({ from, to: target, wholeDisk: part === 0 });
  }
  // The name Xen was given first, so it wins over an alias of another disk.
  out.sort((a, b) => Number(b.from === vdev) - Number(a.from === vdev));
  return out;
}

/**
 * The KVM name for a guest device path (`/dev/xvda2` → `/dev/vda2`,
 * `/dev/xvda1` on a partitionless guest → `/dev/vda`), or undefined when the
 * map does not cover it. Paths that are not Xen-style disk names come back unchanged.
 */
export function renameGuestDevice(map: DeviceMap, device: string): string | undefined {
  const m = /^\/dev\/((?:xvd|hd|sd)[a-z]+)([0-9]*)$/.exec(device);
  if (!m) return device;
  const [, base, num] = m;
  // Emulated buses keep the guest's names.
  if (map.disks.every((p) => p.renames.length === 0)) return device;
  // Exact partition-disk match first (xvda1 as its own disk).
  for (const p of map.disks) {
    for (const r of p.renames) {
      if (!r.wholeDisk && r.from === `${base}${num}`) return `/dev/${r.to}`;
    }
  }
  for (const p of map.disks) {
    for (const r of p.renames) {
      if (r.wholeDisk && r.from === base) return `/dev/${r.to}${num}`;
    }
  }
  return undefined;
}
