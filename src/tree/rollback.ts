// Puts a guest back as it was before a conversion run, from the backups and the
// manifest that run left in the guest. Newest change first; a change already
// undone is skipped, so running it twice is harmless.
import { existsSync, lstatSync, readFileSync, renameSync, rmSync, rmdirSync, unlinkSync } from 'node:fs';
import type { RootFs } from './fs.js';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { atomicWrite, hostPathNoFollow, sha256 } from './files.js';
import { BACKUP_ROOT, type Manifest } from './manifest.js';

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
export async function restoreEntries(fs: RootFs, backupDir: string, manifest: Manifest, quiet = false): Promise<string[]> {
  const done: string[] = [];
  for (const e of [...manifest.entries].reverse()) {
    if (e.action === 'renamed') {
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
      atomicWrite(host, original, e.mode, e.uid, e.gid);
      done.push(`restored ${e.path}`);
    }
  }
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
export async function rollbackGuest(fs: RootFs, runId?: string): Promise<{ runId: string; done: string[] } | undefined> {
  const runs = await listRuns(fs);
  const run = runId ? runs.find((r) => r.runId === runId) : runs[runs.length - 1];
  if (!run) return undefined;
  if (!runId && runs.length > 1) log.info(`${runs.length} conversion runs are recorded; rolling back the latest, ${run.runId}`);
  const done = await restoreEntries(fs, `${BACKUP_ROOT}/${run.runId}`, run);
  if (!existsSync(await fs.resolve(BACKUP_ROOT))) log.verbose('no backups are left in the guest');
  return { runId: run.runId, done };
}
