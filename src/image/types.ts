// What an attached guest looks like: its disks and every block device on them.
import type { XenDisk } from '../xen/types.js';
import type { PartitionTable } from './layout.js';

export type AttachStrategy = 'kpartx' | 'loop';

/** A filesystem-bearing (or PV) device of the guest, attached on the host. */
export interface BlockDevice {
  /** Host device path: /dev/loop3, /dev/mapper/loop0p1, /dev/mapper/VolGroup00-LogVol00. */
  device: string;
  kind: 'partition' | 'disk' | 'lv' | 'md' | 'luks';
  /** The Xen disk it is on (for LVs: the disk of its PV). */
  vdev: string;
  /** Partition number on that disk (0 for a whole disk or an LV). */
  partition: number;
  vg?: string;
  lv?: string;
  fstype?: string;
  label?: string;
  uuid?: string;
  /** md arrays: the array's name (MD_NAME without the host part) and UUID. */
  mdName?: string;
  mdUuid?: string;
  /** LUKS mappings: the container's device and its LUKS UUID. */
  luksOf?: string;
  luksUuid?: string;
  /** Names the guest gives this device in /etc/crypttab (/dev/mapper/NAME). */
  mapperAliases?: string[];
  /** btrfs: the subvolume to mount (from fstab's subvol=, or where the root was found). */
  subvol?: string;
}

export interface AttachedDisk {
  disk: XenDisk;
  /** The image file or host block device. */
  source: string;
  /** The device carrying the whole disk (a loop or nbd device, or the block device itself). */
  whole: string;
  /** Partition table, or undefined for a bare filesystem (or PV). */
  table?: PartitionTable;
}

export interface AttachedGuest {
  strategy: AttachStrategy;
  readOnly: boolean;
  disks: AttachedDisk[];
  devices: BlockDevice[];
  /** Guest VGs: name, uuid, how they were made available. */
  vgs: { name: string; uuid: string; via: 'activation' | 'loop'; clash?: boolean }[];
  /** Things worth telling the user (VG clashes, skipped LVs …). */
  notes: string[];
}
