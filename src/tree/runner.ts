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

/**
 * Applies the edits in order (see the top of this file). One run's state — its
 * manifest, backups, the disks whose start a command changed — lives in an
 * EditRun; each kind of edit is one named step of it.
 */
export async function applyEdits<C>(fs: RootFs, edits: Edit<C>[], ctx: C, opts: RunnerOptions): Promise<{ outcomes: EditOutcome[]; manifest?: Manifest }> {
  const run = new EditRun(fs, ctx, opts);
  try {
    for (const edit of edits) {
      checkInterrupted();
      const outcome = run.outcome(edit);
      if (edit.kind === 'file') await run.fileEdit(edit, outcome);
      else if (edit.kind === 'tree') await run.treeEdit(edit, outcome);
      else await run.commandEdit(edit, outcome);
    }
  } catch (err) {
    await run.putBackAfterFailure();
    throw err;
  }
  return run.finish();
}

type Modified = Extract<ManifestEntry, { action: 'modified' }>;

class EditRun<C> {
  readonly outcomes: EditOutcome[] = [];
  readonly backupDir: string;
  private manifest: Manifest | undefined;
  private release: (() => void) | undefined;
  // One restore, whoever asks first: the run's own failure path or a forced unwind from outside.
  private restoring: Promise<string[]> | undefined;
  /** The disks whose start a command of this run changed (to put them back on failure). */
  private readonly regionDevices: Record<string, string> = {};
  /** A dry run's files as they would be (each edit sees the ones before it); one diff per file at the end. */
  private readonly dryFiles = new Map<string, { before: string; after: string }>();

  constructor(private readonly fs: RootFs, private readonly ctx: C, private readonly opts: RunnerOptions) {
    this.backupDir = `${BACKUP_ROOT}/${opts.runId}`;
  }

  /** A new outcome for an edit, listed in order. */
  outcome(edit: Edit<C>): EditOutcome {
    const o: EditOutcome = { id: edit.id, describe: edit.describe, changed: false, files: [], diff: '' };
    this.outcomes.push(o);
    return o;
  }

  /** Records one change of an edit: the file, and its diff (shown as it is made). */
  private change(outcome: EditOutcome, file: string, d: string, show = true): void {
    outcome.changed = true;
    outcome.files.push(file);
    outcome.diff += d;
    if (show) this.opts.onDiff?.(d);
  }

  /** A change of a file's text ('' before: a new file); a dry run's diff is shown per file, by finish. */
  private textChange(outcome: EditOutcome, file: string, before: string, after: string): void {
    this.change(outcome, file, diffOf(file, before, after), !this.opts.dryRun);
    if (!this.opts.dryRun) return;
    const had = this.dryFiles.get(file);
    this.dryFiles.set(file, { before: had ? had.before : before, after });
  }

  /** A dry run: what FILE would hold after the edits so far (undefined when none changed it). */
  private dryText(file: string): string | undefined {
    return this.opts.dryRun ? this.dryFiles.get(file)?.after : undefined;
  }


  private putBack(m: Manifest): Promise<string[]> {
    return (this.restoring ??= restoreEntries(this.fs, this.backupDir, m, true, this.regionDevices));
  }

  /** Sets up the backup area on the first change. */
  private async ensureManifest(): Promise<Manifest> {
    if (!this.manifest) {
      const made = await mkdirsInRoot(this.fs, `${this.backupDir}/files`);
      const m: Manifest = { runId: this.opts.runId, created: new Date().toISOString(), guest: this.opts.label, kernel: this.opts.kernel ?? '', ...(this.opts.settings ? { settings: this.opts.settings } : {}), createdDirs: made, entries: [], complete: false };
      this.manifest = m;
      this.release = this.opts.guard?.(`put back the changes of run ${this.opts.runId}`, async () => {
        if (!m.complete) await this.putBack(m);
      });
    }
    return this.manifest;
  }

  private async record(entry: ManifestEntry): Promise<void> {
    const m = await this.ensureManifest();
    m.entries.push(entry);
    await saveManifest(this.fs, this.backupDir, m);
    // For the crash tests: stop (to be killed) once a change is recorded.
    if (m.entries.length === 1 && !this.opts.dryRun) await pausePoint('edited');
  }

  /** Makes a created file's missing parent directories (recorded, so rollback removes them when empty). */
  private async parentDirs(path: string): Promise<void> {
    const m = await this.ensureManifest();
    const made = await mkdirsInRoot(this.fs, posix.dirname(path), 0o755);
    if (made.length) {
      m.createdDirs.push(...made);
      await saveManifest(this.fs, this.backupDir, m);
    }
  }

  /** The entry of a file this run already backed up (several edits may change one file). */
  private modifiedEntry(path: string): Modified | undefined {
    return this.manifest?.entries.find((e) => e.action === 'modified' && e.path === path) as Modified | undefined;
  }

  /** Backs a guest file up and records it as modified by `edit`; returns the entry. */
  private async backupModified(path: string, edit: string): Promise<Modified> {
    const { rel, state } = await this.backup(path);
    const entry = { action: 'modified' as const, edit, path, backup: rel, mode: state.mode, uid: state.uid, gid: state.gid, sha256Before: sha256(state.data) };
    await this.record(entry);
    return entry;
  }

  private async backup(path: string): Promise<{ rel: string; state: ReturnType<typeof readState> }> {
    const host = await this.fs.resolve(path);
    const state = readState(host);
    const rel = `files${path}`;
    await this.ensureManifest();
    await mkdirsInRoot(this.fs, posix.dirname(`${this.backupDir}/${rel}`));
    const dest = await this.fs.resolve(`${this.backupDir}/${rel}`);
    try {
      copyFileSync(host, dest);
    } catch (e) {
      throw environmentError(e, `the backup of ${path} in the guest (${this.backupDir})`, state.data.length);
    }
    chownSync(dest, state.uid, state.gid);
    chmodSync(dest, state.mode);
    return { rel, state };
  }

  /** Creates a file (its parents first), recorded so rollback removes it. */
  private async create(edit: string, path: string, text: string, mode: number): Promise<void> {
    await this.parentDirs(path);
    await this.record({ action: 'created', edit, path, sha256After: sha256(text) });
    await atomicWrite(await hostPathNoFollow(this.fs, path), text, mode);
  }

  /** A text edit of files (or the creation of one the guest lacks). */
  async fileEdit(edit: Extract<Edit<C>, { kind: 'file' }>, outcome: EditOutcome): Promise<void> {
    const { fs, ctx, opts } = this;
    let seen = false;
    for (const path of await edit.paths(fs, ctx)) {
      const real = await fs.realGuestPath(path);
      if (!(await fs.isFile(real))) continue;
      seen = true;
      const before = this.dryText(real) ?? textOf((await fs.read(real))!, real);
      const after = edit.apply(before, ctx, real);
      if (after === before) continue;
      this.textChange(outcome, real, before, after);
      if (opts.dryRun) continue;
      const entry = this.modifiedEntry(real) ?? (await this.backupModified(real, edit.id));
      await atomicWrite(await fs.resolve(real), Buffer.from(after, 'latin1'), entry.mode, entry.uid, entry.gid, `${real} in the guest`);
      // Saved with the next entry, or at the end (rollback does not need it).
      entry.sha256After = sha256(Buffer.from(after, 'latin1'));
    }
    if (seen || !edit.create) return;
    const c = edit.create(ctx);
    if (!c || (await fs.kind(c.path)) !== undefined || this.dryText(c.path) !== undefined) return;
    this.textChange(outcome, c.path, '', c.text);
    if (!opts.dryRun) await this.create(edit.id, c.path, c.text, c.mode);
  }

  /** Links, renames and new files. */
  async treeEdit(edit: Extract<Edit<C>, { kind: 'tree' }>, outcome: EditOutcome): Promise<void> {
    const { fs, ctx, opts } = this;
    for (const op of await edit.plan(fs, ctx)) {
      if (op.op === 'symlink') {
        this.change(outcome, op.path, `symlink ${op.path} → ${op.target}\n`);
        if (opts.dryRun) continue;
        await this.record({ action: 'symlinked', edit: edit.id, path: op.path, target: op.target });
        symlinkSync(op.target, await hostPathNoFollow(fs, op.path));
      } else if (op.op === 'rename') {
        this.change(outcome, op.to, `rename ${op.from} → ${op.to}\n`);
        if (opts.dryRun) continue;
        await this.record({ action: 'renamed', edit: edit.id, from: op.from, to: op.to });
        renameSync(await hostPathNoFollow(fs, op.from), await hostPathNoFollow(fs, op.to));
      } else {
        this.textChange(outcome, op.path, '', op.text);
        if (!opts.dryRun) await this.create(edit.id, op.path, op.text, op.mode);
      }
    }
  }

  /** A command run in the guest: what it touches backed up first, what it makes recorded, its result verified. */
  async commandEdit(edit: Extract<Edit<C>, { kind: 'command' }>, outcome: EditOutcome): Promise<void> {
    const { fs, ctx, opts } = this;
    const why = await edit.needed(fs, ctx);
    if (!why) return;
    outcome.note = why;
    const argv = edit.argv(ctx);
    const touches = edit.touches(ctx);
    this.change(outcome, touches[0] ?? argv[0], `run in the guest: ${argv.join(' ')}\n`);
    outcome.files.push(...touches.slice(1));
    if (opts.dryRun) return;
    const m = await this.ensureManifest();
    const first = m.entries.length;
    await this.backUpForCommand(edit, touches);
    const watched = [...(edit.creates?.(ctx) ?? []), ...(edit.keeps?.(ctx) ?? [])];
    const before = await treeListing(fs, watched);
    log.info(`running ${argv.join(' ')} in the guest…`);
    const started = Date.now();
    try {
      try {
        await opts.runInGuest(argv, edit.devices?.(ctx) ?? [], edit.mounts?.(ctx) ?? []);
      } finally {
        outcome.commandMs = Date.now() - started;
        await this.recordMade(edit.id, watched, before, touches);
      }
      await pausePoint('guest-command');
      await edit.verify(fs, ctx);
    } catch (e) {
      if (!edit.fallible) throw e;
      await this.putBackCommand(edit, outcome, argv, first, e);
      return;
    }
    for (const e of m.entries.slice(first)) {
      if ((e.action === 'modified' || e.action === 'created') && touches.includes(e.path)) {
        const data = await fs.read(e.path, 1024 * 1024 * 1024);
        if (data) e.sha256After = sha256(data);
      } else if (e.action === 'region') {
        e.sha256After = sha256(readRegion(this.regionDevices[e.disk], e.offset, e.length));
      }
    }
    await saveManifest(fs, this.backupDir, m);
  }

  /** Before a command runs: the files it writes, its caches, the disk regions it changes — backed up or recorded. */
  private async backUpForCommand(edit: Extract<Edit<C>, { kind: 'command' }>, touches: string[]): Promise<void> {
    const { fs, ctx } = this;
    for (const path of touches) {
      if (this.modifiedEntry(path)) continue;
      if (await fs.isFile(path)) await this.backupModified(path, edit.id);
      else await this.record({ action: 'created', edit: edit.id, path, sha256After: '' });
    }
    // A command's own caches: every file backed up first (restored by rollback if it changes them).
    for (const [path, kind] of await treeListing(fs, edit.keeps?.(ctx) ?? [])) {
      if (kind === 'file' && !touches.includes(path) && !this.modifiedEntry(path)) await this.backupModified(path, edit.id);
    }
    for (const r of edit.regions?.(ctx) ?? []) {
      const data = readRegion(r.device, r.offset, r.length);
      const rel = `regions/${r.disk}-${r.offset}`;
      await mkdirsInRoot(fs, `${this.backupDir}/regions`);
      await atomicWrite(await hostPathNoFollow(fs, `${this.backupDir}/${rel}`), data, 0o600);
      this.regionDevices[r.disk] = r.device;
      await this.record({ action: 'region', edit: edit.id, disk: r.disk, offset: r.offset, length: data.length, backup: rel, sha256Before: sha256(data) });
    }
  }

  /** What a command made besides its files (a boot loader's modules): recorded, parents first, so rollback removes them. */
  private async recordMade(edit: string, watched: string[], before: Map<string, 'dir' | 'file' | 'link'>, touches: string[]): Promise<void> {
    const { fs } = this;
    for (const [path, kind] of await treeListing(fs, watched)) {
      if (before.has(path) || touches.includes(path)) continue;
      if (kind === 'dir') await this.record({ action: 'created', edit, path, sha256After: '', dir: true });
      else if (kind === 'link') await this.record({ action: 'symlinked', edit, path, target: (await fs.linkTarget(path))! });
      else await this.record({ action: 'created', edit, path, sha256After: sha256((await fs.read(path, 1024 * 1024 * 1024)) ?? '') });
    }
  }

  /** A fallible command failed: put back what it changed, say why, and go on (a later edit does its job another way). */
  private async putBackCommand(edit: Extract<Edit<C>, { kind: 'command' }>, outcome: EditOutcome, argv: string[], first: number, e: unknown): Promise<void> {
    const m = this.manifest!;
    const mine = m.entries.splice(first);
    await restoreEntries(this.fs, this.backupDir, { ...m, entries: mine, createdDirs: [] }, true, this.regionDevices, true);
    await saveManifest(this.fs, this.backupDir, m);
    outcome.changed = false;
    outcome.files = [];
    outcome.diff = '';
    outcome.note = `${argv[0]} did not work in the guest (${lastLine(String((e as { stderr?: string }).stderr || (e as Error).message))}); its changes were put back`;
    log.warn(`${edit.id}: ${outcome.note}`);
  }

  /** A step failed: every change this run made is put back before the error goes on. */
  async putBackAfterFailure(): Promise<void> {
    const m = this.manifest;
    if (m && m.entries.length > 0) {
      log.warn(`a step failed; putting back the ${m.entries.length} change(s) this run made`);
      try {
        await this.putBack(m);
      } catch (e) {
        log.error(`xen2kvm: could not roll back every change: ${(e as Error).message}\nThe backups are in the guest under ${this.backupDir}; run "xen2kvm rollback" to retry.`);
      }
    }
    this.release?.();
  }

  /** Every edit done: the manifest is marked complete. */
  async finish(): Promise<{ outcomes: EditOutcome[]; manifest?: Manifest }> {
    // A dry run: one diff per file, from the file as it is to the file as it will be.
    for (const [file, { before, after }] of this.dryFiles) if (after !== before) this.opts.onDiff?.(diffOf(file, before, after));
    if (this.manifest) {
      this.manifest.complete = true;
      await saveManifest(this.fs, this.backupDir, this.manifest);
    }
    this.release?.();
    return { outcomes: this.outcomes, ...(this.manifest ? { manifest: this.manifest } : {}) };
  }
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
  await atomicWrite(await hostPathNoFollow(fs, `${backupDir}/manifest.json`), `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
}
