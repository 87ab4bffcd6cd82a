// Mounting a guest the way it mounts itself — the policy: find the root
// filesystem, read the guest's own /etc/fstab, and mount what it lists below the
// root (local filesystems of known types only). The mounting itself is image/mount.ts.
import { posix } from 'node:path';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { parseFstab, skipReason, MOUNTABLE } from '../formats/fstab.js';
import { rootFs } from '../tree/fs.js';
import { resolveDeviceSpec } from '../image/resolve.js';
import { mountFilesystem, mountRoot, mountUnder, scratchDir, unmountTo, type MountedGuest } from '../image/mount.js';
import type { Acquirer } from '../image/release.js';
import type { AttachedGuest, BlockDevice } from '../image/types.js';

export type { MountedGuest } from '../image/mount.js';

/** Does this filesystem look like a Linux root? Mounted read-only for a look, then unmounted. */
async function looksLikeRoot(dev: BlockDevice, acq: Acquirer): Promise<boolean> {
  const stack = acq.stack;
  const before = stack.size;
  const dir = scratchDir(acq, 'probe-');
  try {
    await mountFilesystem(dev.device, dev.fstype!, dir, true, acq);
    const fs = rootFs(dir);
    const hasEtc = (await fs.kind('/etc')) === 'dir';
    const hasFstab = (await fs.kind('/etc/fstab')) === 'file';
    const hasBin = (await fs.kind('/bin')) !== undefined || (await fs.kind('/sbin')) !== undefined || (await fs.kind('/usr/bin')) !== undefined;
    return hasEtc && hasFstab && hasBin;
  } catch (e) {
    log.verbose(`${dev.device} cannot be mounted to look for a root: ${(e as Error).message}`);
    return false;
  } finally {
    // Undo the probe's own mount and directory now, in order.
    while (stack.size > before) await stack.popAndUndo();
  }
}

/** Picks the guest's root filesystem; `--root` names a device, an LV (VG/LV) or a Xen partition (xvda2). */
export async function findRoot(guest: AttachedGuest, acq: Acquirer, rootHint?: string): Promise<BlockDevice> {
  const mountable = guest.devices.filter((d) => d.fstype && MOUNTABLE.has(d.fstype));
  if (rootHint) {
    const dev = mountable.find((d) => d.device === rootHint || (d.vg && `${d.vg}/${d.lv}` === rootHint) || `${d.vdev}${d.partition || ''}` === rootHint)
      ?? resolveDeviceSpec(rootHint.startsWith('/') || rootHint.includes('=') ? rootHint : `/dev/${rootHint}`, mountable);
    if (!dev) throw new UserError(`--root ${rootHint} names none of the guest's filesystems`, `They are: ${describeDevices(mountable)}`);
    return dev;
  }
  const roots: BlockDevice[] = [];
  for (const d of mountable) if (await looksLikeRoot(d, acq)) roots.push(d);
  if (roots.length === 1) return roots[0];
  if (roots.length === 0) {
    throw new UserError('no Linux root filesystem (one with /etc/fstab and /bin or /sbin) was found on the guest\'s disks', `Filesystems found: ${describeDevices(mountable) || 'none'}. Is this the whole guest? Pass every disk (or --disk VDEV=PATH).`);
  }
  throw new UserError(`several filesystems look like a root: ${describeDevices(roots)}`, 'Choose one with --root (e.g. --root VolGroup00/LogVol00 or --root xvda2).');
}

function describeDevices(ds: BlockDevice[]): string {
  return ds.map((d) => `${d.vg ? `${d.vg}/${d.lv}` : `${d.vdev}${d.partition || ''}`} (${d.fstype}${d.label ? `, LABEL=${d.label}` : ''})`).join(', ');
}

/** Mounts the root and everything the guest's fstab lists under it. */
export async function mountGuest(guest: AttachedGuest, acq: Acquirer, rootHint?: string, readOnly = guest.readOnly): Promise<MountedGuest> {
  if (!readOnly && guest.readOnly) throw new Error('a guest attached read-only cannot be mounted read-write');
  const rootDev = await findRoot(guest, acq, rootHint);
  const { root, fs, stackMark } = await mountRoot(rootDev, readOnly, acq);
  const mounted: MountedGuest = { root, rootDevice: rootDev, readOnly, stackMark, fs, mounts: [{ device: rootDev.device, mountpoint: '/', fstype: rootDev.fstype!, spec: '(root)' }], skipped: [] };
  const fstab = await fs.readText('/etc/fstab');
  if (fstab === undefined) return mounted;
  const entries = parseFstab(fstab).sort((a, b) => posix.normalize(a.file).split('/').length - posix.normalize(b.file).split('/').length);
  for (const e of entries) {
    const skip = (reason: string) => {
      mounted.skipped.push({ spec: e.spec, mountpoint: e.file, reason, line: e.line });
      log.verbose(`/etc/fstab line ${e.line}: ${e.spec} on ${e.file} not mounted: ${reason}`);
    };
    if (posix.normalize(e.file) === '/') {
      const dev = resolveDeviceSpec(e.spec, guest.devices);
      if (dev && dev.device !== rootDev.device) log.warn(`/etc/fstab line ${e.line} says / is ${e.spec}, but the root found is ${rootDev.device}`);
      continue;
    }
    const why = skipReason(e);
    if (why) {
      skip(why);
      continue;
    }
    const dev = resolveDeviceSpec(e.spec, guest.devices);
    if (!dev) {
      skip(`${e.spec} is none of the guest's attached devices`);
      continue;
    }
    if (!dev.fstype || !MOUNTABLE.has(dev.fstype)) {
      skip(`${dev.device} holds ${dev.fstype ?? 'no known filesystem'}`);
      continue;
    }
    const notMounted = await mountUnder(root, fs, { device: dev.device, fstype: dev.fstype, guestPath: e.file }, readOnly, acq);
    if (notMounted) {
      skip(notMounted);
      continue;
    }
    mounted.mounts.push({ device: dev.device, mountpoint: e.file, fstype: dev.fstype, spec: e.spec });
  }
  return mounted;
}

/** Unmounts a read-only mount tree and mounts the same filesystems read-write. */
export async function remountReadWrite(guest: AttachedGuest, mounted: MountedGuest, acq: Acquirer): Promise<MountedGuest> {
  await unmountTo(acq, mounted.stackMark);
  return mountGuest(guest, acq, mounted.rootDevice.device, false);
}
