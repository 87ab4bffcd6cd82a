// What an image header names besides the image itself: a qcow/qcow2/qed backing
// file, a qcow2 external data file, vmdk extents and parent, a VHD parent. A disk
// header is written by whoever owned the guest, so qemu must never be handed one
// that sends it to another file (a host file would be read as the guest, or
// written as it). Pure: bytes in, references (or a refusal reason) out. Whatever
// this cannot read with certainty counts as unsafe.

/** A file the header points qemu at. */
export interface HeaderReference {
  kind: 'backing' | 'data-file' | 'extent';
  /** The name as written in the header (a vmdk extent or parent relative to the descriptor's folder). */
  name: string;
}

export type HeaderVerdict =
  | { ok: true; references: HeaderReference[] }
  | { ok: false; reason: string };

/** Formats whose header this module reads (raw has no header: it is never probed). */
export const HEADER_FORMATS = ['qcow', 'qcow2', 'qed', 'vmdk', 'vhd'] as const;

/** How many bytes of the image `readReferences` wants (the vmdk text descriptor may be that long). */
export const HEADER_BYTES = 1024 * 1024;

const bad = (reason: string): HeaderVerdict => ({ ok: false, reason });
const okRefs = (references: HeaderReference[]): HeaderVerdict => ({ ok: true, references });

/** A name stored in the header: printable, no NUL, not empty. */
function storedName(buf: Buffer, offset: number, size: number, what: string): string | HeaderVerdict {
  if (size === 0) return bad(`its ${what} has an empty name`);
  if (offset + size > buf.length) return bad(`its ${what} name lies outside the header (offset ${offset}, ${size} bytes)`);
  return buf.toString('latin1', offset, offset + size);
}

function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64BE(at);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** qcow (version 1) and qcow2 (versions 2 and 3). */
function qcowReferences(buf: Buffer, format: 'qcow' | 'qcow2'): HeaderVerdict {
  if (buf.length < 20 || buf.readUInt32BE(0) !== 0x514649fb) return bad(`it does not start with the ${format} magic (QFI\\xfb)`);
  const version = buf.readUInt32BE(4);
  if (format === 'qcow' ? version !== 1 : version !== 2 && version !== 3) return bad(`its ${format} version is ${version}`);
  const refs: HeaderReference[] = [];
  const backingOffset = u64(buf, 8);
  const backingSize = buf.readUInt32BE(16);
  if (backingOffset !== 0) {
    // qemu reads the name whenever the offset is set (sizes over 1023 it refuses, which is as unsafe to guess about).
    const name = storedName(buf, backingOffset, backingSize, 'backing file');
    if (typeof name !== 'string') return name;
    refs.push({ kind: 'backing', name });
  }
  if (format === 'qcow') return okRefs(refs);
  if (version === 2) return okRefs(refs);
  if (buf.length < 104) return bad('its qcow2 v3 header is cut short');
  const incompatible = buf.readBigUInt64BE(72);
  const headerLength = buf.readUInt32BE(100);
  if (headerLength < 104 || headerLength > buf.length) return bad(`its header length ${headerLength} is impossible`);
  // Header extensions follow the header, each {type, length, data padded to 8}, until type 0.
  let dataFile: string | undefined;
  for (let at = headerLength, n = 0; ; n++) {
    if (n > 1024 || at + 8 > buf.length) return bad('its header extensions do not end within the first cluster');
    const type = buf.readUInt32BE(at);
    const length = buf.readUInt32BE(at + 4);
    if (type === 0) break;
    if (at + 8 + length > buf.length) return bad(`its header extension 0x${type.toString(16)} runs past the header`);
    if (type === 0x44415441) {
      const name = storedName(buf, at + 8, length, 'external data file');
      if (typeof name !== 'string') return name;
      dataFile = name;
    }
    at += 8 + Math.ceil(length / 8) * 8;
  }
  // Incompatible feature bit 2: the guest's data lives in another file.
  if (incompatible & 4n) refs.push({ kind: 'data-file', name: dataFile ?? '(not named in the header: qemu would take it from its options)' });
  else if (dataFile !== undefined) refs.push({ kind: 'data-file', name: dataFile });
  return okRefs(refs);
}

/** qed: a backing file when feature bit 0 is set. */
function qedReferences(buf: Buffer): HeaderVerdict {
  if (buf.length < 64 || buf.readUInt32LE(0) !== 0x00444551) return bad('it does not start with the qed magic (QED\\0)');
  const features = buf.readBigUInt64LE(16);
  const offset = buf.readUInt32LE(56);
  const size = buf.readUInt32LE(60);
  if (!(features & 1n)) return okRefs([]);
  const name = storedName(buf, offset, size, 'backing file');
  if (typeof name !== 'string') return name;
  return okRefs([{ kind: 'backing', name }]);
}

const EXTENT_ACCESS = /^\s*(RW|RDONLY|NOACCESS)(\s|$)/;
const EXTENT_LINE = /^\s*(RW|RDONLY|NOACCESS)\s+(\d+)\s+(\S+)(?:\s+"([^"\r\n]*)"(?:\s+\d+)?)?\s*$/;

/** The text qemu reads as a descriptor: up to the first NUL. */
const untilNul = (text: string) => (text.includes('\0') ? text.slice(0, text.indexOf('\0')) : text);

/**
 * The parent qemu would open: it looks for "parentFileNameHint" anywhere in the
 * descriptor (comments too), skips `="` and reads to the next quote.
 */
function vmdkParent(text: string): HeaderReference | undefined {
  const at = text.indexOf('parentFileNameHint');
  if (at < 0) return undefined;
  const from = at + 'parentFileNameHint'.length + 2;
  const end = text.indexOf('"', from);
  return { kind: 'backing', name: end < 0 ? '(unreadable parentFileNameHint)' : text.slice(from, end) };
}

/** A vmdk text descriptor: every extent that is a file, and the parent hint. */
export function vmdkDescriptorReferences(whole: string): HeaderVerdict {
  const text = untilNul(whole);
  const refs: HeaderReference[] = [];
  const parent = vmdkParent(text);
  if (parent) refs.push(parent);
  for (const [i, raw] of text.split(/\r?\n|\r/).entries()) {
    if (!EXTENT_ACCESS.test(raw)) continue;
    const m = EXTENT_LINE.exec(raw);
    if (!m) return bad(`descriptor line ${i + 1} is an extent this tool cannot read: ${JSON.stringify(raw.slice(0, 120))}`);
    if (m[3] === 'ZERO' && m[4] === undefined) continue;
    if (m[4] === undefined) return bad(`descriptor line ${i + 1}: a ${m[3]} extent with no file name`);
    refs.push({ kind: 'extent', name: m[4] });
  }
  return okRefs(refs);
}

/** vmdk: a hosted sparse file (KDMV), an old COWD file, or a text descriptor (anything else, as qemu reads it). */
function vmdkReferences(buf: Buffer): HeaderVerdict {
  const magic = buf.length >= 4 ? buf.readUInt32LE(0) : 0;
  if (magic === 0x564d444b || magic === 0x44574f43) {
    // A sparse file's data is its own; qemu reads its parent from the descriptor at byte 512 (not its extents).
    const parent = vmdkParent(untilNul(buf.toString('latin1', 512)));
    return okRefs(parent ? [parent] : []);
  }
  if (!/^\s*#\s*Disk DescriptorFile/.test(buf.toString('latin1', 0, 64))) return bad('it is neither a sparse vmdk (KDMV) nor a vmdk text descriptor');
  if (buf.length >= HEADER_BYTES) return bad(`its text descriptor is larger than ${HEADER_BYTES >> 20} MiB`);
  return vmdkDescriptorReferences(buf.toString('latin1'));
}

/** VHD (qemu's vpc): a differencing disk (type 4) names its parent. The footer is at the end, and copied at the start of dynamic disks. */
function vhdReferences(head: Buffer, tail: Buffer): HeaderVerdict {
  const footer = [tail.subarray(Math.max(0, tail.length - 512)), head].find((b) => b.length >= 64 && b.toString('latin1', 0, 8) === 'conectix');
  if (!footer) return bad('it has no VHD footer (conectix)');
  const type = footer.readUInt32BE(60);
  if (type === 4) return bad('it is a differencing VHD: its data depends on a parent file');
  if (type !== 2 && type !== 3) return bad(`its VHD disk type is ${type}`);
  return okRefs([]);
}

/**
 * The files an image of `format` names besides itself, from its first bytes
 * (`head`, up to HEADER_BYTES) and, for VHD, its last 512 (`tail`).
 */
export function readReferences(format: string, head: Buffer, tail: Buffer = Buffer.alloc(0)): HeaderVerdict {
  try {
    switch (format) {
      case 'qcow':
      case 'qcow2':
        return qcowReferences(head, format);
      case 'qed':
        return qedReferences(head);
      case 'vmdk':
        return vmdkReferences(head);
      case 'vhd':
        return vhdReferences(head, tail);
      default:
        return bad(`xen2kvm does not read ${format} headers`);
    }
  } catch (e) {
    return bad(`its header cannot be read: ${(e as Error).message}`);
  }
}

/** What `qemu-img info --output=json -f FMT` says the image names besides itself. */
export function qemuInfoReferences(info: unknown, self: string): HeaderReference[] {
  const refs: HeaderReference[] = [];
  const o = (info ?? {}) as Record<string, unknown>;
  for (const key of ['backing-filename', 'full-backing-filename']) {
    if (typeof o[key] === 'string' && !refs.some((r) => r.name === o[key])) refs.push({ kind: 'backing', name: o[key] as string });
  }
  const data = ((o['format-specific'] as Record<string, unknown> | undefined)?.data ?? {}) as Record<string, unknown>;
  if (typeof data['data-file'] === 'string') refs.push({ kind: 'data-file', name: data['data-file'] });
  for (const e of (Array.isArray(data.extents) ? data.extents : []) as Record<string, unknown>[]) {
    if (typeof e?.filename === 'string' && e.filename !== self) refs.push({ kind: 'extent', name: e.filename });
  }
  return refs;
}
