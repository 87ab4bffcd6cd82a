// Turns the text of an xm or xl config into a XenGuest, or an InputError that
// lists every problem with file:line:column.
import { InputError, warning, type Problem, type Warning } from '../errors.js';
import { parseDiskSpec, vdevDiskIndex, vdevPartition } from './disk.js';
import { isListenAddress, parseCharSpec, parseCpuset, parsePciSpec, parseVfbSpec } from './devices.js';
import { lexConfig, type Setting, type Value } from './lexer.js';
import type { GuestType, LifecycleAction, Pos, XenChar, XenGuest, XenGraphics } from './types.js';
import { parseVifSpec } from './vif.js';

const ACTIONS: LifecycleAction[] = ['destroy', 'restart', 'rename-restart', 'preserve', 'coredump-destroy', 'coredump-restart', 'soft-reset'];

/** Keys this parser reads; every other key is kept in unknownKeys. */
const KNOWN_KEYS = new Set([
  'name', 'uuid', 'memory', 'maxmem', 'vcpus', 'maxvcpus', 'cpus', 'type', 'builder', 'bootloader', 'bootargs',
  'bootloader_args', 'kernel', 'ramdisk', 'root', 'extra', 'cmdline', 'on_poweroff', 'on_reboot', 'on_crash',
  'disk', 'vif', 'vfb', 'vnc', 'vnclisten', 'vncdisplay', 'vncunused', 'vncpasswd', 'keymap', 'sdl', 'serial',
  'localtime', 'pci', 'usbdevice', 'pae', 'acpi', 'apic', 'boot', 'spice', 'spicehost', 'spiceport',
  'spicedisable_ticketing', 'spicepasswd',
]);

/** Parses config text; `file` names it in messages. Throws InputError on bad input. */
const INT_RANGES: Record<string, [number, number, string?]> = {
  memory: [1, 16 * 1024 * 1024, 'MiB'],
  maxmem: [1, 16 * 1024 * 1024, 'MiB'],
  vcpus: [1, 4096],
  maxvcpus: [1, 4096],
  vncdisplay: [0, 65535 - 5900],
  shadow_memory: [0, 1024 * 1024, 'MiB'],
};

export function parseXenConfig(text: string, file: string): XenGuest {
  const r = new Reader(text, file);
  return r.guest();
}

class Reader {
  private problems: Problem[] = [];
  private warnings: Warning[] = [];
  private settings = new Map<string, Setting>();
  private xlOnly: boolean;
  /** Settings whose value had a syntax error (already reported). */
  private broken = new Set<string>();

  constructor(text: string, private readonly file: string) {
    const lexed = lexConfig(text);
    this.xlOnly = lexed.xlOnly;
    for (const p of lexed.problems) {
      this.problem(p.pos, p.message);
      if (p.setting) this.broken.add(p.setting);
    }
    for (const s of lexed.settings) {
      const prev = this.settings.get(s.name);
      if (s.append) {
        if (prev?.value.kind === 'list' && s.value.kind === 'list') {
          this.settings.set(s.name, { ...prev, value: { ...prev.value, items: [...prev.value.items, ...s.value.items] } });
        } else if (prev) {
          this.problem(s.pos, `${s.name} += needs a list on both sides`);
        } else {
          this.settings.set(s.name, s);
        }
        continue;
      }
      if (prev) this.warn(s.pos, 'setting-repeated', `${s.name} is set again (first at line ${prev.pos.line}); the last setting is used, as Xen does`);
      this.settings.set(s.name, s);
    }
  }

  private problem(pos: Pos, message: string): void {
    this.problems.push({ file: this.file, line: pos.line, column: pos.column, message });
  }
  private warn(pos: Pos, code: string, message: string): void {
    this.warnings.push(warning(code, `${this.file}:${pos.line}:${pos.column}: ${message}`));
  }

  private str(key: string): string | undefined {
    const s = this.settings.get(key);
    if (!s) return undefined;
    if (s.value.kind === 'string') return s.value.value;
    this.problem(s.value.pos, `${key} must be a "string", not ${kindName(s.value)}`);
    return undefined;
  }

  private int(key: string, what: string): number | undefined {
    const s = this.settings.get(key);
    if (!s) return undefined;
    const v = s.value;
    let n: number | undefined;
    if (v.kind === 'int' && v.value >= 0) n = v.value;
    else if (v.kind === 'string' && /^[0-9]{1,15}$/.test(v.value.trim())) n = Number(v.value.trim());
    if (n === undefined) {
      this.problem(v.pos, `${key} must be ${what}, not ${v.kind === 'int' ? v.value : kindName(v)}`);
      return undefined;
    }
    // What libvirt and QEMU accept: memory from 1 MiB to 16 TiB, 1 to 4096 vCPUs.
    const range = INT_RANGES[key];
    if (range && (n < range[0] || n > range[1])) {
      this.problem(v.pos, `${key} = ${n} is out of range: it must be from ${range[0]} to ${range[1]}${range[2] ? ` ${range[2]}` : ''}`);
      return undefined;
    }
    return n;
  }

  private bool(key: string): boolean | undefined {
    const s = this.settings.get(key);
    if (!s) return undefined;
    const v = s.value;
    if (v.kind === 'int' && (v.value === 0 || v.value === 1)) return v.value === 1;
    if (v.kind === 'string') {
      const t = v.value.trim().toLowerCase();
      if (['1', 'yes', 'true', 'on'].includes(t)) return true;
      if (['0', 'no', 'false', 'off', ''].includes(t)) return false;
    }
    this.problem(v.pos, `${key} must be 0 or 1, not ${v.kind === 'int' ? v.value : kindName(v)}`);
    return undefined;
  }

  /** A list of strings; a lone string is accepted as a one-element list when `loneOk`. */
  private strings(key: string, loneOk: boolean): { value: string; pos: Pos }[] {
    const s = this.settings.get(key);
    if (!s) return [];
    const v = s.value;
    if (v.kind === 'string') {
      if (loneOk) return [{ value: v.value, pos: v.pos }];
      this.problem(v.pos, `${key} must be a list: ${key} = [ "${v.value}" ]`);
      return [];
    }
    if (v.kind !== 'list') {
      this.problem(v.pos, `${key} must be a list of strings, not ${kindName(v)}`);
      return [];
    }
    const out: { value: string; pos: Pos }[] = [];
    for (const item of v.items) {
      if (item.kind === 'string') out.push({ value: item.value, pos: item.pos });
      else this.problem(item.pos, `each ${key} entry must be a "string", not ${kindName(item)}`);
    }
    return out;
  }

  private action(key: string, fallback: LifecycleAction): LifecycleAction {
    const v = this.str(key);
    if (v === undefined) return fallback;
    if ((ACTIONS as string[]).includes(v)) return v as LifecycleAction;
    this.problem(this.settings.get(key)!.value.pos, `${key} "${v}" is not one of ${ACTIONS.join(', ')}`);
    return fallback;
  }

  guest(): XenGuest {
    const nameSetting = this.settings.get('name');
    const name = this.str('name');
    if (!nameSetting && !this.broken.has('name')) this.problem({ line: 1, column: 1 }, 'the guest has no name: add name = "GUEST"');
    else if (nameSetting && name !== undefined && !/^[^/\s][^/]*$/.test(name)) {
      this.problem(nameSetting.value.pos, `name "${name}" cannot be a domain name (it is empty, starts with a space, or contains /)`);
    }

    const uuid = this.str('uuid');
    let normalUuid: string | undefined;
    if (uuid !== undefined) {
      const hex = uuid.replace(/[-\s]/g, '');
      if (!/^[0-9a-fA-F]{32}$/.test(hex)) this.problem(this.settings.get('uuid')!.value.pos, `uuid "${uuid}" is not 32 hexadecimal digits`);
      else normalUuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toLowerCase();
    }

    const memory = this.int('memory', 'a whole number of MiB') ?? 128;
    const maxmem = this.int('maxmem', 'a whole number of MiB') ?? memory;
    if (maxmem < memory) this.warn(this.settings.get('maxmem')!.pos, 'maxmem-below-memory', `maxmem (${maxmem}) is below memory (${memory}); ${memory} MiB is used for both`);
    const vcpus = this.int('vcpus', 'a whole number') ?? 1;
    const maxvcpus = this.int('maxvcpus', 'a whole number');

    let cpuset: string | undefined;
    const cpus = this.settings.get('cpus');
    if (cpus) {
      let text: string | undefined;
      if (cpus.value.kind === 'string') text = cpus.value.value;
      else if (cpus.value.kind === 'list') text = this.strings('cpus', false).map((x) => x.value).join(',');
      else text = String(cpus.value.value);
      const parsed = parseCpuset(text);
      if (parsed.ok) cpuset = parsed.value;
      else this.problem(cpus.value.pos, parsed.message);
    }

    const type = this.guestType();
    const guest: XenGuest = {
      file: this.file,
      dialect: 'xm',
      name: name ?? '',
      type,
      memoryMiB: Math.min(memory, maxmem),
      maxmemMiB: Math.max(memory, maxmem),
      vcpus,
      onPoweroff: this.action('on_poweroff', 'destroy'),
      onReboot: this.action('on_reboot', 'restart'),
      onCrash: this.action('on_crash', 'restart'),
      localtime: this.bool('localtime') ?? false,
      features: { pae: this.bool('pae') ?? true, acpi: this.bool('acpi') ?? true, apic: this.bool('apic') ?? true },
      disks: [],
      nics: [],
      serials: [],
      pci: [],
      usbdevices: [],
      unknownKeys: [],
      warnings: this.warnings,
    };
    if (normalUuid) guest.uuid = normalUuid;
    if (maxvcpus !== undefined) {
      if (maxvcpus < vcpus) this.problem(this.settings.get('maxvcpus')!.value.pos, `maxvcpus (${maxvcpus}) is below vcpus (${vcpus})`);
      else if (maxvcpus > vcpus) guest.maxvcpus = maxvcpus;
    }
    if (cpuset) guest.cpuset = cpuset;
    this.boot(guest);
    this.disks(guest);
    this.nics(guest);
    guest.graphics = this.graphics(type);
    if (!guest.graphics) delete guest.graphics;
    this.serial(guest);
    for (const p of this.strings('pci', true)) {
      const r = parsePciSpec(p.value, p.pos);
      if (r.ok) guest.pci.push(r.value);
      else this.problem(p.pos, r.message);
    }
    const usb = this.settings.get('usbdevice');
    if (usb) guest.usbdevices = this.strings('usbdevice', true).map((x) => x.value);

    for (const [key, s] of this.settings) {
      if (!KNOWN_KEYS.has(key)) guest.unknownKeys.push({ key, pos: s.pos });
    }
    if (this.xlOnly || this.settings.has('cmdline') || this.settings.has('type') || this.settings.has('bootloader_args') || usesXlDisks(this.strings('disk', true).map((d) => d.value))) {
      guest.dialect = 'xl';
    }
    if (this.problems.length > 0) {
      this.problems.sort((a, b) => a.line - b.line || a.column - b.column);
      throw new InputError(this.problems, `Fix the config file ${this.file} and run xen2kvm again.`);
    }
    return guest;
  }

  private guestType(): GuestType {
    const t = this.str('type');
    if (t !== undefined) {
      if (t === 'pv' || t === 'pvh' || t === 'hvm') return t;
      this.problem(this.settings.get('type')!.value.pos, `type "${t}" is not pv, pvh or hvm`);
      return 'pv';
    }
    return this.str('builder') === 'hvm' ? 'hvm' : 'pv';
  }

  private boot(g: XenGuest): void {
    const bootloader = this.str('bootloader');
    const argsSetting = this.settings.get('bootloader_args');
    const bootargs = argsSetting?.value.kind === 'list'
      ? this.strings('bootloader_args', false).map((x) => x.value).join(' ')
      : this.str('bootloader_args') ?? this.str('bootargs');
    const kernel = this.str('kernel');
    const ramdisk = this.str('ramdisk');
    if (bootloader !== undefined) g.bootloader = bootloader;
    if (bootargs !== undefined) g.bootloaderArgs = bootargs;
    // In xm HVM configs, kernel= is hvmloader, not a guest kernel.
    if (kernel !== undefined && !(g.type === 'hvm' && /hvmloader/.test(kernel))) g.kernel = kernel;
    if (ramdisk !== undefined) g.ramdisk = ramdisk;
    const cmdline = this.str('cmdline');
    const root = this.str('root');
    const extra = this.str('extra');
    if (cmdline !== undefined) {
      g.cmdline = cmdline;
      if (root !== undefined || extra !== undefined) this.warn(this.settings.get('cmdline')!.pos, 'cmdline-overrides-root', 'cmdline is set, so root and extra are ignored (as xl does)');
    } else if (root !== undefined || extra !== undefined) {
      g.cmdline = [root !== undefined ? `root=${root}` : '', extra ?? ''].filter(Boolean).join(' ');
    }
    if (g.type === 'hvm') {
      const boot = this.str('boot');
      if (boot !== undefined) {
        if (!/^[acdn]{1,4}$/.test(boot)) this.problem(this.settings.get('boot')!.value.pos, `boot "${boot}" must be letters from a (floppy), c (disk), d (cdrom), n (network)`);
        else g.bootOrder = boot;
      }
    }
  }

  private disks(g: XenGuest): void {
    const seen = new Map<string, Pos>();
    const seenIndex = new Map<string, string>();
    for (const d of this.strings('disk', false)) {
      const r = parseDiskSpec(d.value, d.pos);
      if (!r.ok) {
        this.problem(d.pos, r.message);
        continue;
      }
      const { vdev } = r.disk;
      const first = seen.get(vdev);
      if (first) {
        this.problem(d.pos, `duplicate vdev ${vdev}: already used by the disk at line ${first.line}`);
        continue;
      }
      seen.set(vdev, d.pos);
      const key = `${vdevDiskIndex(vdev)}/${vdevPartition(vdev)}`;
      const twin = seenIndex.get(key);
      if (twin) this.warn(d.pos, 'disk-same-device', `${vdev} and ${twin} are the same Xen device number; the guest sees only one of them`);
      seenIndex.set(key, vdev);
      g.disks.push(r.disk);
    }
  }

  private nics(g: XenGuest): void {
    const macs = new Map<string, Pos>();
    for (const v of this.strings('vif', false)) {
      const r = parseVifSpec(v.value, v.pos);
      if (!r.ok) {
        this.problem(v.pos, r.message);
        continue;
      }
      for (const w of r.warnings) this.warn(v.pos, w.code, w.message);
      if (r.nic.mac) {
        const first = macs.get(r.nic.mac);
        if (first) this.problem(v.pos, `MAC ${r.nic.mac} is used twice (also at line ${first.line})`);
        macs.set(r.nic.mac, v.pos);
      }
      g.nics.push(r.nic);
    }
  }

  private graphics(type: GuestType): XenGraphics | undefined {
    const vfb = this.strings('vfb', true);
    if (vfb.length > 0) {
      const r = parseVfbSpec(vfb[0].value, vfb[0].pos);
      if (!r.ok) {
        this.problem(vfb[0].pos, r.message);
        return undefined;
      }
      if (vfb.length > 1) this.warn(vfb[1].pos, 'vfb-extra', 'only the first vfb entry is used');
      return r.value;
    }
    const pos = (k: string) => this.settings.get(k)?.pos ?? { line: 1, column: 1 };
    if (this.bool('spice')) {
      const g: XenGraphics = { type: 'spice', autoport: !this.settings.has('spiceport'), pos: pos('spice') };
      const port = this.int('spiceport', 'a port number');
      if (port) g.port = port;
      const host = this.str('spicehost');
      if (host) g.listen = host;
      const pw = this.str('spicepasswd');
      if (pw) g.passwd = pw;
      return g;
    }
    // Top-level vnc / sdl keys (HVM; xl reads them for PV too when there is no vfb).
    const vnc = this.bool('vnc');
    if (vnc || (vnc === undefined && type === 'hvm' && this.settings.has('vnclisten'))) {
      const display = this.int('vncdisplay', 'a display number');
      const unused = this.bool('vncunused');
      const g: XenGraphics = { type: 'vnc', autoport: unused ?? display === undefined, pos: pos('vnc') };
      if (display !== undefined) g.display = display;
      const listen = this.str('vnclisten');
      if (listen !== undefined && !isListenAddress(listen)) this.problem(this.settings.get('vnclisten')!.value.pos, `vnclisten "${listen}" is not an IP address or host name`);
      if (listen) g.listen = listen;
      const pw = this.str('vncpasswd');
      if (pw) g.passwd = pw;
      const keymap = this.str('keymap');
      if (keymap) g.keymap = keymap;
      return g;
    }
    if (this.bool('sdl')) return { type: 'sdl', autoport: true, pos: pos('sdl') };
    return undefined;
  }

  private serial(g: XenGuest): void {
    const s = this.settings.get('serial');
    if (!s) return;
    const entries = s.value.kind === 'list' ? this.strings('serial', false) : s.value.kind === 'string' ? [{ value: s.value.value, pos: s.value.pos }] : [];
    if (s.value.kind === 'int') this.problem(s.value.pos, 'serial must be a "string" such as "pty"');
    for (const e of entries) {
      const r = parseCharSpec(e.value, e.pos);
      if (!r.ok) this.problem(e.pos, r.message);
      else if (r.value) g.serials.push(r.value as XenChar);
    }
  }
}

function kindName(v: Value): string {
  if (v.kind === 'int') return `the number ${v.value}`;
  if (v.kind === 'string') return `the string "${v.value}"`;
  return 'a list';
}

function usesXlDisks(specs: string[]): boolean {
  return specs.some((s) => /(^|,)\s*(vdev|target|format|access|devtype|backendtype)=/.test(s) || s.split(',').length > 3);
}
