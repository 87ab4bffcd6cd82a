// Block devices stacked on the guest's partitions or LVs: md RAID members are
// assembled (read-only when the guest is), LUKS containers are opened with a key
// the user gives — or refused with a message naming the device and --key. Each
// assembly or mapping is recorded for undo before the next step.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { haveCommand, run } from '../run.js';
import type { Acquirer } from './acquire.js';
import type { AttachedGuest, BlockDevice } from './types.js';

/** `--key ID:file:PATH` or `--key ID:key:PASSPHRASE`; ID a guest device (/dev/xvda2, xvda2, VG/LV), a LUKS UUID, or "all" (virt-v2v's form). */
export interface LuksKey {
  id: string;
  kind: 'file' | 'key';
  value: string;
}

export function parseKeyOption(spec: string): LuksKey {
  const m = /^(.+?):(file|key):(.+)$/.exec(spec);
  if (!m) throw new UserError(`--key ${spec}: expected ID:file:PATH or ID:key:PASSPHRASE, e.g. --key /dev/xvda2:file:/root/guest.key`);
  return { id: m[1], kind: m[2] as 'file' | 'key', value: m[3] };
}

/** The name a person knows a guest device by: /dev/xvda2, /dev/VG/LV, /dev/md/NAME. */
export function guestDeviceName(d: BlockDevice): string {
  if (d.kind === 'lv') return `/dev/${d.vg}/${d.lv}`;
  if (d.kind === 'md') return `/dev/md/${d.mdName ?? '?'}`;
  if (d.kind === 'luks') return `/dev/mapper/luks-${d.luksUuid ?? '?'}`;
  return `/dev/${d.vdev}${d.partition || ''}`;
}

/** KEY=VALUE lines (blkid -o export, mdadm --export) as a record. */
function exportPairs(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').map((l) => l.split('=')).filter((x) => x.length >= 2).map(([k, ...v]) => [k, v.join('=')]));
}

/**
 * Filesystem type, label and UUID of each device, read from its superblock: one blkid for all
 * of them, without its cache (`-c /dev/null`: a loop device's old answer is never reused). Not
 * `-p`: with several devices, `blkid -p` stops at the first it cannot identify, and one blkid per
 * device cost a process each (~8 ms of this process's time per fork). Both probe the same way
 * (a device with two signatures is no answer in either).
 */
export async function identify(devices: BlockDevice[]): Promise<void> {
  if (devices.length === 0) return;
  const r = await run('blkid', ['-c', '/dev/null', '-o', 'export', ...devices.map((d) => d.device)], { allowFailure: true });
  // A block per device it identified, DEVNAME first; exit 2 when it identified none. blkid may name a
  // device-mapper device otherwise than it was asked (/dev/mapper/VG-LV for /dev/VG/LV): matched by
  // the node both names lead to.
  const canonical = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  const byDevice = new Map(r.stdout.split(/\n\s*\n/).map(exportPairs).filter((kv) => kv.DEVNAME).map((kv) => [canonical(kv.DEVNAME), kv]));
  for (const d of devices) {
    const kv = byDevice.get(canonical(d.device));
    if (kv?.TYPE) d.fstype = kv.TYPE;
    if (kv?.LABEL) d.label = kv.LABEL;
    if (kv?.UUID) d.uuid = kv.UUID;
  }
}

/** A free /dev/mdN, from md127 down (the numbers a host's own arrays use least). */
function freeMd(taken: Set<string>): string {
  const active = existsSync('/proc/mdstat') ? readFileSync('/proc/mdstat', 'utf8') : '';
  for (let n = 127; n >= 100; n--) {
    const dev = `/dev/md${n}`;
    if (!taken.has(dev) && !new RegExp(`^md${n} `, 'm').test(active)) return dev;
  }
  throw new UserError('no free md device number between md100 and md127');
}

/** Assembles the guest's md arrays from their members (read-only when the guest is attached read-only). */
export async function assembleMd(guest: AttachedGuest, acq: Acquirer): Promise<BlockDevice[]> {
  const members = guest.devices.filter((d) => d.fstype === 'linux_raid_member');
  if (members.length === 0) return [];
  if (!existsSync('/proc/mdstat')) {
    await run('modprobe', ['md_mod'], { allowFailure: true }).catch(() => undefined);
    if (!existsSync('/proc/mdstat')) throw new UserError(`${members.map(guestDeviceName).join(', ')} ${members.length > 1 ? 'are' : 'is'} part of an md RAID array, and this kernel has no md driver`, 'xen2kvm convert --sandbox vm reads it (its VM\'s kernel has md); or convert on a host whose kernel has md (modprobe md_mod), or copy the array\'s filesystem to a plain image first.');
  }
  if (!(await haveCommand('mdadm'))) throw new UserError('the guest uses md RAID and mdadm is not installed', 'apt-get install mdadm (scripts/setup.sh does).');
  const groups = new Map<string, { devs: BlockDevice[]; name: string; level: string }>();
  for (const m of members) {
    const r = await run('mdadm', ['--examine', '--export', m.device], { allowFailure: true });
    const kv = exportPairs(r.stdout);
    const uuid = kv.MD_UUID;
    if (!uuid) continue;
    const g = groups.get(uuid) ?? { devs: [], name: (kv.MD_NAME ?? uuid).replace(/^[^:]*:/, ''), level: kv.MD_LEVEL ?? '?' };
    g.devs.push(m);
    groups.set(uuid, g);
  }
  const out: BlockDevice[] = [];
  const taken = new Set<string>();
  for (const [uuid, g] of groups) {
    const device = freeMd(taken);
    taken.add(device);
    acq.intend({ kind: 'md', device, members: g.devs.map((d) => d.device) });
    await run('mdadm', ['--assemble', ...(guest.readOnly ? ['--readonly'] : []), '--run', device, ...g.devs.map((d) => d.device)], { advice: 'The array may be degraded beyond repair, or its members are not all among the guest\'s disks: pass every disk.' });
    const d: BlockDevice = { device, kind: 'md', vdev: g.devs[0].vdev, partition: 0, mdName: g.name, mdUuid: uuid };
    await identify([d]);
    log.verbose(`assembled md array ${g.name} (${g.level}) as ${device} from ${g.devs.map(guestDeviceName).join(', ')}`);
    guest.notes.push(`md array ${g.name} (${g.level}, ${g.devs.map(guestDeviceName).join(' + ')}) assembled${guest.readOnly ? ' read-only' : ''}`);
    out.push(d);
  }
  guest.devices.push(...out);
  return out;
}

/** Opens the guest's LUKS containers with the keys given; refuses, naming the device and --key, without one. */
export async function openLuks(guest: AttachedGuest, keys: LuksKey[], acq: Acquirer, among: BlockDevice[] = guest.devices): Promise<BlockDevice[]> {
  const containers = among.filter((d) => d.fstype === 'crypto_LUKS' && !guest.devices.some((o) => o.kind === 'luks' && o.luksOf === d.device));
  const out: BlockDevice[] = [];
  for (const c of containers) {
    const name = guestDeviceName(c);
    const key = keys.find((k) => k.id === name || k.id === name.replace(/^\/dev\//, '') || k.id === c.uuid || k.id === `UUID=${c.uuid}` || k.id === 'all');
    if (!key) {
      throw new UserError(
        `${name} is a LUKS-encrypted container (UUID ${c.uuid ?? 'unknown'}); xen2kvm cannot read what is inside without its key`,
        `Give the key: --key ${name}:file:/path/to/keyfile (or --key ${name}:key:PASSPHRASE, or --key all:file:… for every container).`,
      );
    }
    if (key.kind === 'file' && !existsSync(key.value)) throw new UserError(`--key ${key.id}:file:${key.value}: no such file`);
    if (!(await haveCommand('cryptsetup'))) throw new UserError('the guest uses LUKS and cryptsetup is not installed', 'apt-get install cryptsetup-bin (scripts/setup.sh does).');
    const mapName = `x2k-${process.pid}-${out.length + guest.devices.filter((d) => d.kind === 'luks').length}`;
    acq.intend({ kind: 'luks', name: mapName, device: c.device });
    await run('cryptsetup', ['open', '--type', 'luks', ...(guest.readOnly ? ['--readonly'] : []), '--key-file', key.kind === 'file' ? key.value : '-', c.device, mapName], {
      ...(key.kind === 'key' ? { input: key.value } : {}),
      advice: `The key given for ${name} did not open it (wrong key?), or this kernel has no dm-crypt.`,
    });
    const d: BlockDevice = { device: `/dev/mapper/${mapName}`, kind: 'luks', vdev: c.vdev, partition: 0, luksOf: c.device, ...(c.uuid ? { luksUuid: c.uuid } : {}) };
    await identify([d]);
    guest.notes.push(`LUKS container ${name} opened${guest.readOnly ? ' read-only' : ''} with the key given`);
    out.push(d);
  }
  guest.devices.push(...out);
  return out;
}
