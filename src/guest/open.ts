// Attach → activate → mount, for a guest described by its Xen disks.
import { attachGuest, type AttachOptions } from '../image/attach.js';
import { mountGuest, type MountedGuest } from './mount.js';
import type { Acquirer } from '../image/acquire.js';
import type { AttachedGuest } from '../image/types.js';
import { log } from '../log.js';
import { pausePoint } from '../debug.js';
import type { XenDisk } from '../xen/types.js';

export interface OpenOptions extends AttachOptions {
  root?: string;
  /** Mount read-only although the disks are attached read-write (plan first, write later). */
  mountReadOnly?: boolean;
}

export interface OpenGuest {
  attached: AttachedGuest;
  mounted: MountedGuest;
}

export async function openGuest(disks: XenDisk[], opts: OpenOptions, acq: Acquirer): Promise<OpenGuest> {
  log.info(`attaching ${disks.filter((d) => d.device === 'disk').length} disk(s) ${opts.readOnly ? 'read-only ' : ''}(${opts.strategy === 'auto' ? 'auto' : opts.strategy})…`);
  const attached = await attachGuest(disks, opts, acq);
  log.verbose(`attached with ${attached.strategy}: ${attached.devices.map((d) => `${d.device}${d.fstype ? ` (${d.fstype})` : ''}`).join(', ')}`);
  await pausePoint('attached');
  const mounted = await mountGuest(attached, acq, opts.root, opts.readOnly || !!opts.mountReadOnly);
  log.info(`mounted ${mounted.mounts.map((m) => m.mountpoint).join(', ')}`);
  await pausePoint('mounted');
  return { attached, mounted };
}

/** The whole-disk devices as attached now, by the guest's disk name: where boot-loader regions are read and restored. */
export function diskDevices(attached: AttachedGuest): Record<string, string> {
  return Object.fromEntries(attached.disks.filter((d) => d.disk.device === 'disk').map((d) => [d.disk.vdev, d.whole]));
}
