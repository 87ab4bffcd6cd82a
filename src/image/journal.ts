// The on-disk record of every acquisition a run makes (lock, loop device,
// kpartx mapping, active VG, mount, temp dir), so that `xen2kvm cleanup` can
// undo what a run killed with SIGKILL left behind. One JSON file per run,
// rewritten atomically on every change.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSubdir } from '../paths.js';

export type Acquisition =
  | { kind: 'lock'; path: string }
  | { kind: 'dir'; path: string }
  /** device is '' from the moment losetup is started until it says which device it took. */
  | { kind: 'loop'; device: string; backing: string; offset: number; size?: number }
  | { kind: 'nbd'; device: string; backing: string }
  | { kind: 'kpartx'; device: string }
  | { kind: 'vg'; vgName: string; vgUuid: string; devices: string[] }
  | { kind: 'mount'; target: string; source: string }
  | { kind: 'md'; device: string; members: string[] }
  | { kind: 'luks'; name: string; device: string }
  | { kind: 'process'; pid: number; start: string; what: string };

export interface JournalFile {
  runId: string;
  pid: number;
  started: string;
  command: string;
  entries: Acquisition[];
}

export class Journal {
  readonly runId: string;
  readonly path: string;
  private data: JournalFile;

  constructor(command: string) {
    this.runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
    this.path = join(runSubdir('journal'), `${this.runId}.json`);
    this.data = { runId: this.runId, pid: process.pid, started: new Date().toISOString(), command, entries: [] };
    this.flush();
  }

  add(a: Acquisition): void {
    this.data.entries.push(a);
    this.flush();
  }

  /** Saves an entry changed in place (a loop device's name, once losetup has told it). */
  update(): void {
    this.flush();
  }

  remove(a: Acquisition): void {
    const i = this.data.entries.lastIndexOf(a);
    if (i >= 0) this.data.entries.splice(i, 1);
    this.flush();
  }

  get entries(): readonly Acquisition[] {
    return this.data.entries;
  }

  /** Deletes the journal (after everything was undone). */
  close(): void {
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }

  private flush(): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 1), { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}

/** Every journal on this host: path and contents. */
export function readJournals(): { path: string; data: JournalFile }[] {
  const dir = runSubdir('journal');
  const out: { path: string; data: JournalFile }[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    try {
      out.push({ path: join(dir, f), data: JSON.parse(readFileSync(join(dir, f), 'utf8')) as JournalFile });
    } catch {
      /* half-written: skip */
    }
  }
  return out;
}

/** True when a process with this pid exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function describeAcquisition(a: Acquisition): string {
  switch (a.kind) {
    case 'lock': return `lock ${a.path}`;
    case 'dir': return `directory ${a.path}`;
    case 'loop': return `loop device ${a.device || '(being set up)'} on ${a.backing}${a.offset ? ` at ${a.offset}` : ''}`;
    case 'nbd': return `nbd device ${a.device} on ${a.backing}`;
    case 'kpartx': return `partition mappings of ${a.device}`;
    case 'vg': return `active volume group ${a.vgName} (${a.vgUuid})`;
    case 'mount': return `mount of ${a.source} on ${a.target}`;
    case 'md': return `md array ${a.device} (read-only) of ${a.members.join(', ')}`;
    case 'luks': return `LUKS mapping /dev/mapper/${a.name} of ${a.device}`;
    case 'process': return `the guest's ${a.what} (pid ${a.pid}, in its own namespaces)`;
  }
}

/** A process's start time (field 22 of /proc/PID/stat): with the pid, it names one process, not a reused pid. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
