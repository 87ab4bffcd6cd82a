// Refusals before touching a disk: the guest is running, the image or device is
// open by a process, attached to a loop device, mounted, or an LV is open — and
// a per-disk lock so two xen2kvm runs never work on one guest at once.
import { closeSync, constants, existsSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { haveCommand, run } from '../run.js';
import { runSubdir } from '../paths.js';
import { attachedLoops } from './acquire.js';
import { pidAlive, readJournals, type JournalFile } from './journal.js';

/** Names of running domains under Xen (xl / xm) and libvirt, where those tools exist. */
export async function runningDomains(): Promise<{ name: string; via: string }[]> {
  const ask = async (tool: 'xl' | 'xm' | 'virsh', args: string[], via: string, parse: (out: string) => string[]) => {
    if (!(await haveCommand(tool))) return [];
    const r = await run(tool, args, { allowFailure: true, timeoutMs: 15000 }).catch(() => undefined);
    if (!r || r.exitCode !== 0) return [];
    return parse(r.stdout).map((name) => ({ name, via }));
  };
  const xenList = (out: string) => out.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[0]).filter((n) => n && n !== 'Domain-0');
  const names = (out: string) => out.split('\n').map((l) => l.trim()).filter(Boolean);
  const all = await Promise.all([
    ask('xl', ['list'], 'xl list', xenList),
    ask('xm', ['list'], 'xm list', xenList),
    ...libvirtUrisToAsk(existsSync).map((uri) => ask('virsh', ['-c', uri, 'list', '--name'], `virsh -c ${uri} list`, names)),
  ]);
  return all.flat();
}

/**
 * The libvirt URIs whose daemon is there to ask (a virsh that has no daemon to
 * reach costs a spawn and tens of milliseconds for nothing): qemu:///system with
 * libvirtd's or virtqemud's socket; xen:///system with virtxend's, or libvirtd's on a
 * Xen dom0 (/proc/xen: only there does libvirtd load its Xen driver).
 */
export function libvirtUrisToAsk(exists: (path: string) => boolean): string[] {
  const monolithic = exists('/run/libvirt/libvirt-sock');
  return [
    ...(monolithic || exists('/run/libvirt/virtqemud-sock') ? ['qemu:///system'] : []),
    ...(exists('/run/libvirt/virtxend-sock') || (monolithic && exists('/proc/xen')) ? ['xen:///system'] : []),
  ];
}

/** Processes that hold `path` (or any of `also`) open: pid and command name. */
export function openers(paths: string[]): { pid: number; comm: string; path: string }[] {
  const wanted = new Set(paths);
  const out: { pid: number; comm: string; path: string }[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    if (Number(pid) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (wanted.has(target)) {
        let comm = '?';
        try {
          comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        } catch {
          /* exited */
        }
        out.push({ pid: Number(pid), comm, path: target });
        break;
      }
    }
  }
  return out;
}

/** What identifies a disk, whatever it is called: a file's (device, inode), a block device's device number. */
export interface DiskIdentity {
  key: string;
  describe: string;
}

/** True when some loop device is attached (sysfs: no process); true too when sysfs cannot be read. */
function anyLoopAttached(): boolean {
  try {
    return attachedLoops().length > 0;
  } catch {
    return true;
  }
}

/** Every loop device with its backing file's identity (losetup --json: BACK-INO, BACK-MAJ:MIN). */
async function loopTable(): Promise<{ name: string; file: string; ino: number; dev: string }[]> {
  // No loop device attached at all (sysfs has a backing_file only for attached ones): nothing to ask losetup.
  if (!anyLoopAttached()) return [];
  const r = await run('losetup', ['--json', '--list', '--output', 'NAME,BACK-FILE,BACK-INO,BACK-MAJ:MIN'], { allowFailure: true });
  if (r.exitCode !== 0 || !r.stdout.trim()) return [];
  const rows = (JSON.parse(r.stdout) as { loopdevices: Record<string, string | number | null>[] }).loopdevices;
  return rows.map((row) => ({ name: String(row.name), file: String(row['back-file'] ?? '').replace(/ \(deleted\)$/, ''), ino: Number(row['back-ino']), dev: String(row['back-maj:min'] ?? '').trim() }));
}

const majMin = (dev: number) => `${Math.floor(dev / 256) & 0xfff}:${(dev & 0xff) | ((dev >> 12) & 0xfff00)}`;

/** A block device's folder in sysfs (/sys/dev/block/MAJ:MIN, which partitions have too). */
function sysBlock(rdev: number): string {
  return `/sys/dev/block/${majMin(rdev)}`;
}

const MAX_STACK = 16;

/**
 * What a disk source really is, through every layer stacked on it: for an image
 * file its (device, inode) — so a symlink, a hard link or a/../b is the same
 * disk; a loop device is its backing file (or the device below it, if that is a
 * loop device, a partition or a mapping in turn); a partition is its disk; a
 * device-mapper or md device is every device below it; any other block device
 * is its device number. Two sources with an identity in common are one disk.
 */
export async function diskIdentities(source: string, depth = 0): Promise<DiskIdentity[]> {
  const st = statSync(source);
  if (st.isFile()) return [{ key: `file:${majMin(st.dev)}:${st.ino}`, describe: realpathSync(source) }];
  if (!st.isBlockDevice() || depth > MAX_STACK) return [{ key: `block:${majMin(st.rdev)}`, describe: source }];
  const sys = sysBlock(st.rdev);
  const through = (ids: DiskIdentity[], name: string) => ids.map((i) => ({ key: i.key, describe: `${i.describe} (through ${name})` }));
  if (existsSync(`${sys}/loop/backing_file`)) {
    const back = readFileSync(`${sys}/loop/backing_file`, 'utf8').trim().replace(/ \(deleted\)$/, '');
    if (existsSync(back) && statSync(back).isBlockDevice()) return through(await diskIdentities(back, depth + 1), source);
    // A file, possibly renamed or deleted since: its inode, as the loop driver knows it.
    const row = (await loopTable()).find((l) => existsSync(l.name) && statSync(l.name).rdev === st.rdev);
    if (row && row.ino) return [{ key: `file:${row.dev}:${row.ino}`, describe: `${row.file} (through ${source})` }];
  }
  if (existsSync(`${sys}/partition`)) {
    const device = deviceByMajMin(readFileSync(join(realpathSync(sys), '..', 'dev'), 'utf8').trim());
    if (device) return through(await diskIdentities(device, depth + 1), source);
  }
  const below = existsSync(`${sys}/slaves`) ? readdirSync(`${sys}/slaves`) : [];
  if (below.length > 0) {
    const ids: DiskIdentity[] = [];
    for (const name of below) if (existsSync(`/dev/${name}`)) ids.push(...through(await diskIdentities(`/dev/${name}`, depth + 1), source));
    if (ids.length > 0) return ids;
  }
  return [{ key: `block:${majMin(st.rdev)}`, describe: realpathSync(source) }];
}

/** The /dev node of a MAJ:MIN. */
function deviceByMajMin(mm: string): string | undefined {
  try {
    const name = basename(realpathSync(`/sys/dev/block/${mm}`));
    return existsSync(`/dev/${name}`) ? `/dev/${name}` : undefined;
  } catch {
    return undefined;
  }
}

/** The first identity of a disk source (the one its lock was keyed by before stacked devices were followed). */
export async function diskIdentity(source: string): Promise<DiskIdentity> {
  return (await diskIdentities(source))[0];
}

/** Loop devices already attached to this file, found by inode — not by a name, which a symlink or hard link changes. */
export async function loopsOf(file: string): Promise<string[]> {
  const st = statSync(file);
  return (await loopTable()).filter((row) => row.ino === st.ino && row.dev === majMin(st.dev)).map((row) => row.name);
}

/** Mount sources in /proc/mounts that are this device (by device number). */
function mountsOfDevice(rdev: number): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [src, target] = line.split(' ');
    if (!src?.startsWith('/dev/')) continue;
    try {
      if (statSync(src).rdev === rdev) out.push(target);
    } catch {
      /* gone */
    }
  }
  return out;
}

export interface InUseCheck {
  /** The guest's name, for the running-domain check (absent for bare disk images). */
  name?: string;
  /** Disk sources (files or block devices), resolved. */
  sources: string[];
  force: boolean;
}

/** Throws UserError naming what holds the guest, unless --force (then warns). */
export async function refuseIfInUse(check: InUseCheck): Promise<void> {
  const reasons: string[] = [];
  const running = check.name ? runningDomains() : undefined;
  for (const src of check.sources) {
    const st = statSync(src);
    for (const o of openers([src])) reasons.push(`${src} is open by process ${o.pid} (${o.comm})`);
    if (st.isFile()) {
      for (const loop of await loopsOf(src)) {
        reasons.push(`${src} is attached to ${loop}`);
        for (const target of mountsOfDevice(statSync(loop).rdev)) reasons.push(`${src} is mounted on ${target} (through ${loop})`);
      }
    }
    if (st.isBlockDevice()) {
      for (const target of mountsOfDevice(st.rdev)) reasons.push(`${src} is mounted on ${target}`);
      const lv = await run('lvm', ['lvs', '--noheadings', '-o', 'lv_attr', src], { allowFailure: true, env: { LVM_SUPPRESS_FD_WARNINGS: '1' } }).catch(() => undefined);
      if (lv && lv.exitCode === 0 && lv.stdout.trim()[5] === 'o') reasons.push(`the LV ${src} is open`);
      // An exclusive open fails while anything (a mount, a mapping, a VM) holds the device.
      try {
        closeSync(openSync(src, constants.O_RDONLY | constants.O_EXCL));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EBUSY' && !reasons.some((r) => r.startsWith(src))) reasons.push(`${src} is busy (held by a mount, a device-mapper table or another program)`);
      }
    }
  }
  if (running) reasons.unshift(...domainReasons(check.name!, await running));
  refuseFor(reasons, check.force);
}

/**
 * The running-domain half of refuseIfInUse, for a caller that asked early (runningDomains())
 * and reads the answer later: attaching (loop devices, partition tables, LVM metadata) writes
 * nothing, so it may go on meanwhile; the answer must be in before anything is mounted.
 */
export async function refuseIfRunning(name: string, running: Promise<{ name: string; via: string }[]>, force: boolean): Promise<void> {
  refuseFor(domainReasons(name, await running), force);
}

/** Why the guest named `name` is in use, from runningDomains()' answer. */
function domainReasons(name: string, running: { name: string; via: string }[]): string[] {
  return running.filter((d) => d.name === name).map((d) => `the domain ${d.name} is running (${d.via})`);
}

function refuseFor(reasons: string[], force: boolean): void {
  if (reasons.length === 0) return;
  const text = reasons.map((r) => `  - ${r}`).join('\n');
  if (force) {
    log.warn(`going on despite --force, although:\n${text}`);
    return;
  }
  throw new UserError(`the guest's disks are in use:\n${text}`, 'Shut the guest down and close what holds its disks, then run xen2kvm again (or pass --force if you are sure nothing writes to them).');
}

/** The lock file of one disk identity. */
export function lockPath(id: DiskIdentity): string {
  return join(runSubdir('locks'), `${createHash('sha256').update(id.key).digest('hex').slice(0, 24)}.lock`);
}

/**
 * Takes the locks of a run's disk sources (each keyed by what the disk is, through
 * every stacked layer), recording each at once. Refuses a disk that another run
 * holds, that a killed run left work on, or that is another of this run's disks
 * under another name.
 */
export async function lockDisks(sources: string[], acq: { record(a: { kind: 'lock'; path: string }): void }): Promise<void> {
  const mine = new Map<string, string>();
  for (const source of sources) {
    for (const id of await diskIdentities(source)) {
      const path = lockPath(id);
      const first = mine.get(path);
      if (first === source) continue;
      if (first !== undefined) throw new UserError(`${source} is the same disk as ${first} (${id.describe})`, 'Give each disk once; a loop device or mapping over a disk is that disk.');
      takeLock(path, source, id);
      mine.set(path, source);
      acq.record({ kind: 'lock', path });
    }
  }
}

function takeLock(path: string, source: string, id: DiskIdentity): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      writeFileSync(fd, `${process.pid}\n${source}\n`);
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const [pidText, holder = ''] = readFileSync(path, 'utf8').split('\n');
      const pid = Number(pidText.trim());
      const run = pid ? runOf(pid) : undefined;
      // The layers it went through (a loop device on a loop device …), as diskIdentities described them.
      const via = id.describe.includes(' (through ') ? ` ${id.describe.slice(id.describe.indexOf(' (through ') + 1)}` : '';
      const other = holder && holder !== source ? `, which is ${holder} under another name${via}` : id.describe !== source && id.describe !== realpathSync(source) ? ` (${id.describe})` : '';
      // This process, another session of it: another guest of the same batch has this disk.
      if (pid === process.pid) throw new UserError(`${source}${other} is a disk of another guest being converted in this batch`, 'Two guests cannot share a disk: fix the configs so that each disk belongs to one guest.');
      if (pid && pidAlive(pid)) {
        throw new UserError(`another xen2kvm run (pid ${pid}${run ? `, run ${run.runId} started ${run.started}: ${run.command}` : ''}) is working on ${source}${other}`, 'Wait for it to finish; if it was killed, run "xen2kvm cleanup".');
      }
      if (run && run.entries.some((a) => a.kind !== 'lock' && a.kind !== 'dir')) {
        throw new UserError(`a xen2kvm run that is no longer running (pid ${pid}, run ${run.runId} started ${run.started}: ${run.command}) left its work on ${source}${other}: ${run.entries.filter((a) => a.kind !== 'lock').length} acquisition(s) not undone`, 'Run "xen2kvm cleanup" to undo what it left, then run xen2kvm again.');
      }
      unlinkSync(path); // stale: its run is gone and left nothing else
    }
  }
  throw new UserError(`cannot lock ${source}`);
}

/** The journal of the run with this pid, if it has one. */
function runOf(pid: number): JournalFile | undefined {
  return readJournals().find((j) => j.data.pid === pid)?.data;
}
