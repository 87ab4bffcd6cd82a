// What the commands share: option groups, the loading of a guest from a config
// or from bare disks, and A=B pair parsing. No command imports another; they all
// import this.
import { accessSync, constants, existsSync, mkdirSync, openSync, readSync, closeSync, realpathSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import type { Argv } from 'yargs';
import { EnvironmentError, UserError } from '../errors.js';
import type { DomainOptions } from '../host/domain-xml.js';
import { log } from '../log.js';
import { parseXenConfig } from '../xen/parse.js';
import { parseSxpConfig } from '../xen/sxp.js';
import { diskLetters } from '../xen/disk.js';
import { parseKeyOption, type LuksKey } from '../image/stacked.js';
import type { XenDisk, XenGuest } from '../xen/types.js';

/** Parses `A=B` pairs (or virt-v2v's `A:B`) given with a repeatable option into a record. */
export function parsePairs(option: string, values: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    // The first '=' splits; without one, the first ':' (a path after '=' may hold colons).
    const at = v.includes('=') ? v.indexOf('=') : v.indexOf(':');
    if (at <= 0 || at === v.length - 1) throw new UserError(`--${option} ${v}: expected FROM=TO (or FROM:TO), e.g. --${option} xenbr0=br0`);
    out[v.slice(0, at)] = v.slice(at + 1);
  }
  return out;
}

export interface HostMappingArgs {
  bridge?: string[];
  network?: string[];
  machine?: string;
  emulator?: string;
  'hvm-virtio'?: boolean;
  disk?: string[];
  hugepages?: boolean;
  'domain-type'?: 'kvm' | 'qemu';
}

export interface AttachArgs {
  disk?: string[];
  attach?: 'auto' | 'kpartx' | 'loop';
  root?: string;
  force?: boolean;
  key?: string[];
  'allow-backing'?: string[];
}

/** The open options every command that attaches a guest passes: strategy, root, force, LUKS keys. */
export function openOptions(a: AttachArgs): { strategy: 'auto' | 'kpartx' | 'loop'; force: boolean; keys: LuksKey[]; allowBacking: string[]; root?: string } {
  return { strategy: a.attach ?? 'auto', force: !!a.force, keys: (a.key ?? []).map(parseKeyOption), allowBacking: (a['allow-backing'] ?? []).map((f) => resolvePath(f)), ...(a.root ? { root: a.root } : {}) };
}

/** Reads and parses a Xen config file; a missing file is a user error. */
export async function loadGuest(file: string, diskOverrides?: string[]): Promise<XenGuest> {
  let text: string;
  try {
    // "-": a record piped in (xm list -l NAME | xen2kvm domxml -).
    text = file === '-' || file === '' ? await readStdin() : await readConfigFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UserError(`cannot read the Xen config ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, 'Give the path of a guest config, e.g. /etc/xen/GUEST.');
  }
  const name = file === '-' || file === '' ? '(stdin)' : file;
  // xend's S-expression records (config.sxp, xm list -l), libvirt's Xen domain XML, and xm/xl configs alike.
  // The XML reader (and the parser it needs) is loaded only for XML: `domxml CFG` starts without it.
  const guest = /^\s*\(/.test(text) ? parseSxpConfig(text, name)
    : /^\s*</.test(text) ? (await import('../xen/libvirt-xml.js')).parseLibvirtXml(text, name)
      : parseXenConfig(text, name);
  applyDiskOverrides(guest, diskOverrides ?? []);
  for (const w of guest.warnings) log.warn(w.message);
  for (const k of guest.unknownKeys) log.verbose(`${file}:${k.pos.line}:${k.pos.column}: key ${k.key} is not used for KVM`);
  return guest;
}

/** `--disk VDEV=PATH`: the disk moved since the config was written. */
export function applyDiskOverrides(guest: XenGuest, overrides: string[]): void {
  const pairs = parsePairs('disk', overrides);
  for (const [vdev, path] of Object.entries(pairs)) {
    const disk = guest.disks.find((d) => d.vdev === vdev);
    if (!disk) throw new UserError(`--disk ${vdev}=${path}: the guest has no disk ${vdev} (it has ${guest.disks.map((d) => d.vdev).join(', ') || 'none'})`);
    if (!path.startsWith('/')) throw new UserError(`--disk ${vdev}=${path}: give an absolute path`);
    disk.path = path;
    disk.sourceKind = path.startsWith('/dev/') ? 'block' : 'file';
    // A block device holds the disk's contents as they are: raw, whatever format the image had.
    if (disk.sourceKind === 'block') disk.format = 'raw';
  }
}

/** QEMU machine types for x86: pc and q35, bare or versioned (pc-i440fx-8.2, pc-q35-7.2). */
const MACHINE = /^(pc|q35|pc-i440fx-\d+\.\d+|pc-q35-\d+\.\d+)$/;

/** The DomainOptions from the shared host-mapping flags. */
export function domainOptions(a: HostMappingArgs): DomainOptions {
  if (a.machine !== undefined && !MACHINE.test(a.machine)) throw new UserError(`--machine ${a.machine}: not an x86 QEMU machine type`, 'Use pc (i440FX) or q35, or a versioned one such as pc-q35-7.2.');
  return {
    machine: a.machine ?? 'pc',
    bridges: parsePairs('bridge', a.bridge),
    networks: parsePairs('network', a.network),
    hvmVirtio: !!a['hvm-virtio'],
    ...(a.hugepages ? { hugepages: true } : {}),
    ...(a.emulator ? { emulator: a.emulator } : {}),
    ...(a['domain-type'] === 'qemu' ? { domainType: 'qemu' as const } : {}),
  };
}

/** `--disk VDEV=PATH`, for every command that reads a guest's disks from its config. */
export function diskOption<T>(y: Argv<T>) {
  return y.option('disk', { type: 'string', array: true, describe: 'Use PATH for the disk VDEV instead of the config\'s (VDEV=PATH, repeatable)' });
}

/** The host-mapping options shared by domxml and convert. */
export function hostMappingOptions<T>(y: Argv<T>) {
  return y
    .option('bridge', { type: 'string', array: true, describe: 'Put NICs on Xen bridge A on host bridge B (A=B, repeatable)' })
    .option('network', { type: 'string', array: true, describe: 'Put NICs on Xen bridge A on libvirt network NET (A=NET, repeatable)' })
    .option('machine', { type: 'string', default: 'pc', describe: 'QEMU machine type (pc or q35)' })
    .option('emulator', { type: 'string', describe: 'Path of the QEMU emulator to name in the XML' })
    .option('hvm-virtio', { type: 'boolean', describe: 'Give HVM guests virtio disks and NICs (only if they have virtio drivers)' })
    .option('hugepages', { type: 'boolean', describe: 'Back the guest\'s memory with hugepages (see host-prep --hugepages-for)' })
    .option('domain-type', { choices: ['kvm', 'qemu'] as const, default: 'kvm' as const, describe: 'kvm (hardware virtualization), or qemu (emulation: slow, for hosts without KVM and for tests)' });
}

/** Where a guest that boots dom0's kernel finds it on this host (convert, inspect). */
export interface Dom0Args {
  'xen-root'?: string;
  kernel?: string;
  ramdisk?: string;
}

export function dom0Options<T>(y: Argv<T>) {
  return y
    .option('xen-root', { type: 'string', describe: 'Where the Xen host\'s / is (mounted or copied), for guests that boot dom0\'s kernel (kernel= in the config)' })
    .option('kernel', { type: 'string', describe: 'Boot this kernel (a file on this host) instead of the dom0 kernel the config names' })
    .option('ramdisk', { type: 'string', describe: 'With --kernel: its initrd (Xen\'s word, as in the config)' });
}

/** The dom0-kernel options as the pipeline takes them (paths made absolute). */
export function dom0Settings(a: Dom0Args): { xenRoot?: string; kernel?: string; initrd?: string } {
  if (a.ramdisk && !a.kernel) throw new UserError('--ramdisk goes with --kernel');
  return { ...(a['xen-root'] ? { xenRoot: resolvePath(a['xen-root']) } : {}), ...(a.kernel ? { kernel: resolvePath(a.kernel) } : {}), ...(a.ramdisk ? { initrd: resolvePath(a.ramdisk) } : {}) };
}

/** The options every command that opens a guest shares. */
export function attachOptions<T>(y: Argv<T>) {
  return diskOption(y)
    .option('attach', { choices: ['auto', 'kpartx', 'loop'] as const, default: 'auto' as const, describe: 'How to reach partitions and LVs: kpartx + vgchange (device-mapper), or loop devices at offsets' })
    .option('root', { type: 'string', describe: 'The root filesystem, when several look like one (VG/LV, xvda2 or a device)' })
    .option('force', { type: 'boolean', describe: 'Go on even though the disks look in use (dangerous)' })
    .option('key', { type: 'string', array: true, describe: 'Key of a LUKS container: ID:file:PATH or ID:key:PASSPHRASE; ID is /dev/xvda2, VG/LV, its UUID, or all (repeatable)' })
    .option('allow-backing', { type: 'string', array: true, describe: 'Accept FILE as a backing file named in a disk image\'s header (it is locked, checked for use and opened read-only; repeatable)' });
}

/** True when the file looks like a text config rather than a disk image or device. */
function looksLikeConfig(path: string): boolean {
  const st = statSync(path);
  if (!st.isFile() || st.size > 1024 * 1024) return false;
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(Math.min(4096, st.size));
  readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  return !buf.includes(0) && (/^\s*[A-Za-z_]\w*\s*\+?=/m.test(buf.toString('utf8')) || /^\s*\(domain\b/.test(buf.toString('utf8')) || /^\s*(<\?xml[^>]*>\s*)?<domain\b/.test(buf.toString('utf8')));
}

/** A Xen guest from a config file, or a nameless one made of bare disks (xvda, xvdb, … in order). */
export async function guestFromTargets(targets: string[], diskOverrides?: string[]): Promise<XenGuest> {
  for (const t of targets) {
    try {
      statSync(t);
    } catch {
      throw new UserError(`${t}: no such file or device`);
    }
  }
  if (targets.length === 1 && looksLikeConfig(targets[0])) return loadGuest(targets[0], diskOverrides);
  if (targets.some(looksLikeConfig)) throw new UserError('give either one Xen config or disk images / devices, not both');
  if (diskOverrides?.length) throw new UserError('--disk goes with a Xen config; with disk images, name the images themselves');
  const pos = { line: 0, column: 0 };
  const disks: XenDisk[] = targets.map((t, i) => ({
    spec: t, pos, driver: 'file', sourceKind: statSync(t).isBlockDevice() ? 'block' : 'file', path: t, format: 'raw',
    vdev: `xvd${diskLetters(i)}`, device: 'disk', readonly: false, shareable: false,
  }));
  return {
    file: targets.join(' '), dialect: 'xm', name: '', type: 'pv', memoryMiB: 0, maxmemMiB: 0, vcpus: 1,
    onPoweroff: 'destroy', onReboot: 'restart', onCrash: 'restart', localtime: false,
    features: { pae: true, acpi: true, apic: true }, disks, nics: [], serials: [], pci: [], usbdevices: [], unknownKeys: [], warnings: [],
  };
}


/** Configs are small text files: a FIFO, a device or anything over 1 MiB is refused, never read. */
const MAX_CONFIG = 1024 * 1024;

async function readConfigFile(file: string): Promise<string> {
  const st = await stat(file);
  if (!st.isFile()) throw Object.assign(new Error('not a regular file (a FIFO, device or directory is never read as a config)'), { code: 'NOTFILE' });
  if (st.size > MAX_CONFIG) throw Object.assign(new Error(`${st.size} bytes: larger than any config (the limit is 1 MiB)`), { code: 'TOOBIG' });
  return readFile(file, 'utf8');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin) {
    size += (c as Buffer).length;
    if (size > MAX_CONFIG) throw Object.assign(new Error('more than 1 MiB on standard input: larger than any config'), { code: 'TOOBIG' });
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Kernel filesystems no result is ever written into (writing there is meaningless, or worse). */
const KERNEL_FS = ['/proc', '/sys', '/dev'];

/** Refuses an output path inside /proc, /sys or /dev (by what its nearest existing folder really is). */
export function checkOutputPath(path: string, option: string): void {
  let p = resolvePath(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  let real = p;
  try {
    real = realpathSync(p);
  } catch {
    /* unreadable: mkdir or access will say so */
  }
  const under = KERNEL_FS.find((k) => real === k || real.startsWith(`${k}/`));
  if (under) throw new EnvironmentError(`${option} ${path} is inside ${under}, a kernel filesystem: nothing is written there`, 'Choose a directory on a real filesystem; no guest was touched.');
}

/** Creates a directory if needed and checks it is writable, before any guest is touched. */
export function ensureWritableDir(dir: string, option: string): void {
  checkOutputPath(dir, option);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EnvironmentError(`${option} ${dir} cannot be written to: ${code === 'ENOENT' ? 'a folder on the way is missing' : code === 'ENOTDIR' ? 'a part of the path is a file' : code ?? (e as Error).message}`, 'Choose a directory you can write to; no guest was touched.');
  }
}

/** The folder of a file to write (--report) must exist and be writable: checked before any guest is touched. */
export function ensureWritableFileDir(file: string, option: string): void {
  checkOutputPath(file, option);
  const dir = dirname(resolvePath(file));
  let why: string | undefined;
  try {
    if (!statSync(dir).isDirectory()) why = `${dir} is not a directory`;
    else accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    why = code === 'ENOENT' || code === 'ENOTDIR' ? `its folder ${dir} does not exist` : `its folder ${dir} is not writable (${code})`;
  }
  if (why) throw new EnvironmentError(`${option} ${file} cannot be written: ${why}`, 'Name a file in an existing folder you can write to; no guest was touched.');
}
