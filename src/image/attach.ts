// Attaching a stopped guest's disks: each image or device, its partitions (loop
// devices at partition offsets, or kpartx mappings), and its LVM volumes (loop
// maps of linear LVs, or vgchange activation restricted to the guest's PVs).
// Every acquisition is recorded before the next step starts.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { checkInterrupted } from '../cleanup.js';
import { run } from '../run.js';
import { activateVg, hostPvs, hostVgClashes, lvmEnv, scanGuestLvm } from '../lvm/lvm.js';
import { mapperName } from '../lvm/report.js';
import { vdevPartition } from '../xen/disk.js';
import type { XenDisk } from '../xen/types.js';
import { lockDisks, refuseIfInUse, refuseIfRunning, runningDomains } from './inuse.js';
import { checkSelfContained, hasHeader, qemuFormat, qemuOpenSpec } from './self-contained.js';
import { parseSfdiskJson, type PartitionTable } from './layout.js';
import { NO_DEVICE, type Acquirer } from './acquire.js';
import { assembleMd, identify, openLuks, type LuksKey } from './stacked.js';
import type { AttachedDisk, AttachedGuest, AttachStrategy, BlockDevice } from './types.js';

export interface AttachOptions {
  strategy: 'auto' | AttachStrategy;
  readOnly: boolean;
  force: boolean;
  /** Guest name for the running-domain check. */
  name?: string;
  /** Keys for the guest's LUKS containers (--key). */
  keys?: LuksKey[];
  /** Backing files the user accepts in image headers (--allow-backing). */
  allowBacking?: string[];
}

/** device-mapper present in this kernel? */
export function haveDeviceMapper(): boolean {
  // /dev/mapper/control can exist (made by the lvm2 package) on a kernel without
  // device-mapper; the kernel's own list of misc devices is what counts.
  try {
    return /\bdevice-mapper\b/.test(readFileSync('/proc/misc', 'utf8'));
  } catch {
    return existsSync('/dev/mapper/control');
  }
}

export function chooseStrategy(s: AttachOptions['strategy']): AttachStrategy {
  if (s === 'auto') return haveDeviceMapper() ? 'kpartx' : 'loop';
  if (s === 'kpartx' && !haveDeviceMapper()) {
    throw new UserError('--attach kpartx needs device-mapper, which this kernel does not have (no device-mapper in /proc/misc)', 'Use --attach loop (or auto).');
  }
  return s;
}

export async function attachGuest(disks: XenDisk[], opts: AttachOptions, acq: Acquirer): Promise<AttachedGuest> {
  const strategy = chooseStrategy(opts.strategy);
  // Asked first and answered while the disks attach (virsh takes ~0.1 s); attaching writes nothing,
  // and the answer is in before attachGuest returns, so before anything is mounted.
  const running = opts.name ? runningDomains() : undefined;
  const usable = disks.filter((d) => d.device === 'disk');
  for (const d of usable) {
    if (d.sourceKind === 'network' || !d.path) throw new UserError(`disk ${d.vdev} (${d.spec}) is not a local image or device`, `Attach it on this host and pass --disk ${d.vdev}=/dev/…`);
    if (!existsSync(d.path)) throw new UserError(`disk ${d.vdev}: ${d.path} does not exist`, `If the image has moved, pass --disk ${d.vdev}=NEW_PATH.`);
    const st = statSync(d.path);
    if (!st.isFile() && !st.isBlockDevice()) throw new UserError(`disk ${d.vdev}: ${d.path} is neither an image file nor a block device`);
  }
  // Disks by what they are: canonical paths (a symlinked directory, a/../b), so the
  // journal and the loop devices name the real file.
  for (const d of usable) d.path = realpathSync(d.path!);
  // Image headers before anything opens the disks: no header may send qemu to another file.
  const chain = await checkSelfContained(usable.map((d) => ({ vdev: d.vdev, path: d.path!, format: d.format })), opts.allowBacking ?? []);
  const sources = [...usable.map((d) => d.path!), ...chain.backing.map((b) => b.path)];
  // Lock first (per inode, so a hard link or another name is the same disk), so two runs cannot both pass the in-use check.
  await lockDisks(sources, acq);
  await refuseIfInUse({ sources, force: opts.force });

  const guest: AttachedGuest = { strategy, readOnly: opts.readOnly, disks: [], devices: [], vgs: [], notes: [] };
  const withBacking = new Set(chain.backing.map((b) => b.of));
  for (const disk of usable) {
    checkInterrupted();
    const attached = await attachDisk(disk, strategy, opts.readOnly, acq, withBacking.has(disk.path!));
    guest.disks.push(attached.disk);
    guest.devices.push(...attached.devices);
  }
  await identify(guest.devices);
  // Stacked devices, in the order guests stack them: md, LUKS, LVM (PVs on either), LUKS on LVs.
  await assembleMd(guest, acq);
  await openLuks(guest, opts.keys ?? [], acq);
  const before = guest.devices.length;
  await attachLvm(guest, acq);
  await openLuks(guest, opts.keys ?? [], acq, guest.devices.slice(before));
  if (running) await refuseIfRunning(opts.name!, running, opts.force);
  return guest;
}

async function attachDisk(disk: XenDisk, strategy: AttachStrategy, readOnly: boolean, acq: Acquirer, withBacking: boolean): Promise<{ disk: AttachedDisk; devices: BlockDevice[] }> {
  const source = disk.path!;
  let whole = source;
  if (hasHeader(disk.format)) whole = await connectNbd(disk, readOnly, acq, withBacking);
  // A vdev with a partition number (xvda1) is a bare filesystem by definition.
  const table = vdevPartition(disk.vdev) > 0 ? undefined : await readTable(whole);
  const devices: BlockDevice[] = [];
  const isFile = statSync(whole).isFile();
  if (!table || table.partitions.length === 0) {
    const dev = isFile || strategy === 'loop' ? await loop(whole, 0, undefined, readOnly, acq) : whole;
    devices.push({ device: dev, kind: 'disk', vdev: disk.vdev, partition: 0 });
    return { disk: { disk, source, whole: dev, ...(table ? { table } : {}) }, devices };
  }
  if (strategy === 'loop') {
    for (const p of table.partitions) {
      const dev = await loop(whole, p.startBytes, p.sizeBytes, readOnly, acq);
      devices.push({ device: dev, kind: 'partition', vdev: disk.vdev, partition: p.number });
    }
    return { disk: { disk, source, whole, table }, devices };
  }
  const base = isFile ? await loop(whole, 0, undefined, readOnly, acq) : whole;
  acq.intend({ kind: 'kpartx', device: base });
  const r = await run('kpartx', ['-av', ...(readOnly ? ['-r'] : []), base], { env: lvmEnv(), advice: 'Try --attach loop.' });
  const maps = r.stdout.split('\n').map((l) => /^add map (\S+) /.exec(l)?.[1]).filter((x): x is string => !!x);
  for (const name of maps) {
    const num = Number(/(\d+)$/.exec(name)?.[1]);
    const device = `/dev/mapper/${name}`;
    await waitFor(device);
    devices.push({ device, kind: 'partition', vdev: disk.vdev, partition: num });
  }
  return { disk: { disk, source, whole: base, table }, devices };
}

async function waitFor(device: string): Promise<void> {
  for (let i = 0; i < 50 && !existsSync(device); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(device)) throw new UserError(`${device} did not appear`, 'Is udev running? Try --attach loop.');
}

async function readTable(device: string): Promise<PartitionTable | undefined> {
  const r = await run('sfdisk', ['--json', device], { allowFailure: true });
  if (r.exitCode !== 0) {
    if (/does not contain a recognized partition table|unrecognized partition table/i.test(r.stderr)) return undefined;
    throw new UserError(`cannot read the partition table of ${device}: ${r.stderr.trim()}`);
  }
  try {
    return parseSfdiskJson(r.stdout);
  } catch (e) {
    throw new UserError(`cannot read the partition table of ${device}: ${(e as Error).message}`);
  }
}

/** A block device for a whole disk: the device itself, or a read-write loop device over an image file (recorded for undo). */
export async function blockDeviceFor(path: string, acq: Acquirer): Promise<string> {
  return statSync(path).isBlockDevice() ? path : loop(path, 0, undefined, false, acq);
}

/** A loop device over part of a file or device; journaled before losetup starts, so no step can lose it. */
async function loop(backing: string, offset: number, size: number | undefined, readOnly: boolean, acq: Acquirer): Promise<string> {
  const entry = { kind: 'loop' as const, device: '', backing, offset, ...(size ? { size } : {}) };
  acq.intend(entry);
  const args = ['--find', '--show', ...(readOnly ? ['--read-only'] : []), ...(offset ? ['--offset', String(offset)] : []), ...(size ? ['--sizelimit', String(size)] : []), backing];
  try {
    const r = await run('losetup', args, { advice: 'Are loop devices available? (modprobe loop; losetup -f)' });
    entry.device = r.stdout.trim();
  } catch (e) {
    entry.device = NO_DEVICE; // losetup made none: nothing to undo
    throw e;
  } finally {
    acq.journal.update();
  }
  return entry.device;
}

async function connectNbd(disk: XenDisk, readOnly: boolean, acq: Acquirer, withBacking: boolean): Promise<string> {
  const advice = `Convert the image to raw first: qemu-img convert -f ${qemuFormat(disk.format)} -O raw ${disk.path} ${disk.path}.raw, then pass --disk ${disk.vdev}=${disk.path}.raw`;
  if (!existsSync('/sys/block/nbd0')) {
    await run('modprobe', ['nbd', 'max_part=0'], { allowFailure: true }).catch(() => undefined);
    if (!existsSync('/sys/block/nbd0')) throw new UserError(`disk ${disk.vdev} is ${disk.format}, which needs the nbd kernel module, and this kernel has none`, advice);
  }
  for (let i = 0; i < 16; i++) {
    const dev = `/dev/nbd${i}`;
    if (!existsSync(`/sys/block/nbd${i}`)) break;
    if (Number(readFileSync(`/sys/block/nbd${i}/size`, 'utf8')) !== 0) continue;
    acq.intend({ kind: 'nbd', device: dev, backing: disk.path! });
    // The format given (never probed), and no backing file: the header was checked, and qemu-nbd is told the same.
    const r = await run('qemuNbd', ['--connect', dev, ...(readOnly ? ['--read-only'] : []), qemuOpenSpec(disk.path!, disk.format, withBacking)], { allowFailure: true });
    if (r.exitCode === 0) {
      for (let w = 0; w < 50 && Number(readFileSync(`/sys/block/nbd${i}/size`, 'utf8')) === 0; w++) await new Promise((res) => setTimeout(res, 100));
      return dev;
    }
  }
  throw new UserError(`no free nbd device for disk ${disk.vdev}`, advice);
}

async function attachLvm(guest: AttachedGuest, acq: Acquirer): Promise<void> {
  const pvDevices = guest.devices.filter((d) => d.fstype === 'LVM2_member');
  if (pvDevices.length === 0) return;
  const [lvm, allPvs] = await Promise.all([scanGuestLvm(pvDevices.map((d) => d.device)), hostPvs()]);
  const vgs = [...new Map(lvm.pvs.filter((p) => p.vgName).map((p) => [p.vgUuid, { name: p.vgName, uuid: p.vgUuid }])).values()];
  const clashes = hostVgClashes(allPvs, lvm.pvs.map((p) => p.pvUuid), vgs);
  const lvDevices: BlockDevice[] = [];
  for (const vg of vgs) {
    const clash = clashes.some((c) => c.name === vg.name);
    const devs = lvm.pvs.filter((p) => p.vgUuid === vg.uuid).map((p) => p.pvName);
    const pvDev = (name: string) => pvDevices.find((d) => d.device === name)!;
    if (guest.strategy === 'kpartx' && !clash) {
      acq.intend({ kind: 'vg', vgName: vg.name, vgUuid: vg.uuid, devices: devs });
      await activateVg(vg.uuid, devs);
      guest.vgs.push({ ...vg, via: 'activation' });
      // Every LV of the VG — linear or not, contiguous or not — is there once it is active.
      const lvNames = [...new Set([...lvm.extents.filter((x) => x.vgUuid === vg.uuid).map((e) => e.lvName), ...lvm.unmappable.filter((u) => u.vgName === vg.name).map((u) => u.lvName)])];
      for (const lvName of lvNames) {
        const device = `/dev/mapper/${mapperName(vg.name, lvName)}`;
        await waitFor(device);
        const pv = lvm.extents.find((x) => x.vgUuid === vg.uuid && x.lvName === lvName)?.pvName ?? devs[0];
        lvDevices.push({ device, kind: 'lv', vdev: pvDev(pv).vdev, partition: 0, vg: vg.name, lv: lvName });
      }
      continue;
    }
    if (clash) {
      const note = `the guest's volume group ${vg.name} has the same name as another VG on this host (the host's own, or another guest's being converted); the guest's is mapped with loop devices and never activated, so the other is not touched`;
      guest.notes.push(note);
      log.warn(note);
    }
    const bad = lvm.unmappable.filter((u) => u.vgName === vg.name);
    if (bad.length > 0) {
      throw new UserError(
        `cannot map ${bad.map((b) => `${b.vgName}/${b.lvName} (${b.reason})`).join(', ')} with loop devices`,
        clash ? 'This VG clashes with a host VG, so it cannot be activated either; rename the host VG temporarily or convert on another host.' : 'Use --attach kpartx, which activates the VG with device-mapper.',
      );
    }
    for (const e of lvm.extents.filter((x) => x.vgUuid === vg.uuid)) {
      const device = await loop(e.pvName, e.offsetBytes, e.sizeBytes, guest.readOnly, acq);
      lvDevices.push({ device, kind: 'lv', vdev: pvDev(e.pvName).vdev, partition: 0, vg: vg.name, lv: e.lvName });
    }
    guest.vgs.push({ ...vg, via: 'loop', ...(clash ? { clash: true } : {}) });
  }
  await identify(lvDevices);
  guest.devices.push(...lvDevices);
}
