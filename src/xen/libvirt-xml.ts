// A libvirt Xen domain (`virsh -c xen:/// dumpxml NAME`, or a file libvirt's xen
// driver wrote) read into the same guest model as an xm config: its settings are
// written as the xm / xl config they mean and parsed by the config parser. Pure.
import { create } from 'xmlbuilder2';
import { InputError } from '../errors.js';
import { attr, kid, kids, text, type El } from '../formats/xml.js';
import { parseXenConfig } from './parse.js';
import type { XenGuest } from './types.js';


/** KiB (or another libvirt unit) → MiB. */
function mib(el: El | undefined): number | undefined {
  const v = Number(text(el));
  if (!el || !Number.isFinite(v)) return undefined;
  const unit = (attr(el, 'unit') ?? 'KiB').toLowerCase();
  const factor: Record<string, number> = { b: 1 / 1048576, bytes: 1 / 1048576, k: 1 / 1024, kib: 1 / 1024, m: 1, mib: 1, g: 1024, gib: 1024 };
  return Math.floor(v * (factor[unit] ?? 1 / 1024));
}

export function parseLibvirtXml(xml: string, file: string): XenGuest {
  let dom: El;
  try {
    dom = create(xml).root().node as unknown as El;
  } catch (e) {
    throw new InputError([{ file, line: 1, column: 1, message: `not well-formed XML: ${(e as Error).message}` }]);
  }
  if (dom.tagName !== 'domain') throw new InputError([{ file, line: 1, column: 1, message: `a libvirt domain starts with <domain>, not <${dom.tagName}>` }]);
  if (attr(dom, 'type') && attr(dom, 'type') !== 'xen') {
    throw new InputError([{ file, line: 1, column: 1, message: `this is a <domain type='${attr(dom, 'type')}'>, not a Xen domain` }], 'xen2kvm reads Xen domains (virsh -c xen:/// dumpxml NAME).');
  }
  const out: string[] = [];
  const q = (s: string) => JSON.stringify(s);
  const set = (k: string, v: string | number | undefined, quote = true) => {
    if (v !== undefined && v !== '') out.push(`${k} = ${quote ? q(String(v)) : v}`);
  };
  set('name', text(kid(dom, 'name')));
  set('uuid', text(kid(dom, 'uuid')));
  const maxmem = mib(kid(dom, 'memory'));
  set('maxmem', maxmem, false);
  set('memory', mib(kid(dom, 'currentMemory')) ?? maxmem, false);
  const vcpu = kid(dom, 'vcpu');
  if (vcpu) {
    const current = attr(vcpu, 'current');
    set('vcpus', current ?? text(vcpu), false);
    if (current) set('maxvcpus', text(vcpu), false);
    set('cpus', attr(vcpu, 'cpuset'));
  }
  set('bootloader', text(kid(dom, 'bootloader')));
  set('bootloader_args', text(kid(dom, 'bootloader_args')));
  const os = kid(dom, 'os');
  const osType = text(kid(os, 'type'));
  const hvm = osType === 'hvm';
  if (hvm) set('builder', 'hvm');
  if (osType === 'xenpvh') set('type', 'pvh');
  // Direct kernel boot: a PV guest's dom0 kernel, or an HVM guest's (xl allows both).
  set('kernel', text(kid(os, 'kernel')));
  set('ramdisk', text(kid(os, 'initrd')));
  set('extra', text(kid(os, 'cmdline')));
  for (const k of ['on_poweroff', 'on_reboot', 'on_crash']) set(k, text(kid(dom, k)));
  if (attr(kid(dom, 'clock'), 'offset') === 'localtime') set('localtime', 1, false);
  const devices = kid(dom, 'devices');
  const disks = kids(devices, 'disk').flatMap((d) => {
    const src = kid(d, 'source');
    // An RBD volume: xl's qdisk target "rbd:POOL/IMAGE:auth_supported=none:mon_host=H\\:P\\;…".
    const rbd = attr(d, 'type') === 'network' && attr(src, 'protocol') === 'rbd'
      ? `rbd:${attr(src, 'name')}:auth_supported=none${kids(src, 'host').length ? `:mon_host=${kids(src, 'host').map((h) => `${attr(h, 'name')}${attr(h, 'port') ? `\\:${attr(h, 'port')}` : ''}`).join('\\;')}` : ''}`
      : undefined;
    const path = rbd ?? attr(src, 'file') ?? attr(src, 'dev') ?? '';
    const vdev = attr(kid(d, 'target'), 'dev');
    if (!vdev) return [];
    const cdrom = attr(d, 'device') === 'cdrom';
    const mode = kid(d, 'readonly') ? 'r' : kid(d, 'shareable') ? 'w!' : 'w';
    const driver = attr(kid(d, 'driver'), 'name');
    const format = attr(kid(d, 'driver'), 'type') ?? 'raw';
    if (!path) return [`,${vdev}${cdrom ? ':cdrom' : ''},${mode}`];
    if (driver === 'tap' || driver === 'tap2') return [`${driver}:${format === 'raw' ? 'aio' : format}:${path},${vdev}${cdrom ? ':cdrom' : ''},${mode}`];
    if (driver === 'file' || driver === 'phy') return [`${driver}:${path},${vdev}${cdrom ? ':cdrom' : ''},${mode}`];
    // qemu (xl's qdisk): the xl grammar says the format.
    return [`format=${format},vdev=${vdev},access=${mode === 'r' ? 'ro' : 'rw'}${cdrom ? ',devtype=cdrom' : ''},target=${path}`];
  });
  if (disks.length) out.push(`disk = [ ${disks.map(q).join(', ')} ]`);
  const vifs = kids(devices, 'interface').map((i) => {
    const parts: string[] = [];
    const add = (k: string, v: string | undefined) => v && parts.push(`${k}=${v}`);
    add('mac', attr(kid(i, 'mac'), 'address'));
    add('bridge', attr(kid(i, 'source'), 'bridge'));
    add('model', attr(kid(i, 'model'), 'type'));
    add('script', attr(kid(i, 'script'), 'path'));
    add('ip', attr(kid(i, 'ip'), 'address'));
    add('vifname', attr(kid(i, 'target'), 'dev'));
    return parts.join(',');
  });
  if (vifs.length) out.push(`vif = [ ${vifs.map(q).join(', ')} ]`);
  const gfx = kids(devices, 'graphics').filter((g) => attr(g, 'type') === 'vnc' || attr(g, 'type') === 'sdl');
  if (gfx.length && !hvm) {
    out.push(`vfb = [ ${gfx.map((g) => {
      const parts = [`type=${attr(g, 'type')}`];
      const port = Number(attr(g, 'port') ?? '-1');
      if (attr(g, 'autoport') === 'yes' || port < 0) parts.push('vncunused=1');
      else parts.push(`vncdisplay=${port - 5900}`);
      const listen = attr(g, 'listen') ?? attr(kid(g, 'listen'), 'address');
      if (listen) parts.push(`vnclisten=${listen}`);
      if (attr(g, 'passwd')) parts.push(`vncpasswd=${attr(g, 'passwd')}`);
      if (attr(g, 'keymap')) parts.push(`keymap=${attr(g, 'keymap')}`);
      return q(parts.join(','));
    }).join(', ')} ]`);
  } else if (gfx.length && hvm) {
    const g = gfx[0];
    set(attr(g, 'type') === 'vnc' ? 'vnc' : 'sdl', 1, false);
    const port = Number(attr(g, 'port') ?? '-1');
    if (attr(g, 'type') === 'vnc') {
      if (attr(g, 'autoport') === 'yes' || port < 0) set('vncunused', 1, false);
      else set('vncdisplay', port - 5900, false);
      set('vnclisten', attr(g, 'listen') ?? attr(kid(g, 'listen'), 'address'));
    }
  }
  if (hvm && kids(devices, 'serial').some((s) => attr(s, 'type') === 'pty')) set('serial', 'pty');
  const synthetic = `${file} (read as an xm config)`;
  const back = (s: string) => s.split(synthetic).join(file).replace(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+`, 'g'), `${file}:1:1`);
  try {
    const guest = parseXenConfig(`${out.join('\n')}\n`, synthetic);
    guest.file = file;
    guest.warnings = guest.warnings.map((w) => ({ ...w, message: back(w.message) }));
    return guest;
  } catch (e) {
    if (e instanceof InputError) throw new InputError(e.problems.map((p) => ({ ...p, file, line: 1, column: 1, message: `${p.message} (in the domain XML)` })), e.advice);
    throw e;
  }
}
