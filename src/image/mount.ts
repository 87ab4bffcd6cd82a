// Mounting filesystems of an attached guest: the mechanism, not the policy
// (which filesystems, where: guest/mount.ts decides from the guest's fstab).
// Always nodev,nosuid; read-only without journal replay for inspection and
// --dry-run; every mount's undo recorded before it is made. Targets are guest
// paths resolved inside the mounted root.
import { closeSync, lstatSync, mkdtempSync, openSync, readSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { run } from '../run.js';
import { runSubdir } from '../paths.js';
import { rootFs, type RootFs } from '../tree/fs.js';
import { mountedTargets, procMounts, type Acquirer } from './acquire.js';
import { EnvironmentError } from '../errors.js';
import type { BlockDevice } from './types.js';

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
  /** btrfs: the subvolume the root is in ("/" for the top level), or undefined. */
  rootSubvol?: string;
  readOnly: boolean;
  /** The cleanup stack's size before this mount tree: unwinding to it unmounts everything. */
  stackMark: number;
  fs: RootFs;
  mounts: MountedFs[];
  /** fstab entries not mounted, and why. */
  skipped: { spec: string; mountpoint: string; reason: string; line: number }[];
  /** Read-only trees that can become read-write where they are (guest/mount.ts remountReadWrite): each mount, root first. */
  inPlace?: { device: string; fstype: string; target: string }[];
}

/**
 * Mount options: never devices or setuid from the guest; read-only without journal
 * replay when asked. `cleanJournal`: an ext3/ext4 whose journal has nothing to replay
 * is mounted plain `ro` (the kernel then writes nothing, measured) so that it can
 * become read-write in place, journal and all; with `noload` the kernel would allow
 * that remount too, but keep the journal off while writing (norecovery).
 */
export function mountOptions(fstype: string, readOnly: boolean, subvol?: string, cleanJournal = false): string {
  const opts = ['nodev', 'nosuid'];
  if (readOnly) {
    opts.unshift('ro');
    if ((fstype === 'ext3' || fstype === 'ext4') && !cleanJournal) opts.push('noload');
    if (fstype === 'xfs') opts.push('norecovery');
    if (fstype === 'btrfs') opts.push('rescue=nologreplay');
  } else {
    opts.unshift('rw');
  }
  // btrfs: a subvolume by path ("/" is the top level, whatever the default subvolume is).
  if (fstype === 'btrfs' && subvol !== undefined) opts.push(subvol === '/' ? 'subvolid=5' : `subvol=${subvol}`);
  return opts.join(',');
}

/** Does this ext2/3/4 need no journal replay (no journal, or the superblock's needs_recovery flag clear)? False when it cannot tell. */
export function extJournalClean(device: string): boolean {
  const sb = Buffer.alloc(1024);
  let fd: number | undefined;
  try {
    fd = openSync(device, 'r');
    if (readSync(fd, sb, 0, 1024, 1024) < 1024) return false;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  // s_magic at 0x38; s_feature_incompat at 0x60, whose 0x4 is EXT3_FEATURE_INCOMPAT_RECOVER.
  return sb.readUInt16LE(0x38) === 0xef53 && (sb.readUInt32LE(0x60) & 0x4) === 0;
}

/**
 * Mounts one filesystem (nodev,nosuid), its undo recorded first. Returns whether it
 * can later become read-write in place (remountReadWrite): an ext2/3/4 mounted
 * read-only with nothing to replay.
 */
export async function mountFilesystem(device: string, fstype: string, target: string, readOnly: boolean, acq: Acquirer, subvol?: string): Promise<boolean> {
  acq.intend({ kind: 'mount', target, source: device });
  const ext = fstype === 'ext2' || fstype === 'ext3' || fstype === 'ext4';
  const clean = readOnly && ext && extJournalClean(device);
  await run('mount', ['-t', fstype, '-o', mountOptions(fstype, readOnly, subvol, clean), device, target]);
  // A filesystem can come up read-only although read-write was asked (ext4's read-only feature, errors): say so now, not at the first write.
  if (!readOnly && mountOptionsOf(target)?.split(',').includes('ro')) {
    throw new EnvironmentError(`${device} (${fstype}) was mounted read-only although read-write was asked`, READ_ONLY_ADVICE);
  }
  return clean;
}

const READ_ONLY_ADVICE = 'Is the filesystem damaged, or has it the read-only feature (tune2fs -l)? Repair it (e2fsck -f) and run xen2kvm again; nothing was changed.';

/** Makes mounted filesystems read-write where they are (each one mountFilesystem said can), in the order given. */
export async function remountInPlace(mounts: { device: string; fstype: string; target: string }[]): Promise<void> {
  for (const m of mounts) {
    // Refused (ext4's read-only feature: "write-protected"), or still ro: the same refusal as a fresh rw mount's.
    const r = await run('mount', ['-o', 'remount,rw', m.target], { allowFailure: true });
    if (r.exitCode !== 0 || mountOptionsOf(m.target)?.split(',').includes('ro')) {
      const why = r.stderr.trim().split('\n')[0]?.replace(/^mount: /, '');
      throw new EnvironmentError(`${m.device} (${m.fstype}) was mounted read-only although read-write was asked${why ? ` (${why})` : ''}`, READ_ONLY_ADVICE);
    }
  }
}

/** A scratch directory under the run dir, removed on cleanup. */
export function scratchDir(acq: Acquirer, prefix: string): string {
  const dir = mkdtempSync(join(runSubdir('mnt'), prefix));
  acq.record({ kind: 'dir', path: dir });
  return dir;
}

/** One filesystem to mount below a mounted root, at a guest path. */
export interface MountRequest {
  device: string;
  fstype: string;
  /** Guest path of the mount point (resolved inside the root). */
  guestPath: string;
  /** btrfs subvolume (fstab's subvol=). */
  subvol?: string;
}

/** Mounts a root filesystem on a fresh scratch directory; the stack mark lets a caller unmount it all. */
export async function mountRoot(dev: BlockDevice, readOnly: boolean, acq: Acquirer, subvol?: string): Promise<{ root: string; fs: RootFs; stackMark: number; inPlace: boolean }> {
  const stackMark = acq.stack.size;
  const root = scratchDir(acq, 'root-');
  const inPlace = await mountFilesystem(dev.device, dev.fstype!, root, readOnly, acq, subvol);
  return { root, fs: rootFs(root), stackMark, inPlace };
}

/**
 * Mounts one filesystem below a mounted root, at a guest path resolved inside
 * it; returns why it was not mounted (the mount point is not a directory), or
 * where it went and whether it can become read-write in place.
 */
export async function mountUnder(root: string, fs: RootFs, req: MountRequest, readOnly: boolean, acq: Acquirer): Promise<string | { target: string; inPlace: boolean }> {
  // Resolved inside the guest; never the guest's / itself, never on top of another mount.
  const resolved = await fs.realGuestPath(req.guestPath);
  if (resolved === '/') return `the mount point ${req.guestPath} resolves to the guest's / (through a symlink)`;
  const target = resolvePath(join(root, resolved));
  let st;
  try {
    st = lstatSync(target);
  } catch {
    return `the mount point ${req.guestPath} is not a directory in the guest`;
  }
  if (!st.isDirectory()) return `the mount point ${req.guestPath} is not a directory in the guest`;
  if (mountedTargets().includes(target)) return `the mount point ${req.guestPath}${resolved !== req.guestPath ? ` (${resolved})` : ''} already has a filesystem mounted on it`;
  return { target, inPlace: await mountFilesystem(req.device, req.fstype, target, readOnly, acq, req.subvol) };
}

/** Unmounts everything mounted since `stackMark` (newest first). */
export async function unmountTo(acq: Acquirer, stackMark: number): Promise<void> {
  while (acq.stack.size > stackMark) await acq.stack.popAndUndo();
}

/** The mount options /proc/mounts shows for a target (the last mount on it), or undefined. */
function mountOptionsOf(target: string): string | undefined {
  return procMounts().filter((m) => m.target === target).pop()?.options;
}
