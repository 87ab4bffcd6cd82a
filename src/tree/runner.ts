// Applies the edits in order. For each changed file: a unified diff, a backup in
// the guest, an atomic write keeping mode and owner, and a manifest entry. With
// dry-run nothing is written and the diffs say what would change. Any failure
// rolls back what this run changed before the error goes on.
import { copyFileSync, chmodSync, chownSync, renameSync, symlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { RootFs } from './fs.js';
import { environmentError, UserError } from '../errors.js';
import { log } from '../log.js';
import { checkInterrupted } from '../cleanup.js';
import { pausePoint } from '../debug.js';
import { atomicWrite, hostPathNoFollow, mkdirsInRoot, readRegion, readState, sha256 } from './files.js';
import { BACKUP_ROOT, type Manifest, type ManifestEntry } from './manifest.js';
import { restoreEntries } from './rollback.js';
import type { Edit } from './types.js';

export interface EditOutcome {
  id: string;
  describe: string;
  changed: boolean;
  /** Guest paths changed (or that would change). */
  files: string[];
  diff: string;
  note?: string;
  /** Milliseconds spent running the guest's own command (command edits). */
  commandMs?: number;
}

export interface RunnerOptions {
  dryRun: boolean;
  runId: string;
  /** What is being changed, for the manifest: the guest's name (or "host"), and the kernel it will boot. */
  label: string;
  kernel?: string;
  /** The settings the change was made with (serial speed, clock fix …), kept in the manifest so a later diagnosis compares against them. */
  settings?: Record<string, string | number | boolean>;
  /** Runs argv inside the guest root (chroot with /proc, /sys, /dev bound). */
  runInGuest: (argv: string[], devices: { host: string; name: string; uuid?: string }[], mounts: { mountpoint: string; name: string; fstype: string; options: string }[]) => Promise<void>;
  /** Called with each diff as it is made (for --show-diff). */
  onDiff?: (diff: string) => void;
  /** Registers an undo that puts this run's changes back if the run is stopped from outside (a forced unwind); returns its release. */
  guard?: (label: string, undo: () => Promise<void>) => () => void;
}

/**
 * The diff of a change, for a person to read. Edits see files as latin1 (one
 * character per byte, so every byte they do not touch is written back as it
 * was, whatever the file's encoding); the diff is shown as UTF-8 again.
 */
function diffOf(path: string, before: string, after: string): string {
  const patch = createTwoFilesPatch(`a${path}`, `b${path}`, before, after, undefined, undefined, { context: 3 });
  return Buffer.from(patch, 'latin1').toString('utf8');
}

/** A file's text as the edits see it: latin1, byte for byte; a file with NUL bytes is not text and is refused. */
export function textOf(data: Buffer, path: string): string {
  if (data.includes(0)) throw new UserError(`${path} holds NUL bytes: it is not a text file, and xen2kvm will not edit it`, `Look at ${path} in the guest: it may be damaged. Restore it, or leave this edit out with --only.`);
  return data.toString('latin1');
}

export async function applyEdits<C>(fs: RootFs, edits: Edit<C>[], ctx: C, opts: RunnerOptions): Promise<{ outcomes: EditOutcome[]; manifest?: Manifest }> {
  const outcomes: EditOutcome[] = [];
  const backupDir = `${BACKUP_ROOT}/${opts.runId}`;
  let manifest: Manifest | undefined;
  let release: (() => void) | undefined;
  // One restore, whoever asks first: the run's own failure path or a forced unwind from outside.
  let restoring: Promise<string[]> | undefined;
  const putBack = (m: Manifest) => (restoring ??= restoreEntries(fs, backupDir, m, true, regionDevices));
  /** The disks whose start a command of this run changed (to put them back on failure). */
  const regionDevices: Record<string, string> = {};

  /** Sets up the backup area on the first change. */
  const ensureManifest = async (): Promise<Manifest> => {
    if (!manifest) {
      const made = await mkdirsInRoot(fs, `${backupDir}/files`);
      manifest = { runId: opts.runId, created: new Date().toISOString(), guest: opts.label, kernel: opts.kernel ?? '', ...(opts.settings ? { settings: opts.settings } : {}), createdDirs: made, entries: [], complete: false };
      const m = manifest;
      release = opts.guard?.(`put back the changes of run ${opts.runId}`, async () => {
        if (!m.complete) await putBack(m);
      });
    }
    return manifest;
  };
  const record = async (entry: ManifestEntry) => {
    const m = await ensureManifest();
    m.entries.push(entry);
    await saveManifest(fs, backupDir, m);
    // For the crash tests: stop (to be killed) once a change is recorded.
    if (m.entries.length === 1 && !opts.dryRun) await pausePoint('edited');
  };
  /** Makes a created file's missing parent directories (recorded, so rollback removes them when empty). */
  const parentDirs = async (path: string) => {
    const m = await ensureManifest();
    const made = await mkdirsInRoot(fs, posix.dirname(path), 0o755);
    if (made.length) {
      m.createdDirs.push(...made);
      await saveManifest(fs, backupDir, m);
    }
  };
  /** The entry of a file this run already backed up (several edits may change one file). */
  const modifiedEntry = (path: string) => manifest?.entries.find((e) => e.action === 'modified' && e.path === path) as Extract<ManifestEntry, { action: 'modified' }> | undefined;
  /** Backs a guest file up and records it as modified by `edit`; returns the entry. */
  const backupModified = async (path: string, edit: string): Promise<Extract<ManifestEntry, { action: 'modified' }>> => {
    const { rel, state } = await backup(path);
    const entry = { action: 'modified' as const, edit, path, backup: rel, mode: state.mode, uid: state.uid, gid: state.gid, sha256Before: sha256(state.data) };
    await record(entry);
    return entry;
  };
  const backup = async (path: string): Promise<{ rel: string; state: ReturnType<typeof readState> }> => {
    const host = await fs.resolve(path);
    const state = readState(host);
    const rel = `files${path}`;
    await ensureManifest();
    await mkdirsInRoot(fs, posix.dirname(`${backupDir}/${rel}`));
    const dest = await fs.resolve(`${backupDir}/${rel}`);
    try {
      copyFileSync(host, dest);
    } catch (e) {
      throw environmentError(e, `the backup of ${path} in the guest (${backupDir})`, state.data.length);
    }
    chownSync(dest, state.uid, state.gid);
    chmodSync(dest, state.mode);
    return { rel, state };
  };

  try {
    for (const edit of edits) {
      checkInterrupted();
      const outcome: EditOutcome = { id: edit.id, describe: edit.describe, changed: false, files: [], diff: '' };
      outcomes.push(outcome);
      /** Records one change of this edit: the file, and its diff (shown as it is made). */
      const change = (file: string, d: string) => {
        outcome.changed = true;
        outcome.files.push(file);
        outcome.diff += d;
        opts.onDiff?.(d);
      };
      if (edit.kind === 'file') {
        const paths = await edit.paths(fs, ctx);
        let seen = false;
        for (const path of paths) {
          const real = await fs.realGuestPath(path);
          if (!(await fs.isFile(real))) continue;
          seen = true;
          const before = textOf((await fs.read(real))!, real);
          const after = edit.apply(before, ctx, real);
          if (after === before) continue;
          change(real, diffOf(real, before, after));
          if (opts.dryRun) continue;
          const entry = modifiedEntry(real) ?? (await backupModified(real, edit.id));
          atomicWrite(await fs.resolve(real), Buffer.from(after, 'latin1'), entry.mode, entry.uid, entry.gid, `${real} in the guest`);
          // Saved with the next entry, or at the end (rollback does not need it).
          entry.sha256After = sha256(Buffer.from(after, 'latin1'));
        }
        if (!seen && edit.create) {
          const c = edit.create(ctx);
          if (c && (await fs.kind(c.path)) === undefined) {
            change(c.path, diffOf(c.path, '', c.text));
            if (!opts.dryRun) {
              await parentDirs(c.path);
              await record({ action: 'created', edit: edit.id, path: c.path, sha256After: sha256(c.text) });
              atomicWrite(await hostPathNoFollow(fs, c.path), c.text, c.mode);
            }
          }
        }
      } else if (edit.kind === 'tree') {
        for (const op of await edit.plan(fs, ctx)) {
          if (op.op === 'symlink') {
            change(op.path, `symlink ${op.path} → ${op.target}\n`);
            if (opts.dryRun) continue;
            await record({ action: 'symlinked', edit: edit.id, path: op.path, target: op.target });
            symlinkSync(op.target, await hostPathNoFollow(fs, op.path));
          } else if (op.op === 'rename') {
            change(op.to, `rename ${op.from} → ${op.to}\n`);
            if (opts.dryRun) continue;
            await record({ action: 'renamed', edit: edit.id, from: op.from, to: op.to });
            renameSync(await hostPathNoFollow(fs, op.from), await hostPathNoFollow(fs, op.to));
          } else {
            change(op.path, diffOf(op.path, '', op.text));
            if (opts.dryRun) continue;
            await parentDirs(op.path);
            await record({ action: 'created', edit: edit.id, path: op.path, sha256After: sha256(op.text) });
            atomicWrite(await hostPathNoFollow(fs, op.path), op.text, op.mode);
          }
        }
      } else {
        const why = await edit.needed(fs, ctx);
        if (!why) continue;
        outcome.note = why;
        const argv = edit.argv(ctx);
        const touches = edit.touches(ctx);
        change(touches[0] ?? argv[0], `run in the guest: ${argv.join(' ')}\n`);
        outcome.files.push(...touches.slice(1));
        if (opts.dryRun) continue;
        const m = await ensureManifest();
        const first = m.entries.length;
        for (const path of touches) {
          if (modifiedEntry(path)) continue;
          if (await fs.isFile(path)) {
            await backupModified(path, edit.id);
          } else {
            await record({ action: 'created', edit: edit.id, path, sha256After: '' });
          }
        }
        // A command's own caches: every file backed up first (restored by rollback if it changes them).
        for (const [path, kind] of await treeListing(fs, edit.keeps?.(ctx) ?? [])) {
          if (kind === 'file' && !touches.includes(path) && !modifiedEntry(path)) await backupModified(path, edit.id);
        }
        for (const r of edit.regions?.(ctx) ?? []) {
          const data = readRegion(r.device, r.offset, r.length);
          const rel = `regions/${r.disk}-${r.offset}`;
          await mkdirsInRoot(fs, `${backupDir}/regions`);
          atomicWrite(await hostPathNoFollow(fs, `${backupDir}/${rel}`), data, 0o600);
          regionDevices[r.disk] = r.device;
          await record({ action: 'region', edit: edit.id, disk: r.disk, offset: r.offset, length: data.length, backup: rel, sha256Before: sha256(data) });
        }
        const watched = [...(edit.creates?.(ctx) ?? []), ...(edit.keeps?.(ctx) ?? [])];
        const before = await treeListing(fs, watched);
        log.info(`running ${argv.join(' ')} in the guest…`);
        const started = Date.now();
        try {
          try {
            await opts.runInGuest(argv, edit.devices?.(ctx) ?? [], edit.mounts?.(ctx) ?? []);
          } finally {
            outcome.commandMs = Date.now() - started;
            // What it made besides its files (a boot loader's modules): recorded, parents first, so rollback removes them.
            for (const [path, kind] of await treeListing(fs, watched)) {
              if (before.has(path) || touches.includes(path)) continue;
              if (kind === 'dir') await record({ action: 'created', edit: edit.id, path, sha256After: '', dir: true });
              else if (kind === 'link') await record({ action: 'symlinked', edit: edit.id, path, target: (await fs.linkTarget(path))! });
              else await record({ action: 'created', edit: edit.id, path, sha256After: sha256((await fs.read(path, 1024 * 1024 * 1024)) ?? '') });
            }
          }
          await pausePoint('guest-command');
          await edit.verify(fs, ctx);
        } catch (e) {
          if (!edit.fallible) throw e;
          // Put back what this command changed, say why, and go on: a later edit does its job another way.
          const mine = m.entries.splice(first);
          await restoreEntries(fs, backupDir, { ...m, entries: mine, createdDirs: [] }, true, regionDevices, true);
          await saveManifest(fs, backupDir, m);
          outcome.changed = false;
          outcome.files = [];
          outcome.diff = '';
          outcome.note = `${argv[0]} did not work in the guest (${lastLine(String((e as { stderr?: string }).stderr || (e as Error).message))}); its changes were put back`;
          log.warn(`${edit.id}: ${outcome.note}`);
          continue;
        }
        for (const e of m.entries.slice(first)) {
          if ((e.action === 'modified' || e.action === 'created') && touches.includes(e.path)) {
            const data = await fs.read(e.path, 1024 * 1024 * 1024);
            if (data) e.sha256After = sha256(data);
          } else if (e.action === 'region') {
            e.sha256After = sha256(readRegion(regionDevices[e.disk], e.offset, e.length));
          }
        }
        await saveManifest(fs, backupDir, m);
      }
    }
  } catch (err) {
    if (manifest && manifest.entries.length > 0) {
      log.warn(`a step failed; putting back the ${manifest.entries.length} change(s) this run made`);
      try {
        await putBack(manifest);
      } catch (e) {
        log.error(`xen2kvm: could not roll back every change: ${(e as Error).message}\nThe backups are in the guest under ${backupDir}; run "xen2kvm rollback" to retry.`);
      }
    }
    release?.();
    throw err;
  }
  if (manifest) {
    manifest.complete = true;
    await saveManifest(fs, backupDir, manifest);
  }
  release?.();
  return { outcomes, ...(manifest ? { manifest } : {}) };
}

/** The last thing a failed command said (its error, usually). */
function lastLine(s: string): string {
  return s.split('\n').filter((l) => l.trim()).pop()?.trim().slice(0, 300) ?? s;
}

/** Every path under the given guest directories (walked in order, parents before children), with its kind (links not followed). */
async function treeListing(fs: RootFs, dirs: string[]): Promise<Map<string, 'dir' | 'file' | 'link'>> {
  const out = new Map<string, 'dir' | 'file' | 'link'>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 6) return;
    for (const name of (await fs.list(dir)).sort()) {
      const p = `${dir}/${name}`;
      if ((await fs.linkTarget(p)) !== undefined) {
        out.set(p, 'link');
        continue;
      }
      const k = await fs.kind(p);
      if (k === 'dir') {
        out.set(p, 'dir');
        await walk(p, depth + 1);
      } else if (k === 'file') out.set(p, 'file');
    }
  };
  for (const d of dirs) if ((await fs.kind(d)) === 'dir') await walk(d, 0);
  return out;
}

export async function saveManifest(fs: RootFs, backupDir: string, manifest: Manifest): Promise<void> {
  atomicWrite(await hostPathNoFollow(fs, `${backupDir}/manifest.json`), `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
}
