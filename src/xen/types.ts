// The typed model of a Xen guest, as read from an xm or xl config file.
import type { Warning } from '../errors.js';

/** Where something came from in the config, for messages (1-based). */
export interface Pos {
  line: number;
  column: number;
}

export type GuestType = 'pv' | 'pvh' | 'hvm';

/** Image formats a Xen disk can be in (Xen / libvirt names). */
export type DiskFormat = 'raw' | 'qcow' | 'qcow2' | 'qed' | 'vhd' | 'vmdk' | 'empty';

export interface XenDisk {
  /** The spec as written in the config. */
  spec: string;
  pos: Pos;
  /** Backend driver named by the spec: phy, file, tap, tap2, qdisk, or another prefix. */
  driver: string;
  /** Whether the source is a host block device, a file, a network URL, or nothing (empty cdrom). */
  sourceKind: 'block' | 'file' | 'network' | 'none';
  /** Host path (or rbd URL) of the source; absent for an empty cdrom. */
  path?: string;
  format: DiskFormat;
  /** The guest-visible device as Xen named it: xvda, xvda1, hdc, sdb. */
  vdev: string;
  device: 'disk' | 'cdrom';
  readonly: boolean;
  shareable: boolean;
}

export interface XenNic {
  spec: string;
  pos: Pos;
  mac?: string;
  bridge?: string;
  /** VLAN tags from an openvswitch bridge name (br.42 or br:42:43). */
  vlans?: number[];
  vlanTrunk?: boolean;
  script?: string;
  ip?: string[];
  model?: string;
  type?: string;
  vifname?: string;
  /** Outbound rate limit in KiB/s. */
  rateKiBps?: number;
}

export interface XenGraphics {
  type: 'vnc' | 'sdl' | 'spice';
  /** True: pick a free port (vncunused). */
  autoport: boolean;
  /** VNC display number (port 5900+N). */
  display?: number;
  port?: number;
  listen?: string;
  passwd?: string;
  keymap?: string;
  pos: Pos;
}

/** HVM serial / parallel device, from a xen char device string. */
export interface XenChar {
  kind: 'pty' | 'null' | 'stdio' | 'vc' | 'dev' | 'file' | 'pipe' | 'tcp' | 'telnet' | 'udp' | 'unix';
  path?: string;
  host?: string;
  service?: string;
  server?: boolean;
  spec: string;
  pos: Pos;
}

export interface XenPci {
  domain: number;
  bus: number;
  slot: number;
  func: number;
  permissive: boolean;
  spec: string;
  pos: Pos;
}

export type LifecycleAction =
  | 'destroy'
  | 'restart'
  | 'rename-restart'
  | 'preserve'
  | 'coredump-destroy'
  | 'coredump-restart'
  | 'soft-reset';

export interface XenGuest {
  /** The config file's path (or a label for text read from elsewhere). */
  file: string;
  /** Which syntax the file used: xl when it used anything only xl accepts. */
  dialect: 'xm' | 'xl';
  name: string;
  uuid?: string;
  type: GuestType;
  memoryMiB: number;
  maxmemMiB: number;
  vcpus: number;
  maxvcpus?: number;
  /** Physical CPUs the vCPUs may run on, in libvirt cpuset syntax. */
  cpuset?: string;
  bootloader?: string;
  bootloaderArgs?: string;
  kernel?: string;
  ramdisk?: string;
  /** The kernel command line (xl cmdline, or xm root= + extra). */
  cmdline?: string;
  /** HVM boot order letters (a, c, d, n). */
  bootOrder?: string;
  onPoweroff: LifecycleAction;
  onReboot: LifecycleAction;
  onCrash: LifecycleAction;
  localtime: boolean;
  features: { pae: boolean; acpi: boolean; apic: boolean };
  disks: XenDisk[];
  nics: XenNic[];
  graphics?: XenGraphics;
  serials: XenChar[];
  pci: XenPci[];
  usbdevices: string[];
  /** Keys xen2kvm does not use, with where they were set. */
  unknownKeys: { key: string; pos: Pos }[];
  /** Non-fatal findings, already located (file:line:col: text). */
  warnings: Warning[];
}
