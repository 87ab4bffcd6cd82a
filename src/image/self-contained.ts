// Before any disk is opened (loop, qemu-nbd, --sandbox vm): a disk in an image
// format must not name another file in its header — a backing file, an external
// data file, vmdk extents — or qemu would read (and write) that file as the
// guest. The header is read by xen2kvm itself (image/header.ts), then qemu-img
// is asked the same question with the format given (never probed), and both
// must agree that nothing else is named. A backing file the user accepts with
// --allow-backing is checked the same way, and then locked, checked for use
// and opened read-only like the disk itself.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { printable, UserError } from '../errors.js';
import { run } from '../run.js';
import { HEADER_BYTES, HEADER_FORMATS, qemuInfoReferences, readReferences, type HeaderReference } from './header.js';

/** qemu's driver name for a Xen / libvirt image format. */
export function qemuFormat(format: string): string {
  return format === 'vhd' ? 'vpc' : format;
}

/** Formats with a header to check (raw has none, and is never probed). */
export function hasHeader(format: string): boolean {
  return (HEADER_FORMATS as readonly string[]).includes(format);
}

export interface HeaderCheck {
  vdev: string;
  path: string;
  format: string;
}

/** The files a disk may read besides itself: the backing chain the user accepted, in order. */
export interface SelfContained {
  backing: { path: string; format: string; of: string }[];
}

const MAX_CHAIN = 16;

function blockSize(path: string): number {
  try {
    const name = basename(realpathSync(path));
    return Number(readFileSync(`/sys/class/block/${name}/size`, 'utf8').trim()) * 512;
  } catch {
    return 0;
  }
}

/** The first HEADER_BYTES and the last 512 bytes of an image file or block device. */
export function readHeadAndTail(path: string): { head: Buffer; tail: Buffer } {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile() && !st.isBlockDevice()) throw new UserError(`${path} is neither an image file nor a block device`);
    const size = st.isFile() ? st.size : blockSize(path);
    const head = Buffer.alloc(Math.min(HEADER_BYTES, size || HEADER_BYTES));
    const n = readSync(fd, head, 0, head.length, 0);
    const tail = Buffer.alloc(size >= 512 ? 512 : 0);
    if (tail.length) readSync(fd, tail, 0, 512, size - 512);
    return { head: head.subarray(0, n), tail };
  } finally {
    closeSync(fd);
  }
}

function describe(r: HeaderReference): string {
  return r.kind === 'backing' ? 'a backing file' : r.kind === 'data-file' ? 'an external data file' : 'an extent file';
}

/** Where qemu would look for a name written in `image`'s header (relative names are relative to the image's folder). */
function whereQemuLooks(image: string, name: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(name) && !name.startsWith('/')) return undefined; // json:, nbd:, http: … a protocol, not a file
  return isAbsolute(name) ? name : resolve(dirname(image), name);
}

async function qemuInfo(path: string, format: string): Promise<Record<string, unknown>> {
  // No --backing-chain: qemu-img opens the image alone (BDRV_O_NO_BACKING).
  const r = await run('qemuImg', ['info', '--output=json', '-f', qemuFormat(format), path], { allowFailure: true, timeoutMs: 30_000 });
  if (r.exitCode !== 0) throw new UserError(`${path} cannot be opened as ${format}: ${printable(r.stderr.trim().split('\n').pop() ?? '')}`, 'Check the format the config gives for this disk (tap:qcow2:, format=…).');
  try {
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    throw new UserError(`qemu-img info gave no JSON for ${path}`);
  }
}

/** The backing format recorded in the header (qemu-img info's backing-filename-format); never guessed. */
function recordedBackingFormat(info: Record<string, unknown>): string | undefined {
  const f = info['backing-filename-format'];
  if (typeof f !== 'string') return undefined;
  return f === 'vpc' ? 'vhd' : f;
}

/**
 * Refuses a disk whose header names any file the user did not accept; returns
 * the accepted backing chains. `allowBacking` holds the files named with
 * --allow-backing (any name: compared by what they are).
 */
export async function checkSelfContained(disks: HeaderCheck[], allowBacking: string[]): Promise<SelfContained> {
  const allowed = new Map<string, string>();
  for (const a of allowBacking) {
    if (!existsSync(a)) throw new UserError(`--allow-backing ${a}: no such file`);
    allowed.set(realpathSync(a), a);
  }
  const out: SelfContained = { backing: [] };
  for (const disk of disks) {
    let path = disk.path;
    let format = disk.format;
    for (let depth = 0; hasHeader(format); depth++) {
      if (depth > MAX_CHAIN) throw new UserError(`disk ${disk.vdev}: its backing chain is longer than ${MAX_CHAIN} files`);
      const { head, tail } = readHeadAndTail(path);
      const verdict = readReferences(format, head, tail);
      const what = depth === 0 ? `disk ${disk.vdev} (${path})` : `the backing file ${path} of disk ${disk.vdev}`;
      if (!verdict.ok) throw new UserError(`${what} is not a ${format} image xen2kvm can trust: ${printable(verdict.reason)}`, selfContainedAdvice(disk, path, format));
      const info = await qemuInfo(path, format);
      const refs = [...verdict.references];
      for (const q of qemuInfoReferences(info, path)) {
        const where = whereQemuLooks(path, q.name);
        if (!refs.some((r) => r.kind === q.kind && whereQemuLooks(path, r.name) === where)) refs.push(q);
      }
      const others = refs.filter((r) => r.kind !== 'backing');
      if (others.length > 0) {
        const r = others[0];
        throw new UserError(`${what} names ${describe(r)} in its header: ${printable(r.name)}; qemu would read and write that file as the guest's disk, so xen2kvm does not open it`, selfContainedAdvice(disk, path, format));
      }
      const backing = refs.filter((r) => r.kind === 'backing');
      if (backing.length === 0) break;
      if (backing.length > 1) throw new UserError(`${what} names ${backing.length} backing files in its header`, selfContainedAdvice(disk, path, format));
      const where = whereQemuLooks(path, backing[0].name);
      const real = where && existsSync(where) ? realpathSync(where) : undefined;
      if (!real || !allowed.has(real)) {
        throw new UserError(
          `${what} names a backing file in its header: ${printable(backing[0].name)}${where && where !== backing[0].name ? ` (${where})` : ''}; its data would be read as the guest's, so xen2kvm does not open it`,
          `${selfContainedAdvice(disk, path, format)}\nOr, if that backing file really belongs to this guest, name it: --allow-backing ${where ?? backing[0].name} (it is then locked, checked for use and opened read-only).`,
        );
      }
      const backingFormat = recordedBackingFormat(info);
      if (!backingFormat) throw new UserError(`${what}: its header does not record its backing file's format, and xen2kvm never guesses a format`, `Record it: qemu-img rebase -u -f ${qemuFormat(format)} -b ${real} -F raw|qcow2 ${path}`);
      const st = statSync(real);
      if (!st.isFile() && !st.isBlockDevice()) throw new UserError(`the backing file ${real} is neither an image file nor a block device`);
      out.backing.push({ path: real, format: backingFormat, of: disk.path });
      path = real;
      format = backingFormat;
    }
  }
  return out;
}

function selfContainedAdvice(disk: HeaderCheck, path: string, format: string): string {
  const f = qemuFormat(format);
  return `If this image really is the guest's, make a self-contained copy where you trust what it reads: qemu-img convert -f ${f} -O ${f === 'vmdk' || f === 'vpc' ? 'qcow2' : f} ${path} NEW, then convert that copy (--disk ${disk.vdev}=NEW, with the config naming its format).`;
}

/** Formats whose qemu driver takes a `backing` option. */
const COW = new Set(['qcow', 'qcow2', 'qed', 'vmdk']);

/**
 * How qemu opens a disk: the format given, never probed, and no backing file
 * unless the user accepted one (then qemu opens it read-only, as it does every
 * backing file). A `json:` file name, for qemu-nbd and qemu-img.
 */
export function qemuOpenSpec(path: string, format: string, withBacking: boolean): string {
  const block = statSync(path).isBlockDevice();
  const spec = { driver: qemuFormat(format), file: { driver: block ? 'host_device' : 'file', filename: path }, ...(COW.has(format) && !withBacking ? { backing: null } : {}) };
  return `json:${JSON.stringify(spec)}`;
}
