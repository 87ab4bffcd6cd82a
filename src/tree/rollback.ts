// Puts a guest back as it was before a conversion run, from the backups and the
// manifest that run left in the guest. Newest change first; a change already
// undone is skipped, so running it twice is harmless.
import { existsSync, lstatSync, readFileSync, renameSync, rmSync, rmdirSync, unlinkSync } from 'node:fs';
import { posix } from 'node:path';
import type { RootFs } from './fs.js';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { atomicWrite, hostPathNoFollow, readRegion, sha256, writeRegion } from './files.js';
import { BACKUP_ROOT, type DiskDevices, type Manifest } from './manifest.js';

/** Every conversion run recorded in the guest, oldest first. */
export async function listRuns(fs: RootFs): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const id of await fs.list(BACKUP_ROOT)) {
    const text = await fs.readText(`${BACKUP_ROOT}/${id}/manifest.json`);
    if (!text) continue;
    try {
      out.push(JSON.parse(text) as Manifest);
    } catch {
      log.warn(`${BACKUP_ROOT}/${id}/manifest.json is damaged; skipped`);
    }
  }
  return out.sort((a, b) => (a.runId < b.runId ? -1 : 1));
}

/** Undoes a manifest's entries, newest first. `quiet` skips the "changed since" warnings (rollback inside a failed run). */
export async function restoreEntries(fs: RootFs, backupDir: string, manifest: Manifest, quiet = false, disks: DiskDevices = {}, keepArea = false): Promise<string[]> {
  const done: string[] = [];
  for (const e of [...manifest.entries].reverse()) {
    if (e.action === 'region') {
      const device = disks[e.disk];
      if (!device) throw new UserError(`run ${manifest.runId} changed the start of disk ${e.disk} (a boot loader), but that disk is not attached`, `Pass every disk of the guest (its config, or --disk ${e.disk}=PATH), then roll back again.`);
      const original = readFileSync(await fs.resolve(`${backupDir}/${e.backup}`));
      if (original.length !== e.length || sha256(original) !== e.sha256Before) throw new UserError(`the backup of the start of ${e.disk} is damaged (its sha256 differs from the manifest's)`, `Nothing more was restored; the backups are under ${backupDir} in the guest.`);
      if (sha256(readRegion(device, e.offset, e.length)) === e.sha256Before) continue;
      writeRegion(device, e.offset, original);
      done.push(`restored the first ${e.length} bytes of ${e.disk}`);
    } else if (e.action === 'created' && e.dir) {
      try {
        rmdirSync(await hostPathNoFollow(fs, e.path));
        done.push(`removed ${e.path}/`);
      } catch {
        /* gone already, or holds files the run did not make */
      }
    } else if (e.action === 'renamed') {
      const to = await hostPathNoFollow(fs, e.to);
      const from = await hostPathNoFollow(fs, e.from);
      if (exists(to) && !exists(from)) {
        renameSync(to, from);
        done.push(`${e.to} → ${e.from}`);
      }
    } else if (e.action === 'symlinked') {
      const host = await hostPathNoFollow(fs, e.path);
      if (exists(host) && lstatSync(host).isSymbolicLink()) {
        unlinkSync(host);
        done.push(`removed ${e.path}`);
      }
    } else if (e.action === 'created') {
      if (!e.path) continue;
      const host = await hostPathNoFollow(fs, e.path);
      if (exists(host) && lstatSync(host).isFile()) {
        if (!quiet && e.sha256After && sha256(readFileSync(host)) !== e.sha256After) log.warn(`${e.path} changed since the conversion; removing it anyway`);
        unlinkSync(host);
        done.push(`removed ${e.path}`);
      }
    } else {
      const host = await fs.resolve(e.path);
      const current = exists(host) ? sha256(readFileSync(host)) : undefined;
      if (current === e.sha256Before) continue;
      if (!quiet && current !== undefined && e.sha256After && current !== e.sha256After) log.warn(`${e.path} changed since the conversion; restoring the original anyway`);
      const original = readFileSync(await fs.resolve(`${backupDir}/${e.backup}`));
      if (sha256(original) !== e.sha256Before) throw new UserError(`the backup of ${e.path} is damaged (its sha256 differs from the manifest's)`, `Nothing more was restored; the backups are under ${backupDir} in the guest.`);
      await atomicWrite(host, original, e.mode, e.uid, e.gid);
      done.push(`restored ${e.path}`);
    }
  }
  if (keepArea) return done;
  // The backup area goes too, and the directories the run created for it.
  rmSync(await fs.resolve(backupDir), { recursive: true, force: true });
  for (const dir of [...manifest.createdDirs].reverse()) {
    try {
      rmdirSync(await fs.resolve(dir));
    } catch {
      /* not empty: other runs' backups live there */
    }
  }
  return done;
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Rolls back the latest run (or `runId`); returns what was restored, or undefined when there is no run. */
export async function rollbackGuest(fs: RootFs, runId?: string, disks: DiskDevices = {}): Promise<{ runId: string; done: string[] } | undefined> {
  const runs = await listRuns(fs);
  const run = runId ? runs.find((r) => r.runId === runId) : runs[runs.length - 1];
  if (!run) return undefined;
  if (!runId && runs.length > 1) log.info(`${runs.length} conversion runs are recorded; rolling back the latest, ${run.runId}`);
  const done = await restoreEntries(fs, `${BACKUP_ROOT}/${run.runId}`, run, false, disks);
  if (!existsSync(await fs.resolve(BACKUP_ROOT))) log.verbose('no backups are left in the guest');
  return { runId: run.runId, done };
}

/** Every recorded run undone, newest first: the tree as it was before the first conversion. */
export async function rollbackAll(fs: RootFs, disks: DiskDevices = {}): Promise<{ runIds: string[]; done: string[] } | undefined> {
  const runs = await listRuns(fs);
  if (runs.length === 0) return undefined;
  const done: string[] = [];
  for (const run of [...runs].reverse()) done.push(...(await restoreEntries(fs, `${BACKUP_ROOT}/${run.runId}`, run, false, disks)));
  return { runIds: runs.map((r) => r.runId), done };
}

/**
 * What a killed run can leave besides its manifest: a backup directory that never
 * got one (killed before its first change, so nothing was changed), and the temp
 * files of atomic writes (.xen2kvm-*.tmp) in the directories runs write to.
 */
export async function sweepLeftovers(fs: RootFs, dirs: string[], dryRun = false): Promise<string[]> {
  const removed: string[] = [];
  for (const id of await fs.list(BACKUP_ROOT)) {
    if ((await fs.kind(`${BACKUP_ROOT}/${id}`)) !== 'dir' || (await fs.kind(`${BACKUP_ROOT}/${id}/manifest.json`)) !== undefined) continue;
    if (!dryRun) rmSync(await fs.resolve(`${BACKUP_ROOT}/${id}`), { recursive: true, force: true });
    removed.push(`${BACKUP_ROOT}/${id} (no manifest: its run was killed before changing anything)`);
  }
  const runs = await listRuns(fs);
  const all = new Set([...dirs, ...runs.flatMap((r) => r.entries.filter((e) => e.action !== 'region').map((e) => posix.dirname(e.action === 'renamed' ? e.to : (e as { path: string }).path)))]);
  for (const dir of all) {
    for (const name of (await fs.list(dir)).filter((n) => /^\.xen2kvm-[0-9a-f]+\.tmp$/.test(n))) {
      const p = `${dir}/${name}`.replace(/^\/\//, '/');
      if ((await fs.kind(p)) !== 'file') continue;
      if (!dryRun) unlinkSync(await fs.resolve(p));
      removed.push(`${p} (a temp file of an interrupted write)`);
    }
  }
  return removed;
}

/** Directories conversions write to, where an interrupted write may have left a temp file. */
export const WRITTEN_DIRS = ['/etc', '/etc/sysconfig', '/etc/modprobe.d', '/etc/udev/rules.d', '/boot', '/boot/grub', '/boot/grub2', '/etc/default', '/etc/initramfs-tools'];
