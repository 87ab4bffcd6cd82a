// Refusals before touching a disk: the guest is running, the image or device is
// open by a process, attached to a loop device, mounted, or an LV is open — and
// a per-disk lock so two xen2kvm runs never work on one guest at once.
import { closeSync, constants, existsSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { haveCommand, run } from '../run.js';
import { runSubdir } from '../paths.js';
import { pidAlive } from './journal.js';

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
    ...['qemu:///system', 'xen:///system'].map((uri) => ask('virsh', ['-c', uri, 'list', '--name'], `virsh -c ${uri} list`, names)),
  ]);
  return all.flat();
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

/** Every loop device with its backing file's identity (losetup --json: BACK-INO, BACK-MAJ:MIN). */
async function loopTable(): Promise<{ name: string; file: string; ino: number; dev: string }[]> {
  const r = await run('losetup', ['--json', '--list', '--output', 'NAME,BACK-FILE,BACK-INO,BACK-MAJ:MIN'], { allowFailure: true });
  if (r.exitCode !== 0 || !r.stdout.trim()) return [];
  const rows = (JSON.parse(r.stdout) as { loopdevices: Record<string, string | number | null>[] }).loopdevices;
  return rows.map((row) => ({ name: String(row.name), file: String(row['back-file'] ?? '').replace(/ \(deleted\)$/, ''), ino: Number(row['back-ino']), dev: String(row['back-maj:min'] ?? '').trim() }));
}

const majMin = (dev: number) => `${Math.floor(dev / 256) & 0xfff}:${(dev & 0xff) | ((dev >> 12) & 0xfff00)}`;

/**
 * The identity of a disk source: for an image file its (device, inode) — so a
 * symlink, a hard link or a/../b is the same disk; for a loop device, the
 * identity of its backing file (phy:/dev/loopN over an image IS that image);
 * for any other block device, its device number.
 */
export async function diskIdentity(source: string): Promise<DiskIdentity> {
  const st = statSync(source);
  if (st.isFile()) return { key: `file:${majMin(st.dev)}:${st.ino}`, describe: realpathSync(source) };
  const loop = (await loopTable()).find((l) => l.name === realpathSync(source) || (existsSync(l.name) && statSync(l.name).rdev === st.rdev));
  if (loop && loop.ino) return { key: `file:${loop.dev}:${loop.ino}`, describe: `${loop.file} (through ${loop.name})` };
  return { key: `block:${majMin(st.rdev)}`, describe: realpathSync(source) };
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
  if (check.name) {
    for (const d of await runningDomains()) {
      if (d.name === check.name) reasons.push(`the domain ${d.name} is running (${d.via})`);
    }
  }
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
  if (reasons.length === 0) return;
  const text = reasons.map((r) => `  - ${r}`).join('\n');
  if (check.force) {
    log.warn(`going on despite --force, although:\n${text}`);
    return;
  }
  throw new UserError(`the guest's disks are in use:\n${text}`, 'Shut the guest down and close what holds its disks, then run xen2kvm again (or pass --force if you are sure nothing writes to them).');
}

/** Takes the lock for one disk (keyed by what it is, not what it is called); returns the lock file path. */
export async function lockDisk(source: string): Promise<string> {
  const id = await diskIdentity(source);
  const key = createHash('sha256').update(id.key).digest('hex').slice(0, 24);
  const path = join(runSubdir('locks'), `${key}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      writeFileSync(fd, `${process.pid}\n${source}\n`);
      closeSync(fd);
      return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8').split('\n')[0].trim());
      if (pid && pid !== process.pid && pidAlive(pid)) {
        const holder = readFileSync(path, 'utf8').split('\n')[1] ?? '';
        throw new UserError(`another xen2kvm run (pid ${pid}) is working on ${source}${holder && holder !== source ? `, which is ${holder} under another name` : ''}`, 'Wait for it to finish; if it was killed, run "xen2kvm cleanup".');
      }
      unlinkSync(path); // stale: its run is gone
    }
  }
  throw new UserError(`cannot lock ${source}`);
}
