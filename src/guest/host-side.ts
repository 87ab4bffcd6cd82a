// What of the host a guest's own tools may see while they run contained (the
// guest's filesystems under their KVM names, the boot disk for --boot mbr), and
// which host strings must never end up in the guest's files.
import type { AttachedGuest } from '../image/types.js';
import { run as runCommand } from '../run.js';
import { planDevices, renameGuestDevice } from '../xen/devmap.js';
import type { XenGuest } from '../xen/types.js';
import { grubModules, type BootMode } from './boot.js';
import type { MountedGuest } from './mount.js';

export interface HostSide {
  /** Host block devices of the guest's mounted filesystems, with the names the guest gives them under KVM (for grub-mkconfig). */
  devices: { host: string; name: string; uuid?: string }[];
  /** The guest's filesystems by those names, to be mounted again inside the container (empty when they cannot be named so). */
  mounts: { mountpoint: string; name: string; fstype: string; options: string }[];
  /** The boot disk as attached (`device`, on the host) and named in the container (`name`): where a boot loader is installed, and how many bytes precede its first partition. */
  bootDisk?: { disk: string; device: string; name: string; headBytes: number; table: 'dos' | 'gpt'; modules: string[] };
  /** Host strings that must never end up in the guest's files: its device paths, the host root's UUID. */
  leaks: string[];
}

// The host's own root filesystem UUID (findmnt), asked once per process: a batch asks it for every guest.
let hostRoot: Promise<string> | undefined;
function hostRootUuid(): Promise<string> {
  hostRoot ??= runCommand('findmnt', ['-n', '-o', 'UUID', '/'], { timeoutMs: 10_000 }).then((r) => r.stdout.trim(), () => '');
  return hostRoot;
}

/**
 * What of the host the guest's own tools may see: its filesystems' devices under the
 * names the guest gives them under KVM (so grub-mkconfig never writes a host name),
 * and for `--boot mbr` its boot disk as a block device. And what must never show up
 * in its files: the host's device paths and root UUID.
 */
export async function hostSide(guest: XenGuest, opts: { machine: string; hvmVirtio: boolean; dryRun: boolean }, opened: { attached: AttachedGuest; mounted: MountedGuest }, boot: BootMode): Promise<HostSide> {
  const mounted = opened.mounted;
  const map = planDevices(guest, { machine: opts.machine, hvmVirtio: opts.hvmVirtio });
  const deviceOf = (device: string) => opened.attached.devices.find((x) => x.device === device);
  const nameOf = (d: ReturnType<typeof deviceOf>): string | undefined => {
    if (!d) return undefined;
    if (d.kind === 'lv') return `/dev/mapper/${d.vg!.replace(/-/g, '--')}-${d.lv!.replace(/-/g, '--')}`;
    if (d.kind !== 'partition' && d.kind !== 'disk') return undefined;
    return renameGuestDevice(map, `/dev/${d.vdev}${d.partition > 0 ? d.partition : ''}`);
  };
  const named = mounted.mounts.map((m) => {
    const d = deviceOf(m.device);
    return { m, name: nameOf(d), uuid: d?.uuid };
  });
  const nameable = named.every((x) => x.name && (x.m.fstype !== 'btrfs' || x.m.mountpoint === '/'));
  const devices = named.map(({ m, name, uuid }) => ({ host: m.device, name: nameable ? name! : m.device, ...(nameable && uuid ? { uuid } : {}) }));
  const mounts = nameable ? named.map(({ m, name }) => ({
    mountpoint: m.mountpoint, name: name!, fstype: m.fstype,
    options: m.fstype === 'btrfs' && mounted.rootSubvol && mounted.rootSubvol !== '/' ? `rw,subvol=${mounted.rootSubvol}` : 'rw',
  })) : [];
  const rootUuid = await hostRootUuid();
  const leaks = [...new Set([...opened.attached.devices.map((d) => d.device), ...opened.attached.disks.map((d) => d.whole), ...(rootUuid ? [rootUuid] : [])])];
  const disk = opened.attached.disks[0];
  if (boot !== 'mbr' || !disk?.table || opts.dryRun) return { devices, mounts, leaks };
  const first = Math.min(...disk.table.partitions.map((p) => p.startBytes));
  const bootMount = mounted.mounts.find((m) => m.mountpoint === '/boot') ?? mounted.mounts.find((m) => m.mountpoint === '/')!;
  const bootDev = deviceOf(bootMount.device);
  // The whole disk as a block device is attached in the apply stage, after the read-write remount.
  return {
    devices, mounts, leaks,
    bootDisk: {
      disk: disk.disk.vdev, device: disk.whole, name: renameGuestDevice(map, `/dev/${disk.disk.vdev}`) ?? `/dev/${disk.disk.vdev}`,
      headBytes: Math.min(first, 1024 * 1024), table: disk.table.label === 'gpt' ? 'gpt' : 'dos',
      modules: grubModules(disk.table.label, bootMount.fstype, bootDev?.kind === 'lv'),
    },
  };
}
