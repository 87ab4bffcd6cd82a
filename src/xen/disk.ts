// Parses one Xen disk spec, in either grammar: xm's `SOURCE,VDEV[:cdrom],MODE`
// (with phy:, file:, tap:aio:, tap:qcow2:, tap2:tapdisk:aio: prefixes) or xl's
// positional / key=value form (target, format, vdev, access, devtype, backendtype…).
// Where the two disagree the more useful reading wins: a second positional field
// that names a device is the vdev (xm), one that names a format is the format (xl).
import type { DiskFormat, Pos, XenDisk } from './types.js';

export type DiskParse = { ok: true; disk: XenDisk } | { ok: false; message: string };

const FORMATS: Record<string, DiskFormat> = {
  raw: 'raw', qcow: 'qcow', qcow2: 'qcow2', vhd: 'vhd', qed: 'qed', vmdk: 'vmdk', empty: 'empty',
};
/** tap / tap2 sub-types (blktap) and the image format each means. */
const TAP_TYPES: Record<string, DiskFormat> = {
  aio: 'raw', sync: 'raw', raw: 'raw', vmdk: 'vmdk', qcow: 'qcow', qcow2: 'qcow2', vhd: 'vhd', qed: 'qed',
};
/** Prefixes that only name a Xen backend; the path follows. */
const BACKEND_PREFIXES = new Set(['phy', 'file', 'tap', 'tap2', 'tapdisk', 'aio', 'ioemu']);
/** Prefixes for which Xen runs a block script (`block-iscsi` …) to find the device. */
const SCRIPT_PREFIXES = new Set(['iscsi', 'nbd', 'enbd', 'drbd']);
const XL_KEYS = new Set([
  'target', 'format', 'vdev', 'access', 'devtype', 'backendtype', 'backend', 'script', 'specification',
  'colo-host', 'colo-port', 'colo-export', 'active-disk', 'hidden-disk', 'grant_usage',
]);
const XL_FLAGS = new Set(['cdrom', 'discard', 'no-discard', 'direct-io-safe', 'trusted', 'untrusted', 'colo']);
const ACCESS: Record<string, { readonly: boolean; shareable: boolean }> = {
  r: { readonly: true, shareable: false },
  ro: { readonly: true, shareable: false },
  w: { readonly: false, shareable: false },
  rw: { readonly: false, shareable: false },
  'w!': { readonly: false, shareable: true },
  '!': { readonly: false, shareable: true },
};

/** A Xen virtual device name: xvda, xvdaa3, hdc, sdb1, or xl's d0p1. */
export const VDEV_RE = /^(?:(xvd|hd|sd)([a-z]+)([0-9]*)|d([0-9]+)(?:p([0-9]+))?)$/;

export function parseDiskSpec(spec: string, pos: Pos): DiskParse {
  const fail = (message: string): DiskParse => ({ ok: false, message: `disk "${spec}": ${message}` });
  const st: {
    target?: string; format?: DiskFormat; vdev?: string; access?: string; devtype?: string;
    backendtype?: string; driver?: string; script?: string; prefixed: boolean;
  } = { prefixed: false };
  const set = (key: 'target' | 'vdev' | 'access' | 'devtype' | 'backendtype' | 'script', value: string) => {
    if (st[key] !== undefined && st[key] !== '') throw new Error(`${key === 'target' ? 'the source' : key} is given twice`);
    st[key] = value;
  };
  const setFormat = (name: string) => {
    if (st.format !== undefined && name !== '') throw new Error('format is given twice');
    if (name === '') return;
    const f = FORMATS[name];
    if (!f) throw new Error(`unknown format "${name}" (expected raw, qcow, qcow2, vhd, qed or vmdk)`);
    st.format = f;
  };
  /** Strips deprecated prefixes (phy:, tap:aio:, qcow2: …) from a source. */
  const stripPrefixes = (source: string): string => {
    let s = source;
    for (;;) {
      const m = /^([a-z][a-z0-9]*):(.*)$/s.exec(s);
      if (!m) return s;
      const [, prefix, rest] = m;
      if (BACKEND_PREFIXES.has(prefix)) {
        if (st.driver === undefined) st.driver = prefix === 'tapdisk' || prefix === 'aio' ? 'tap' : prefix;
        st.prefixed = true;
        if ((prefix === 'tap' || prefix === 'tap2' || prefix === 'tapdisk') && /^[a-z0-9]+:/.test(rest)) {
          const sub = rest.slice(0, rest.indexOf(':'));
          if (sub in TAP_TYPES) {
            if (st.format === undefined) st.format = TAP_TYPES[sub];
            s = rest.slice(sub.length + 1);
            continue;
          }
          if (sub !== 'tapdisk') throw new Error(`unknown ${prefix} disk type "${sub}" (expected aio, qcow, qcow2, vhd or vmdk)`);
        }
        s = rest;
      } else if (prefix in FORMATS && prefix !== 'empty') {
        st.prefixed = true;
        if (st.format === undefined) st.format = FORMATS[prefix];
        s = rest;
      } else if (SCRIPT_PREFIXES.has(prefix)) {
        st.prefixed = true;
        st.script = `block-${prefix}`;
        st.driver = prefix;
        return rest;
      } else if (prefix === 'rbd') {
        return s;
      } else if (/^[a-z]/.test(rest) && !rest.startsWith('/')) {
        // hdc:cdrom style: not a prefix.
        return s;
      } else {
        throw new Error(`unknown disk prefix "${prefix}:" (expected phy:, file:, tap:aio:, tap:qcow2:, tap2: or a path)`);
      }
    }
  };

  try {
    const positional: string[] = [];
    let rest: string | undefined = spec;
    while (rest !== undefined) {
      const trimmed: string = rest.replace(/^\s+/, '');
      if (trimmed.startsWith('target=')) {
        set('target', trimmed.slice('target='.length));
        break;
      }
      const comma: number = trimmed.indexOf(',');
      const token = comma === -1 ? trimmed : trimmed.slice(0, comma);
      rest = comma === -1 ? undefined : trimmed.slice(comma + 1);
      const kv = /^([a-z][a-z0-9_-]*)=(.*)$/s.exec(token);
      if (kv && XL_KEYS.has(kv[1])) {
        const [, key, value] = kv;
        if (key === 'format') setFormat(value);
        else if (key === 'vdev' || key === 'access' || key === 'devtype' || key === 'backendtype' || key === 'script') set(key, value);
        // backend, specification, colo-* and grant_usage do not matter on KVM.
      } else if (kv) {
        throw new Error(`unknown parameter "${kv[1]}=" (expected target=, format=, vdev=, access=, devtype= or backendtype=)`);
      } else if (XL_FLAGS.has(token.trim())) {
        if (token.trim() === 'cdrom') set('devtype', 'cdrom');
      } else {
        positional.push(token.trim());
      }
    }
    // A trailing comma leaves an empty last field; xl accepts it.
    while (positional.length > 4 && positional[positional.length - 1] === '') positional.pop();
    if (positional.length > 4) throw new Error('too many fields (expected SOURCE,FORMAT,VDEV,ACCESS at most)');
    // Positional fields: target, then format or vdev, then vdev or access, then access.
    if (positional.length > 0) set('target', positional[0]);
    const more = positional.slice(1);
    if (more.length > 0) {
      const second = more[0];
      const looksLikeVdev = VDEV_RE.test(second.replace(/^ioemu:/, '').replace(/:(cdrom|disk)$/, ''));
      if (more.length <= 2 && looksLikeVdev && !(second in FORMATS)) {
        set('vdev', second);
        if (more[1] !== undefined) set('access', more[1]);
      } else {
        setFormat(second);
        if (more[1] !== undefined) set('vdev', more[1]);
        if (more[2] !== undefined) set('access', more[2]);
      }
    }
    const source = st.target === undefined || st.target === '' ? undefined : stripPrefixes(st.target);

    let vdev = (st.vdev ?? '').replace(/^ioemu:/, '');
    let devtype = st.devtype;
    const suffix = /^(.*):(cdrom|disk)$/.exec(vdev);
    if (suffix) {
      vdev = suffix[1];
      if (suffix[2] === 'cdrom') devtype = 'cdrom';
    }
    if (vdev === '') throw new Error('no device name (vdev) is given, e.g. xvda');
    if (!VDEV_RE.test(vdev)) throw new Error(`"${vdev}" is not a Xen device name (expected xvdX, hdX or sdX, e.g. xvda or xvda1)`);
    if (devtype !== undefined && devtype !== 'cdrom' && devtype !== 'disk') {
      throw new Error(`unknown devtype "${devtype}" (expected disk or cdrom)`);
    }
    const device = devtype === 'cdrom' ? 'cdrom' : 'disk';
    const accessText = st.access ?? '';
    const access = accessText === '' ? ACCESS.w : ACCESS[accessText];
    if (!access) throw new Error(`unknown access mode "${accessText}" (expected r, ro, w, rw or w!)`);
    if (source === undefined && device !== 'cdrom') throw new Error('no source path is given (only an empty cdrom may have none)');
    if (st.backendtype !== undefined && !['phy', 'tap', 'qdisk', ''].includes(st.backendtype)) {
      throw new Error(`unknown backendtype "${st.backendtype}" (expected phy, tap or qdisk)`);
    }

    const driver = st.backendtype || st.driver || (st.prefixed ? 'file' : 'qdisk');
    let sourceKind: XenDisk['sourceKind'];
    if (source === undefined) sourceKind = 'none';
    else if (source.startsWith('rbd:') || st.script) sourceKind = 'network';
    else if (driver === 'phy' || source.startsWith('/dev/')) sourceKind = 'block';
    else sourceKind = 'file';
    if (sourceKind !== 'network' && source !== undefined && !source.startsWith('/')) {
      throw new Error(`the source "${source}" is not an absolute path`);
    }
    const disk: XenDisk = {
      spec, pos, driver, sourceKind, format: st.format ?? (source === undefined ? 'empty' : 'raw'), vdev, device,
      readonly: access.readonly || device === 'cdrom', shareable: access.shareable,
    };
    if (source !== undefined) disk.path = source;
    return { ok: true, disk };
  } catch (e) {
    return fail((e as Error).message);
  }
}

/** Xen's disk number for a vdev (xvda → 0, xvdb → 1, xvdaa → 26, d3 → 3). */
export function vdevDiskIndex(vdev: string): number {
  const m = VDEV_RE.exec(vdev);
  if (!m) return -1;
  if (m[4] !== undefined) return Number(m[4]);
  let n = 0;
  for (const ch of m[2]) n = n * 26 + (ch.charCodeAt(0) - 96);
  return n - 1;
}

/** The partition number in a vdev (xvda1 → 1), or 0 for a whole disk. */
export function vdevPartition(vdev: string): number {
  const m = VDEV_RE.exec(vdev);
  if (!m) return 0;
  return Number(m[3] || m[5] || 0);
}

/** Letters for a disk number, as Linux names disks (0 → a, 25 → z, 26 → aa). */
export function diskLetters(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(97 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** SUSE's by-id names of Xen disks (/dev/disk/by-id/xen-xvda2, xen-xvda-part2) as the plain name (/dev/xvda2); anything else undefined. */
export function xenByIdName(spec: string): string | undefined {
  const m = /^\/dev\/disk\/by-id\/xen-(xvd[a-z]+)(?:-part)?(\d*)$/.exec(spec);
  return m ? `/dev/${m[1]}${m[2]}` : undefined;
}
