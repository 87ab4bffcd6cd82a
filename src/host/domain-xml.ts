// Renders a KVM libvirt domain for a Xen guest. Pure: data in, XML text and
// warnings out. Every string goes through the XML builder, so names and paths
// with quotes, & or < are escaped, never spliced.
import { xmlRoot, type XmlElement } from '../formats/xml-writer.js';
import { UserError, warning, type Warning } from '../errors.js';
import { isListenAddress } from '../xen/devices.js';
import { planDevices, type DeviceMap } from '../xen/devmap.js';
import { kvmCmdline } from '../xen/kvm-cmdline.js';
import type { LifecycleAction, XenChar, XenGuest, XenNic } from '../xen/types.js';
import { splitArgs } from '../formats/cmdline.js';
export { isXenOnlyArg } from '../formats/cmdline.js';

export interface DomainOptions {
  /** QEMU machine type: pc (default) or q35 (or a versioned name). */
  machine?: string;
  arch?: 'x86_64' | 'i686';
  /** Xen bridge → host bridge (`--bridge xenbr0=br0`). */
  bridges?: Record<string, string>;
  /** Xen bridge → libvirt network (`--network xenbr1=hostonly`). */
  networks?: Record<string, string>;
  /** Path of the emulator, when known; libvirt picks one otherwise. */
  emulator?: string;
  /** Move HVM guests to virtio disks and NICs (they keep emulated devices by default). */
  hvmVirtio?: boolean;
  /** Direct kernel boot paths and command line, when a later stage knows them. */
  directBoot?: { kernel: string; initrd?: string; cmdline: string };
  /** Back guest memory with hugepages. */
  hugepages?: boolean;
  /** libvirt domain type: kvm (default), or qemu (TCG emulation, for hosts without KVM). */
  domainType?: 'kvm' | 'qemu';
  /** MACs found in the guest, for NICs whose vif has no mac= (by NIC index). */
  guestMacs?: (string | undefined)[];
}

export interface RenderedDomain {
  xml: string;
  warnings: Warning[];
  deviceMap: DeviceMap;
  /** Direct kernel boot, when the guest has no boot loader of its own. */
  directBoot?: { kernel: string; initrd?: string; cmdline: string };
}

/** Where direct-boot kernels live on the KVM host. */
export const BOOT_DIR = '/var/lib/libvirt/boot';

const FORMAT_FOR_QEMU: Record<string, string> = { vhd: 'vpc', empty: 'raw' };

/** What a domain will be, checked without rendering: the device map, direct boot, and what KVM cannot express (refused). */
export function planDomain(guest: XenGuest, opts: DomainOptions = {}): { deviceMap: DeviceMap; directBoot?: RenderedDomain['directBoot']; warnings: Warning[] } {
  const warnings: Warning[] = [];
  let deviceMap: DeviceMap;
  try {
    deviceMap = planDevices(guest, { machine: opts.machine ?? 'pc', hvmVirtio: !!opts.hvmVirtio });
  } catch (e) {
    const msg = (e as Error).message;
    throw new UserError(msg.startsWith(`${guest.file}:`) ? msg : `${guest.file}: ${msg}`);
  }
  for (const disk of guest.disks) refuseUnusableDisk(guest, disk);
  // Boot: PV guests with a dom0 kernel, or with bare-filesystem disks, have no
  // boot loader on disk; they boot a kernel libvirt loads directly.
  const directBoot = opts.directBoot ?? planDirectBoot(guest, deviceMap, warnings);
  return { deviceMap, ...(directBoot ? { directBoot } : {}), warnings };
}

/** The RBD monitors of an xl qdisk target (rbd:POOL/IMAGE:…:mon_host=H\\:P\\;H2\\:P2). */
function rbdHosts(url: string): { name: string; port?: string }[] {
  const hosts: { name: string; port?: string }[] = [];
  for (const opt of url.slice(4).split(/(?<!\\):/).slice(1)) {
    const [k, v] = [opt.slice(0, opt.indexOf('=')), opt.slice(opt.indexOf('=') + 1)];
    if (k !== 'mon_host') continue;
    for (const host of v.split('\\;')) {
      const [name, port] = host.split('\\:');
      hosts.push(port ? { name, port } : { name });
    }
  }
  return hosts;
}

function refuseUnusableDisk(guest: XenGuest, disk: XenGuest['disks'][number]): void {
  if (disk.sourceKind === 'network' && disk.path?.startsWith('rbd:')) {
    const bad = rbdHosts(disk.path).find((h) => !isListenAddress(h.name) || (h.port !== undefined && (!/^\d{1,5}$/.test(h.port) || Number(h.port) > 65535)));
    if (bad) throw new UserError(`${guest.file}:${disk.pos.line}:${disk.pos.column}: disk ${disk.vdev}: the RBD monitor "${bad.name}${bad.port ? `:${bad.port}` : ''}" is not a host name (or IP address) and port`);
  }
  if (disk.sourceKind === 'network' && !disk.path?.startsWith('rbd:')) {
    throw new UserError(
      `${guest.file}:${disk.pos.line}:${disk.pos.column}: disk ${disk.vdev} uses Xen's ${disk.driver} block script, which KVM cannot run`,
      `Attach the device on the KVM host and give its path: --disk ${disk.vdev}=/dev/…`,
    );
  }
}

export function renderDomainXml(guest: XenGuest, opts: DomainOptions = {}): RenderedDomain {
  const machine = opts.machine ?? 'pc';
  const q35 = /q35/.test(machine);
  const hvm = guest.type === 'hvm';
  const virtio = !hvm || !!opts.hvmVirtio;
  const where = (pos: { line: number; column: number }) => `${guest.file}:${pos.line}:${pos.column}`;
  const { deviceMap, directBoot, warnings } = planDomain(guest, opts);
  if (hvm && !opts.hvmVirtio) {
    warnings.push(warning('hvm-devices-kept', 'this is an HVM guest: its emulated disk and NIC models are kept (use --hvm-virtio to move it to virtio once it has virtio drivers)'));
  }

  const dom = xmlRoot('domain', { type: opts.domainType ?? 'kvm' });
  dom.ele('name').txt(guest.name);
  if (guest.uuid) dom.ele('uuid').txt(guest.uuid);
  dom.ele('memory', { unit: 'KiB' }).txt(String(guest.maxmemMiB * 1024));
  dom.ele('currentMemory', { unit: 'KiB' }).txt(String(guest.memoryMiB * 1024));
  if (opts.hugepages) dom.ele('memoryBacking').ele('hugepages');
  const vcpuAttrs: Record<string, string> = { placement: 'static' };
  if (guest.cpuset) vcpuAttrs.cpuset = guest.cpuset;
  if (guest.maxvcpus) vcpuAttrs.current = String(guest.vcpus);
  dom.ele('vcpu', vcpuAttrs).txt(String(guest.maxvcpus ?? guest.vcpus));

  const os = dom.ele('os');
  os.ele('type', { arch: opts.arch ?? 'x86_64', machine }).txt('hvm');
  if (directBoot) {
    os.ele('kernel').txt(directBoot.kernel);
    if (directBoot.initrd) os.ele('initrd').txt(directBoot.initrd);
    os.ele('cmdline').txt(directBoot.cmdline);
  } else if (hvm && guest.bootOrder) {
    const devs: Record<string, string> = { a: 'fd', c: 'hd', d: 'cdrom', n: 'network' };
    for (const ch of guest.bootOrder) os.ele('boot', { dev: devs[ch] });
  } else {
    os.ele('boot', { dev: 'hd' });
  }
  if (guest.bootloader && !opts.directBoot) warnings.push(warning('xen-bootloader-unused', `the Xen boot loader ${guest.bootloader} is not used under KVM: the guest boots ${directBoot ? 'its kernel directly' : 'from its own disk (its MBR needs a boot loader; xen2kvm inspect and convert check that)'}`));

  const features = dom.ele('features');
  if (!hvm || guest.features.acpi) features.ele('acpi');
  if (!hvm || guest.features.apic) features.ele('apic');
  if (!hvm || guest.features.pae) features.ele('pae');

  dom.ele('clock', { offset: guest.localtime ? 'localtime' : 'utc' });
  dom.ele('on_poweroff').txt(lifecycle('on_poweroff', guest.onPoweroff, warnings));
  dom.ele('on_reboot').txt(lifecycle('on_reboot', guest.onReboot, warnings));
  dom.ele('on_crash').txt(lifecycle('on_crash', guest.onCrash, warnings));

  const devices = dom.ele('devices');
  if (opts.emulator) devices.ele('emulator').txt(opts.emulator);
  for (const p of deviceMap.disks) renderDisk(devices, p.disk, p.target, p.bus, warnings, where);
  if (deviceMap.disks.some((p) => p.bus === 'scsi')) devices.ele('controller', { type: 'scsi', index: '0', model: 'virtio-scsi' });

  guest.nics.forEach((nic, i) => renderNic(devices, guest, nic, i, virtio, opts, warnings));

  const serials = guest.serials.length > 0 && hvm ? guest.serials : [{ kind: 'pty' } as XenChar];
  serials.forEach((ch, port) => renderSerial(devices, ch, port));
  devices.ele('console', { type: 'pty' }).ele('target', { type: 'serial', port: '0' });

  for (const u of guest.usbdevices) {
    if (u === 'tablet' || u === 'mouse' || u === 'keyboard') devices.ele('input', { type: u, bus: 'usb' });
    else warnings.push(warning('usbdevice-dropped', `usbdevice "${u}" is not translated`));
  }
  devices.ele('input', { type: 'mouse', bus: 'ps2' });
  devices.ele('input', { type: 'keyboard', bus: 'ps2' });
  renderGraphics(devices, guest, warnings);
  devices.ele('video').ele('model', { type: q35 ? 'vga' : 'cirrus', vram: q35 ? '16384' : '9216', heads: '1', primary: 'yes' });
  for (const pci of guest.pci) {
    const hex = (n: number, w: number) => `0x${n.toString(16).padStart(w, '0')}`;
    devices.ele('hostdev', { mode: 'subsystem', type: 'pci', managed: 'yes' })
      .ele('source').ele('address', { domain: hex(pci.domain, 4), bus: hex(pci.bus, 2), slot: hex(pci.slot, 2), function: hex(pci.func, 1) });
    warnings.push(warning('pci-passthrough', `${where(pci.pos)}: PCI device ${pci.spec} is passed through with VFIO; the KVM host needs an IOMMU and the device free for vfio-pci`));
  }
  devices.ele('memballoon', { model: 'virtio' });

  const xml = dom.serialize();
  return { xml, warnings, deviceMap, ...(directBoot ? { directBoot } : {}) };
}

/** KVM (QEMU) knows fewer lifecycle actions than Xen: map each to the nearest. */
function lifecycle(key: 'on_poweroff' | 'on_reboot' | 'on_crash', action: LifecycleAction, warnings: Warning[]): string {
  const allowed = key === 'on_crash' ? ['destroy', 'restart', 'preserve', 'coredump-destroy', 'coredump-restart'] : ['destroy', 'restart'];
  if (allowed.includes(action)) return action;
  const nearest = action === 'rename-restart' || action === 'soft-reset' || action === 'coredump-restart' ? 'restart' : 'destroy';
  warnings.push(warning('lifecycle-action-changed', `${key} "${action}" does not exist under KVM; "${nearest}" is used instead`));
  return nearest;
}

/** The kernel command line a Xen config gives a dom0 kernel or a partitionless guest (root= added from its first disk when the config has none), as Xen had it. */
export function xenConfigCmdline(guest: XenGuest, map: DeviceMap): string {
  const cmdline = guest.cmdline ?? '';
  if (/(^|\s)root=/.test(cmdline)) return cmdline;
  const first = map.disks.find((p) => p.disk.device === 'disk');
  return first ? `root=/dev/${first.disk.vdev} ro ${cmdline}`.trim() : cmdline;
}

function planDirectBoot(guest: XenGuest, map: DeviceMap, warnings: Warning[]): RenderedDomain['directBoot'] {
  if (guest.type === 'hvm') return undefined;
  const dom0Kernel = guest.kernel !== undefined && guest.bootloader === undefined;
  if (!dom0Kernel && !map.partitionless) return undefined;
  const dir = `${BOOT_DIR}/${guest.name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  const hasInitrd = guest.ramdisk !== undefined || !dom0Kernel;
  // The one KVM command line (xen/kvm-cmdline.ts); domxml cannot see the guest's network configuration, convert can (it passes its own).
  const cmdline = kvmCmdline(splitArgs(xenConfigCmdline(guest, map)), { deviceMap: map, serialSpeed: 115200, netNames: 'keep', warn: (w) => warnings.push(w) }, 'the kernel command line of the Xen config').join(' ');
  warnings.push(warning('direct-boot',
    `the guest has no boot loader of its own (${dom0Kernel ? 'its kernel is in dom0' : 'its disks hold bare filesystems'}): it boots ${dir}/vmlinuz directly; xen2kvm convert puts a KVM-capable kernel and initrd there`,
  ));
  return { kernel: `${dir}/vmlinuz`, ...(hasInitrd ? { initrd: `${dir}/initrd.img` } : {}), cmdline };
}

function renderDisk(
  devices: XmlElement, disk: XenGuest['disks'][number], target: string, bus: string, warnings: Warning[],
  where: (p: { line: number; column: number }) => string,
): void {
  const type = disk.sourceKind === 'none' ? 'file' : disk.sourceKind === 'block' ? 'block' : disk.sourceKind === 'network' ? 'network' : 'file';
  const d = devices.ele('disk', { type, device: disk.device });
  const driver: Record<string, string> = { name: 'qemu', type: FORMAT_FOR_QEMU[disk.format] ?? disk.format };
  if (disk.device === 'disk') driver.cache = 'none';
  if (type === 'block' && disk.device === 'disk') driver.io = 'native';
  d.ele('driver', driver);
  if (type === 'block') d.ele('source', { dev: disk.path });
  else if (type === 'file' && disk.path) d.ele('source', { file: disk.path });
  else if (type === 'network') renderRbdSource(d, disk.path!);
  d.ele('target', { dev: target, bus });
  if (disk.readonly) d.ele('readonly');
  if (disk.shareable) d.ele('shareable');
  if (disk.format === 'qcow' || disk.format === 'vmdk' || disk.format === 'vhd') {
    warnings.push(warning('disk-format', `disk ${disk.vdev} is ${disk.format}; QEMU reads it, but converting it to qcow2 or raw (qemu-img convert) is safer for long-term use`));
  }
}

/** `rbd:pool/image:opt=val:mon_host=h1\:6789\;h2\:6789` → protocol rbd with hosts. */
function renderRbdSource(d: XmlElement, url: string): void {
  const src = d.ele('source', { protocol: 'rbd', name: url.slice(4).split(/(?<!\\):/)[0] });
  for (const h of rbdHosts(url)) src.ele('host', h);
}

function renderNic(devices: XmlElement, guest: XenGuest, nic: XenNic, index: number, virtio: boolean, opts: DomainOptions, warnings: Warning[]): void {
  const xenBridge = nic.bridge ?? 'xenbr0';
  if (!nic.bridge) warnings.push(warning('vif-default-bridge', `vif ${index} names no bridge; Xen used its default bridge, taken here as xenbr0`));
  const network = opts.networks?.[xenBridge];
  const hostBridge = opts.bridges?.[xenBridge];
  const iface = devices.ele('interface', { type: network ? 'network' : 'bridge' });
  let mac = nic.mac ?? opts.guestMacs?.[index];
  if (!mac) {
    mac = derivedMac(guest.name, index);
    warnings.push(warning('vif-mac-generated', `vif ${index} has no mac= in the Xen config, so Xen gave it a new one at each boot; it gets the stable ${mac} (check the guest's ifcfg HWADDR)`));
  }
  iface.ele('mac', { address: mac });
  if (network) {
    iface.ele('source', { network });
  } else {
    iface.ele('source', { bridge: hostBridge ?? xenBridge });
    if (!hostBridge) {
      warnings.push(warning('bridge-must-exist', `vif ${index} stays on bridge ${xenBridge}, which must exist on the KVM host; map it with --bridge ${xenBridge}=br0 or --network ${xenBridge}=NET`));
    }
  }
  if (nic.vlans) {
    const vlan = iface.ele('vlan', nic.vlanTrunk ? { trunk: 'yes' } : {});
    for (const id of nic.vlans) vlan.ele('tag', { id: String(id) });
    iface.ele('virtualport', { type: 'openvswitch' });
  }
  if (nic.vifname) iface.ele('target', { dev: nic.vifname });
  iface.ele('model', { type: virtio ? 'virtio' : emulatedModel(nic, warnings, index) });
  if (nic.rateKiBps) iface.ele('bandwidth').ele('outbound', { average: String(nic.rateKiBps) });
}

/** The model an HVM NIC keeps under KVM (Xen's qemu-dm default is rtl8139). */
function emulatedModel(nic: XenNic, warnings: Warning[], index: number): string {
  const model = nic.model ?? 'rtl8139';
  const known = ['rtl8139', 'e1000', 'e1000e', 'virtio', 'ne2k_pci', 'pcnet', 'i82551', 'i82557b', 'i82559er', 'vmxnet3'];
  if (known.includes(model)) return model;
  warnings.push(warning('nic-model-changed', `vif ${index} model "${model}" has no KVM equivalent; rtl8139 is used`));
  return 'rtl8139';
}

/** A stable locally-administered MAC in QEMU's 52:54:00 range from the guest name and NIC index. */
export function derivedMac(name: string, index: number): string {
  // node:crypto is loaded only for a NIC without a MAC (~5 ms of `domxml`'s start otherwise).
  const h = process.getBuiltinModule('node:crypto').createHash('sha256').update(`${name}\0${index}`).digest();
  return ['52', '54', '00', ...[h[0], h[1], h[2]].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

function renderSerial(devices: XmlElement, ch: XenChar, port: number): void {
  const type = ch.kind === 'telnet' ? 'tcp' : ch.kind;
  const s = devices.ele('serial', { type });
  if (ch.kind === 'dev' || ch.kind === 'file' || ch.kind === 'pipe') s.ele('source', { path: ch.path });
  if (ch.kind === 'unix') s.ele('source', { mode: ch.server ? 'bind' : 'connect', path: ch.path });
  if (ch.kind === 'tcp' || ch.kind === 'telnet') {
    s.ele('source', { mode: ch.server ? 'bind' : 'connect', host: ch.host, service: ch.service });
    s.ele('protocol', { type: ch.kind === 'telnet' ? 'telnet' : 'raw' });
  }
  if (ch.kind === 'udp') s.ele('source', { mode: 'connect', host: ch.host, service: ch.service });
  s.ele('target', { port: String(port) });
}

function renderGraphics(devices: XmlElement, guest: XenGuest, warnings: Warning[]): void {
  const g = guest.graphics;
  if (!g) {
    devices.ele('graphics', { type: 'vnc', port: '-1', autoport: 'yes' });
    return;
  }
  if (g.type === 'spice') {
    const attrs: Record<string, string> = g.port ? { type: 'spice', port: String(g.port), autoport: 'no' } : { type: 'spice', autoport: 'yes' };
    if (g.passwd) attrs.passwd = g.passwd;
    const el = devices.ele('graphics', attrs);
    if (g.listen) el.ele('listen', { type: 'address', address: g.listen });
    return;
  }
  if (g.type === 'sdl') warnings.push(warning('sdl-to-vnc', 'SDL graphics need a desktop on the host; the guest gets VNC graphics instead'));
  const attrs: Record<string, string> = { type: 'vnc' };
  if (g.autoport || g.display === undefined) {
    attrs.port = '-1';
    attrs.autoport = 'yes';
  } else {
    attrs.port = String(5900 + g.display);
    attrs.autoport = 'no';
  }
  if (g.keymap) attrs.keymap = g.keymap;
  if (g.passwd) attrs.passwd = g.passwd;
  const el = devices.ele('graphics', attrs);
  if (g.listen) el.ele('listen', { type: 'address', address: g.listen });
}
