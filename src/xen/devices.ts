// Parsers for the smaller Xen device strings: vfb entries, serial / parallel
// char devices, PCI passthrough addresses, and cpu bitmaps.
import type { Pos, XenChar, XenGraphics, XenPci } from './types.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** A PV `vfb` entry such as `type=vnc,vncunused=1,vnclisten=0.0.0.0,keymap=en-us`. */
export function parseVfbSpec(spec: string, pos: Pos): Parsed<XenGraphics> {
  const g: XenGraphics = { type: 'vnc', autoport: true, pos };
  const kv = new Map<string, string>();
  for (const token of spec.split(',')) {
    const t = token.trim();
    if (t === '') continue;
    const eq = t.indexOf('=');
    if (eq === -1) return { ok: false, message: `vfb "${spec}": "${t}" is not a key=value setting` };
    kv.set(t.slice(0, eq).trim(), t.slice(eq + 1).trim());
  }
  const type = kv.get('type');
  if (type === 'sdl' || (type === undefined && kv.get('sdl') === '1' && kv.get('vnc') !== '1')) g.type = 'sdl';
  else if (type !== undefined && type !== 'vnc') return { ok: false, message: `vfb "${spec}": unknown type "${type}" (expected vnc or sdl)` };
  const unused = kv.get('vncunused');
  const display = kv.get('vncdisplay');
  if (display !== undefined) {
    if (!/^[0-9]+$/.test(display)) return { ok: false, message: `vfb "${spec}": vncdisplay "${display}" is not a number` };
    if (Number(display) > 65535 - 5900) return { ok: false, message: `vfb "${spec}": vncdisplay ${display} is out of range (0 to ${65535 - 5900}: VNC port 5900 + display)` };
    g.display = Number(display);
  }
  // xl's default is vncunused=1; a fixed display turns it off unless vncunused=1 is explicit.
  g.autoport = unused !== undefined ? unused === '1' : display === undefined;
  if (kv.has('vnclisten')) {
    const listen = kv.get('vnclisten')!;
    if (!isListenAddress(listen)) return { ok: false, message: `vfb "${spec}": vnclisten "${listen}" is not an IP address or host name` };
    g.listen = listen;
  }
  if (kv.has('vncpasswd')) g.passwd = kv.get('vncpasswd');
  if (kv.has('keymap')) g.keymap = kv.get('keymap');
  return { ok: true, value: g };
}

const CHAR_KINDS = new Set(['pty', 'null', 'stdio', 'vc']);

/** A serial / parallel char device string (`pty`, `/dev/ttyS0`, `tcp:host:port`, `unix:/path,server`). */
export function parseCharSpec(spec: string, pos: Pos): Parsed<XenChar | null> {
  if (spec === 'none') return { ok: true, value: null };
  if (CHAR_KINDS.has(spec)) return { ok: true, value: { kind: spec as XenChar['kind'], spec, pos } };
  if (spec.startsWith('/')) return { ok: true, value: { kind: 'dev', path: spec, spec, pos } };
  const colon = spec.indexOf(':');
  const prefix = colon === -1 ? spec : spec.slice(0, colon);
  const rest = colon === -1 ? '' : spec.slice(colon + 1);
  const opts = rest.split(',');
  const server = opts.slice(1).includes('server');
  switch (prefix) {
    case 'file':
    case 'pipe':
    case 'dev':
      if (!rest) break;
      return { ok: true, value: { kind: prefix, path: rest, spec, pos } };
    case 'unix':
      if (!opts[0]) break;
      return { ok: true, value: { kind: 'unix', path: opts[0], server, spec, pos } };
    case 'tcp':
    case 'telnet':
    case 'udp': {
      const hp = opts[0];
      const c = hp.lastIndexOf(':');
      if (c === -1) return { ok: false, message: `"${spec}": expected ${prefix}:HOST:PORT` };
      return { ok: true, value: { kind: prefix, host: hp.slice(0, c), service: hp.slice(c + 1).split('@')[0], server, spec, pos } };
    }
    default:
      return { ok: false, message: `unknown char device type "${prefix}" in "${spec}" (expected pty, /dev/…, file:, pipe:, tcp:, telnet:, udp:, unix: or none)` };
  }
  return { ok: false, message: `malformed char device string "${spec}"` };
}

/** A PCI passthrough entry: `[DDDD:]BB:SS.F[@VSLOT][,permissive=1…]`. */
export function parsePciSpec(spec: string, pos: Pos): Parsed<XenPci> {
  const [addr, ...options] = spec.split(',');
  const m = /^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])(?:@[0-9a-fA-F]+)?$/.exec(addr.trim());
  if (!m) return { ok: false, message: `malformed PCI address "${addr}" (expected [DDDD:]BB:SS.F, e.g. 0000:01:00.0)` };
  let permissive = false;
  for (const o of options) {
    const [k, v] = o.split('=');
    if (v === undefined) return { ok: false, message: `malformed PCI option "${o}" in "${spec}" (expected key=value)` };
    if (k.trim() === 'permissive') permissive = v.trim() !== '0';
  }
  return {
    ok: true,
    value: { domain: parseInt(m[1] ?? '0', 16), bus: parseInt(m[2], 16), slot: parseInt(m[3], 16), func: Number(m[4]), permissive, spec, pos },
  };
}

/**
 * Checks a cpu bitmap (`0-3,^2,5`) and returns it normalised; `all` means no
 * restriction (undefined). xl's node forms are not expressible: an error.
 */
export function parseCpuset(text: string): Parsed<string | undefined> {
  const t = text.replace(/\s+/g, '');
  if (t === 'all' || t === '') return { ok: true, value: undefined };
  if (/^nodes?:/.test(t)) return { ok: false, message: `cpus "${text}": NUMA node pinning is not translated; give CPU numbers (e.g. "0-3")` };
  for (const part of t.split(',')) {
    if (!/^\^?[0-9]+(-[0-9]+)?$/.test(part)) return { ok: false, message: `cpus "${text}": "${part}" is not a CPU number or range (expected e.g. "0-3,^2,5")` };
    const r = /^\^?([0-9]+)-([0-9]+)$/.exec(part);
    if (r && Number(r[1]) > Number(r[2])) return { ok: false, message: `cpus "${text}": the range ${part} runs backwards` };
  }
  return { ok: true, value: t };
}

/** An address VNC can listen on: IPv4, IPv6 or a host name. */
export function isListenAddress(s: string): boolean {
  return /^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*|[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*)$/.test(s)
    && (!/^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.split('.').every((o) => Number(o) <= 255));
}

/** A Linux network interface name (a bridge): 1 to 15 characters, no spaces, slashes or other punctuation. */
export function isInterfaceName(s: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/.test(s);
}

/** An IPv4 or IPv6 address, optionally with a /prefix. */
export function isIpAddress(s: string): boolean {
  const [addr, prefix, ...rest] = s.split('/');
  if (rest.length || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) return false;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(addr)) return addr.split('.').every((o) => Number(o) <= 255) && (prefix === undefined || Number(prefix) <= 32);
  return /^[0-9A-Fa-f:]+(\.\d{1,3}){0}$/.test(addr) && addr.includes(':') && (prefix === undefined || Number(prefix) <= 128);
}
