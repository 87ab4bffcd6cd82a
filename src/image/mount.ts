// Mounting a guest the way it mounts itself: find the root filesystem, read the
// guest's own /etc/fstab, and mount what it lists below the root. Only local
// filesystems of known types, always nodev,nosuid, read-only (without journal
// replay) for inspection and --dry-run. Mount points are resolved inside the guest.
import { lstatSync, mkdtempSync } from 'node:fs';
import { join, posix } from 'node:path';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { run } from '../run.js';
import { runSubdir } from '../paths.js';
import { parseFstab, skipReason, MOUNTABLE } from '../guest/fstab.js';
import { guestFs, type GuestFs } from '../guest/guestfs.js';
import { resolveDeviceSpec } from './resolve.js';
import type { Acquirer } from './release.js';
import type { AttachedGuest, BlockDevice } from './types.js';

export interface MountedFs {
  device: string;
  mountpoint: string;
  fstype: string;
  /** The fstab spec it came from. */
  spec: string;
}

export interface MountedGuest {
  /** Host directory where the guest's / is mounted. */
  root: string;
  rootDevice: BlockDevice;
  readOnly: boolean;
  /** The cleanup stack's size before this mount tree: unwinding to it unmounts everything. */
  stackMark: number;
  fs: GuestFs;
  mounts: MountedFs[];
  /** fstab entries not mounted, and why. */
  skipped: { spec: string; mountpoint: string; reason: string; line: number }[];
}

/** Mount options: never devices or setuid from the guest; read-only without journal replay when asked. */
export function mountOptions(fstype: string, readOnly: boolean): string {
  const opts = ['nodev', 'nosuid'];
  if (readOnly) {
    opts.unshift('ro');
    if (fstype === 'ext3' || fstype === 'ext4') opts.push('noload');
    if (fstype === 'xfs') opts.push('norecovery');
  } else {
    opts.unshift('rw');
  }
  return opts.join(',');
}

async function mountDevice(device: string, fstype: string, target: string, readOnly: boolean, acq: Acquirer): Promise<void> {
  acq.intend({ kind: 'mount', target, source: device });
  await run('mount', ['-t', fstype, '-o', mountOptions(fstype, readOnly), device, target]);
}

/** A scratch directory under the run dir, removed on cleanup. */
function scratchDir(acq: Acquirer, prefix: string): string {
  const dir = mkdtempSync(join(runSubdir('mnt'), prefix));
  acq.record({ kind: 'dir', path: dir });
  return dir;
}

/** Does this filesystem look like a Linux root? Mounted read-only for a look, then unmounted. */
async function looksLikeRoot(dev: BlockDevice, acq: Acquirer): Promise<boolean> {
  const stack = acq.stack;
  const before = stack.size;
  const dir = scratchDir(acq, 'probe-');
  try {
    await mountDevice(dev.device, dev.fstype!, dir, true, acq);
    const fs = guestFs(dir);
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
  const stackMark = acq.stack.size;
  const root = scratchDir(acq, 'root-');
  await mountDevice(rootDev.device, rootDev.fstype!, root, readOnly, acq);
  const fs = guestFs(root);
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
    const guestTarget = await fs.realGuestPath(e.file);
    const target = join(root, guestTarget);
    let isDir = false;
    try {
      isDir = lstatSync(target).isDirectory();
    } catch {
      /* missing */
    }
    if (!isDir) {
      skip(`the mount point ${e.file} is not a directory in the guest`);
      continue;
    }
    await mountDevice(dev.device, dev.fstype, target, readOnly, acq);
    mounted.mounts.push({ device: dev.device, mountpoint: e.file, fstype: dev.fstype, spec: e.spec });
  }
  return mounted;
}

/** Unmounts a read-only mount tree and mounts the same filesystems read-write. */
export async function remountReadWrite(guest: AttachedGuest, mounted: MountedGuest, acq: Acquirer): Promise<MountedGuest> {
  while (acq.stack.size > mounted.stackMark) await acq.stack.popAndUndo();
  return mountGuest(guest, acq, mounted.rootDevice.device, false);
}
