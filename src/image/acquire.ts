// Undoing one acquisition: unmount, deactivate a VG, remove kpartx mappings,
// detach loop / nbd devices, remove a lock or temp dir. Each undo first checks
// that the thing is still ours (a loop device may have been reused since), and
// succeeds quietly when it is already gone, so `xen2kvm cleanup` is idempotent.
import { existsSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { log } from '../log.js';
import { run } from '../run.js';
import type { CleanupStack, UndoGroup } from '../cleanup.js';
import { describeAcquisition, pidAlive, processStart, readJournals, type Acquisition, type Journal } from './journal.js';
import { lvmArgs, lvmEnv } from '../lvm/lvm.js';

/** Mount targets in /proc/mounts (octal escapes decoded). */
/** /proc/mounts, its octal escapes (\\040 for a space) decoded. */
export function procMounts(): { source: string; target: string; options: string }[] {
  const decode = (f: string) => f.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/mounts', 'utf8').split('\n').filter(Boolean).map((l) => {
    const f = l.split(' ');
    return { source: decode(f[0]), target: decode(f[1]), options: f[3] ?? '' };
  });
}

export function mountedTargets(): string[] {
  return procMounts().map((m) => m.target);
}

/** A loop device's backing file and offset from sysfs (`loopN`), or undefined when it is not attached. */
function sysLoop(name: string): { file: string; offset: number } | undefined {
  const sys = `/sys/block/${name}/loop`;
  try {
    const file = readFileSync(`${sys}/backing_file`, 'utf8').trim().replace(/ \(deleted\)$/, '');
    const offset = Number(readFileSync(`${sys}/offset`, 'utf8').trim());
    return { file, offset };
  } catch {
    return undefined;
  }
}

/** The backing file of a loop device (from sysfs), or undefined when it is not attached. */
export async function loopBacking(device: string): Promise<{ file: string; offset: number } | undefined> {
  return sysLoop(device.replace(/^\/dev\//, ''));
}

/** Every attached loop device with its backing file and offset (from sysfs: no process). */
export function attachedLoops(): { device: string; file: string; offset: number }[] {
  const out: { device: string; file: string; offset: number }[] = [];
  for (const name of readdirSync('/sys/block').filter((n) => /^loop\d+$/.test(n))) {
    const back = sysLoop(name);
    if (back) out.push({ device: `/dev/${name}`, ...back });
  }
  return out;
}

/** A loop entry whose losetup failed: it made no device. */
export const NO_DEVICE = '-';

/** Loop devices on `backing` at `offset` that no run's journal names (one a killed run made just before it could say which). */
function unjournaledLoops(backing: string, offset: number): string[] {
  const named = new Set(readJournals().flatMap((j) => j.data.entries.filter((e) => e.kind === 'loop' && e.device).map((e) => (e as { device: string }).device)));
  return attachedLoops().filter((l) => l.file === backing && l.offset === offset && !named.has(l.device)).map((l) => l.device);
}

/** What keeps a loop device busy: device-mapper tables, loop devices on it, mounts of it. */
export function loopHolders(device: string): string[] {
  const name = device.replace(/^\/dev\//, '');
  const out: string[] = [];
  try {
    for (const h of readdirSync(`/sys/block/${name}/holders`)) out.push(`/dev/${h}`);
  } catch {
    /* none */
  }
  for (const l of attachedLoops()) if (l.file === device) out.push(`${l.device} (a loop device on it)`);
  for (const m of procMounts()) if (m.source === device) out.push(`the mount on ${m.target}`);
  return out;
}

async function unmount(given: string): Promise<void> {
  // Canonical form (no trailing slash), as /proc/mounts shows it.
  const target = resolvePath(given);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (!mountedTargets().includes(target)) return;
    const r = await run('umount', [target], { allowFailure: true });
    if (r.exitCode === 0) return;
    await new Promise((res) => setTimeout(res, 200 * (attempt + 1)));
  }
  if (!mountedTargets().includes(target)) return;
  log.warn(`${target} stayed busy; detaching it lazily (umount -l)`);
  await run('umount', ['-l', target]);
  if (mountedTargets().includes(target)) throw new Error(`${target} is still mounted`);
}

/** Unmounts several targets (children before parents, as given) with one umount; throws if any stays mounted. */
async function unmountAll(given: string[]): Promise<void> {
  const mounted = mountedTargets();
  const targets = given.map((t) => resolvePath(t)).filter((t) => mounted.includes(t));
  if (targets.length === 0) return;
  await run('umount', targets, { allowFailure: true });
  const still = mountedTargets().filter((t) => targets.includes(t));
  if (still.length) throw new Error(`${still.join(', ')} still mounted`);
}

/** The loop devices an acquisition made that are still attached to its backing and offset. */
async function ownLoops(a: Extract<Acquisition, { kind: 'loop' }>): Promise<string[]> {
  // Journaled before losetup said its name: every loop device on that backing and offset no other run journaled.
  if (a.device === NO_DEVICE) return [];
  const out: string[] = [];
  for (const device of a.device ? [a.device] : unjournaledLoops(a.backing, a.offset)) {
    const back = await loopBacking(device);
    if (!back) continue;
    if (back.file !== a.backing || back.offset !== a.offset) {
      log.warn(`${device} now belongs to ${back.file}; not detaching it`);
      continue;
    }
    out.push(device);
  }
  return out;
}

/** Waits (up to 2 s) until a loop device no longer belongs to the acquisition; throws naming what holds it. */
async function waitDetached(device: string, a: Extract<Acquisition, { kind: 'loop' }>): Promise<void> {
  // A busy loop device is only marked to go when released (a passing udev probe releases it in a moment): say what holds it.
  const gone = async () => {
    const still = await loopBacking(device);
    return !still || still.file !== a.backing || still.offset !== a.offset;
  };
  for (let i = 0; i < 20 && !(await gone()); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await gone())) throw new Error(`${device} is still attached: held by ${loopHolders(device).join(', ') || 'something this tool cannot see'}`);
}

/** Detaches several acquisitions' loop devices (newest first, as given) with one losetup -d. */
async function detachLoops(as: Extract<Acquisition, { kind: 'loop' }>[]): Promise<void> {
  const pairs: [string, Extract<Acquisition, { kind: 'loop' }>][] = [];
  for (const a of as) for (const d of await ownLoops(a)) pairs.push([d, a]);
  if (pairs.length === 0) return;
  await run('losetup', ['-d', ...pairs.map(([d]) => d)], { allowFailure: true });
  for (const [d, a] of pairs) await waitDetached(d, a);
}

export async function undoAcquisition(a: Acquisition): Promise<void> {
  switch (a.kind) {
    case 'mount':
      return unmount(a.target);
    case 'vg':
      await run('lvm', ['vgchange', '-an', ...lvmArgs(a.devices), '--select', `vg_uuid=${a.vgUuid}`], { env: lvmEnv() });
      return;
    case 'kpartx': {
      const r = await run('kpartx', ['-d', a.device], { allowFailure: true, env: lvmEnv() });
      if (r.exitCode !== 0 && !/not found|No such/.test(r.stderr)) throw new Error(r.stderr.trim() || `kpartx -d ${a.device} failed`);
      return;
    }
    case 'loop':
      return detachLoops([a]);
    case 'nbd': {
      await run('qemuNbd', ['--disconnect', a.device], { allowFailure: true });
      return;
    }
    case 'md': {
      // Only the array we assembled: still made of the same members.
      const r = await run('mdadm', ['--detail', '--export', a.device], { allowFailure: true });
      if (r.exitCode !== 0) return;
      await run('mdadm', ['--stop', a.device]);
      return;
    }
    case 'luks': {
      if (!existsSync(`/dev/mapper/${a.name}`)) return;
      await run('cryptsetup', ['close', a.name]);
      return;
    }
    case 'process': {
      // The guest command's namespace holder (unshare): killing it takes the whole namespace down (--kill-child).
      if (processStart(a.pid) !== a.start) return;
      try {
        process.kill(a.pid, 'SIGKILL');
      } catch {
        return;
      }
      for (let i = 0; i < 50 && processStart(a.pid) === a.start; i++) await new Promise((r) => setTimeout(r, 100));
      return;
    }
    case 'lock':
      try {
        const pid = Number(readFileSync(a.path, 'utf8').split('\n')[0].trim());
        if (pid === process.pid || !Number.isFinite(pid) || pid <= 0 || !pidAlive(pid)) unlinkSync(a.path);
      } catch {
        /* gone */
      }
      return;
    case 'dir':
      try {
        rmdirSync(a.path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      return;
  }
}

/** Records acquisitions in the journal and pushes their undo onto the stack. */
export class Acquirer {
  constructor(readonly stack: CleanupStack, readonly journal: Journal) {}

  /** Call right after acquiring: from here on the undo always runs. */
  record(a: Acquisition): void {
    this.journal.add(a);
    const group = a.kind === 'mount' ? this.mounts : a.kind === 'loop' ? this.loops : undefined;
    this.stack.push(describeAcquisition(a), async () => {
      await undoAcquisition(a);
      this.journal.remove(a);
    }, group && { group, item: a });
  }

  // Mounts next to each other on the stack go in one umount, loop devices in one losetup -d (a process
  // costs this one ~8 ms of fork and exec): what is still there afterwards is undone one by one.
  private readonly mounts = this.group<'mount'>('mount', (as) => unmountAll(as.map((a) => a.target)));
  private readonly loops = this.group<'loop'>('loop', detachLoops);

  /** Acquisitions of one kind undone together, then taken off the journal. */
  private group<K extends Acquisition['kind']>(key: K, undoAll: (as: Extract<Acquisition, { kind: K }>[]) => Promise<void>): UndoGroup {
    return {
      key,
      undoAll: async (steps) => {
        const as = steps.map((s) => s.item as Extract<Acquisition, { kind: K }>);
        await undoAll(as);
        for (const a of as) this.journal.remove(a);
      },
    };
  }

  /** Call before acquiring, for things whose undo is harmless when nothing was acquired (a mount, a mapping). */
  intend(a: Acquisition): void {
    this.record(a);
  }
}
