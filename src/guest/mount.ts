// Mounting a guest the way it mounts itself — the policy: find the root
// filesystem, read the guest's own /etc/fstab, and mount what it lists below the
// root (local filesystems of known types only). The mounting itself is image/mount.ts.
import { lstat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { run } from '../run.js';
import { parseFstab, skipReason, MOUNTABLE } from '../formats/fstab.js';
import { rootFs, type RootFs } from '../tree/fs.js';
import { guestDeviceName } from '../image/stacked.js';
import { resolveDeviceSpec } from '../image/resolve.js';
import { mountFilesystem, mountRoot, mountUnder, remountInPlace, scratchDir, unmountTo, type MountedGuest } from '../image/mount.js';
import type { Acquirer } from '../image/acquire.js';
import type { AttachedGuest, BlockDevice } from '../image/types.js';

export type { MountedGuest } from '../image/mount.js';

/** Where a root was found: a filesystem, and (btrfs) the subvolume it is in. */
export interface RootChoice {
  dev: BlockDevice;
  subvol?: string;
}

type Look = { root: boolean; usr: boolean; subvols: string[]; kept?: KeptMount };

/** A probe mount left in place because it is exactly the read-only root mount that would follow (see probe). */
interface KeptMount {
  root: string;
  stackMark: number;
  inPlace: boolean;
}

/** Is this tree a Linux root (/etc with fstab or os-release, and bin), or a separate /usr (bin and lib/os-release at its top)? */
async function lookAt(fs: RootFs): Promise<{ root: boolean; usr: boolean }> {
  // A link counts even when it dangles here: CoreOS's /bin and /etc/os-release point into a /usr on another partition.
  const present = async (p: string) => (await fs.kind(p)) !== undefined || (await fs.linkTarget(p)) !== undefined;
  const hasEtc = (await fs.kind('/etc')) === 'dir';
  const release = (await fs.kind('/etc/fstab')) === 'file' || (await present('/etc/os-release'));
  const hasBin = (await present('/bin')) || (await present('/sbin')) || (await present('/usr/bin'));
  const usr = !hasEtc && (await fs.kind('/bin')) === 'dir' && ((await fs.kind('/lib/os-release')) === 'file' || (await fs.kind('/share')) === 'dir') && (await fs.kind('/lib')) === 'dir';
  return { root: hasEtc && release && hasBin, usr };
}

/** A btrfs filesystem's default subvolume by path (`btrfs subvolume get-default`), or undefined when it is the top level. */
async function defaultSubvolume(mounted: string): Promise<string | undefined> {
  const r = await run('btrfs', ['subvolume', 'get-default', mounted]).catch(() => undefined);
  const m = r && /^ID (\d+) .* path (.+)$/m.exec(r.stdout.trim());
  return m && m[1] !== '5' && !m[2].split('/').includes('..') ? m[2] : undefined;
}

/**
 * Mounts a filesystem read-only for a look (btrfs: its top level, and the subvolumes in it that
 * look like a root), then unmounts it — unless `keep` (the root is to be mounted read-only next)
 * and it is a root itself (not btrfs: there the root is a subvolume): that mount, with the same
 * options mountRoot would give, is kept as the root's, and the unmount and mount again are saved.
 */
async function probe(dev: BlockDevice, acq: Acquirer, keep: boolean): Promise<Look> {
  const stack = acq.stack;
  const before = stack.size;
  const keepable = keep && dev.fstype !== 'btrfs';
  const dir = scratchDir(acq, keepable ? 'root-' : 'probe-');
  let kept: KeptMount | undefined;
  try {
    const inPlace = await mountFilesystem(dev.device, dev.fstype!, dir, true, acq, dev.fstype === 'btrfs' ? '/' : undefined);
    const fs = rootFs(dir);
    const top = await lookAt(fs);
    if (keepable && top.root) {
      kept = { root: dir, stackMark: before, inPlace };
      return { root: true, usr: top.usr, subvols: [], kept };
    }
    const subvols: string[] = [];
    if (dev.fstype === 'btrfs' && !top.root) {
      // Subvolume roots have inode 256; Ubuntu puts / in @, Fedora in root (top-level subvolumes),
      // SUSE in @/.snapshots/N/snapshot — snapper's default subvolume, which a mount without subvol= gets.
      for (const name of await fs.list('/')) {
        const st = await lstat(join(dir, name)).catch(() => undefined);
        if (st?.isDirectory() && st.ino === 256 && (await lookAt(rootFs(join(dir, name)))).root) subvols.push(name);
      }
      const def = await defaultSubvolume(dir);
      if (def && !subvols.includes(def) && (await lookAt(rootFs(join(dir, def)))).root) subvols.push(def);
    }
    return { root: top.root, usr: top.usr, subvols };
  } catch (e) {
    log.verbose(`${dev.device} cannot be mounted to look for a root: ${(e as Error).message}`);
    return { root: false, usr: false, subvols: [] };
  } finally {
    // Undo the probe's own mount and directory now, in order.
    if (!kept) while (stack.size > before) await stack.popAndUndo();
  }
}

/** Picks the guest's root filesystem; `--root` names a device, an LV (VG/LV) or a Xen partition (xvda2). */
export async function findRoot(guest: AttachedGuest, acq: Acquirer, rootHint?: string | RootChoice, keepReadOnly = false): Promise<RootChoice & { usr?: BlockDevice; kept?: KeptMount }> {
  const mountable = guest.devices.filter((d) => d.fstype && MOUNTABLE.has(d.fstype));
  if (rootHint && typeof rootHint !== 'string') return rootHint;
  if (rootHint) {
    const dev = mountable.find((d) => d.device === rootHint || (d.vg && `${d.vg}/${d.lv}` === rootHint) || `${d.vdev}${d.partition || ''}` === rootHint)
      ?? resolveDeviceSpec(rootHint.startsWith('/') || rootHint.includes('=') ? rootHint : `/dev/${rootHint}`, mountable);
    if (!dev) throw new UserError(`--root ${rootHint} names none of the guest's filesystems`, `They are: ${describeDevices(mountable)}`);
    return { dev };
  }
  const roots: (RootChoice & { kept?: KeptMount })[] = [];
  const usrs: BlockDevice[] = [];
  for (const d of mountable) {
    // Only the first root's probe mount is kept: a second root is an error (the run's undo unmounts it).
    const look = await probe(d, acq, keepReadOnly && roots.length === 0);
    if (look.root) roots.push({ dev: d, ...(d.fstype === 'btrfs' ? { subvol: '/' } : {}), ...(look.kept ? { kept: look.kept } : {}) });
    for (const sv of look.subvols) roots.push({ dev: d, subvol: sv });
    if (look.usr) usrs.push(d);
  }
  if (roots.length === 1) return { ...roots[0], ...(usrs.length === 1 ? { usr: usrs[0] } : {}) };
  if (roots.length === 0) {
    throw new UserError('no Linux root filesystem (one with /etc, /etc/fstab or os-release, and /bin or /sbin) was found on the guest\'s disks', `Filesystems found: ${describeDevices(mountable) || 'none'}. Is this the whole guest? Pass every disk (or --disk VDEV=PATH).`);
  }
  throw new UserError(`several filesystems look like a root: ${roots.map((r) => `${describeDevices([r.dev])}${r.subvol && r.subvol !== '/' ? ` subvolume ${r.subvol}` : ''}`).join(', ')}`, 'Choose one with --root (e.g. --root VolGroup00/LogVol00 or --root xvda2).');
}

function describeDevices(ds: BlockDevice[]): string {
  return ds.map((d) => `${guestDeviceName(d)} (${d.fstype}${d.label ? `, LABEL=${d.label}` : ''})`).join(', ');
}

/** /etc/crypttab names (NAME SOURCE …): which opened LUKS container the guest calls /dev/mapper/NAME. */
function applyCrypttab(text: string, devices: BlockDevice[]): void {
  for (const line of text.split('\n')) {
    const f = line.replace(/#.*$/, '').trim().split(/\s+/);
    if (f.length < 2 || !f[0]) continue;
    const container = resolveDeviceSpec(f[1], devices);
    const opened = container && devices.find((d) => d.kind === 'luks' && d.luksOf === container.device);
    if (opened) opened.mapperAliases = [...new Set([...(opened.mapperAliases ?? []), f[0]])];
  }
}

/** fstab's subvol= (or subvolid=5) for a btrfs entry. */
function subvolOf(options: string[]): string | undefined {
  const sv = options.find((o) => o.startsWith('subvol='))?.slice('subvol='.length);
  if (sv !== undefined) return sv.replace(/^\/+/, '') || '/';
  return options.includes('subvolid=5') ? '/' : undefined;
}

/** Mounts the root and everything the guest's fstab lists under it. */
export async function mountGuest(guest: AttachedGuest, acq: Acquirer, rootHint?: string | RootChoice, readOnly = guest.readOnly): Promise<MountedGuest> {
  if (!readOnly && guest.readOnly) throw new Error('a guest attached read-only cannot be mounted read-write');
  const found = await findRoot(guest, acq, rootHint, readOnly);
  const rootDev = found.dev;
  const { root, fs, stackMark, inPlace } = found.kept ? { ...found.kept, fs: rootFs(found.kept.root) } : await mountRoot(rootDev, readOnly, acq, found.subvol);
  // Host targets of the tree, while every mount of it can become read-write where it is.
  let targets: { device: string; fstype: string; target: string }[] | undefined = inPlace && !guest.readOnly ? [{ device: rootDev.device, fstype: rootDev.fstype!, target: root }] : undefined;
  const mounted: MountedGuest = { root, rootDevice: rootDev, ...(found.subvol ? { rootSubvol: found.subvol } : {}), readOnly, stackMark, fs, mounts: [{ device: rootDev.device, mountpoint: '/', fstype: rootDev.fstype!, spec: `(root${found.subvol && found.subvol !== '/' ? `, subvolume ${found.subvol}` : ''})` }], skipped: [] };
  const crypttab = await fs.readText('/etc/crypttab');
  if (crypttab) applyCrypttab(crypttab, guest.devices);
  const fstab = await fs.readText('/etc/fstab');
  const entries = fstab === undefined ? [] : parseFstab(fstab).sort((a, b) => posix.normalize(a.file).split('/').length - posix.normalize(b.file).split('/').length);
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
    const subvol = dev.fstype === 'btrfs' ? subvolOf(e.options) : undefined;
    const m = await mountUnder(root, fs, { device: dev.device, fstype: dev.fstype, guestPath: e.file, ...(subvol ? { subvol } : {}) }, readOnly, acq);
    if (typeof m === 'string') {
      skip(m);
      continue;
    }
    targets = m.inPlace ? targets?.concat({ device: dev.device, fstype: dev.fstype, target: m.target }) : undefined;
    mounted.mounts.push({ device: dev.device, mountpoint: e.file, fstype: dev.fstype, spec: e.spec });
  }
  // A /usr on a filesystem of its own that fstab does not list (CoreOS mounts it from the kernel command line).
  if (found.usr && !mounted.mounts.some((m) => m.mountpoint === '/usr') && (await fs.kind('/usr')) === 'dir' && (await fs.list('/usr')).length === 0) {
    const m = await mountUnder(root, fs, { device: found.usr.device, fstype: found.usr.fstype!, guestPath: '/usr' }, true, acq);
    // (It stays read-only, so this tree is mounted again for writing.)
    targets = undefined;
    if (typeof m !== 'string') mounted.mounts.push({ device: found.usr.device, mountpoint: '/usr', fstype: found.usr.fstype!, spec: '(a separate /usr, read-only)' });
  }
  return { ...mounted, ...(readOnly && targets ? { inPlace: targets } : {}) };
}

/** Unmounts a read-only mount tree and mounts the same filesystems read-write. */
export async function remountReadWrite(guest: AttachedGuest, mounted: MountedGuest, acq: Acquirer): Promise<MountedGuest> {
  // Every filesystem had a clean journal (or none) and was mounted plain ro: read-write where it is.
  if (mounted.inPlace) {
    await remountInPlace(mounted.inPlace);
    const { inPlace: _done, ...rest } = mounted;
    return { ...rest, readOnly: false };
  }
  await unmountTo(acq, mounted.stackMark);
  return mountGuest(guest, acq, { dev: mounted.rootDevice, ...(mounted.rootSubvol ? { subvol: mounted.rootSubvol } : {}) }, false);
}
