// What each installed kernel can do under KVM (pure, from file facts).

export interface KernelFacts {
  version: string;
  /** Guest path of the kernel image. */
  image: string;
  /** A Xen-only (xenified, non-pvops) kernel: boots only as a Xen PV guest. */
  xenOnly: boolean;
  /** It has virtio block support (built in or as a module). */
  virtio: boolean;
  /** virtio drivers it has, by module name, and whether each is built in. */
  virtioDrivers: Record<string, 'builtin' | 'module'>;
  /** Guest path of its initrd, if there is one. */
  initrd?: string;
  /** The initrd holds virtio_blk (or it is built into the kernel); undefined when unknown. */
  initrdHasVirtio?: boolean;
  /** Listed in the boot loader. */
  inBootloader: boolean;
  /** The boot loader's default entry. */
  default: boolean;
}

const VIRTIO_CONFIG: Record<string, string> = {
  CONFIG_VIRTIO_BLK: 'virtio_blk',
  CONFIG_VIRTIO_PCI: 'virtio_pci',
  CONFIG_VIRTIO_NET: 'virtio_net',
  CONFIG_VIRTIO_RING: 'virtio_ring',
  CONFIG_VIRTIO: 'virtio',
  CONFIG_SCSI_VIRTIO: 'virtio_scsi',
};

/** The virtio drivers xen2kvm looks for in a kernel, by module name. */
export const VIRTIO_MODULES = Object.values(VIRTIO_CONFIG);

/** Reads a kernel `config-VER` file: Xen-only? which virtio drivers? */
export function readKernelConfig(text: string): { xenOnly: boolean; drivers: Record<string, 'builtin' | 'module'> } {
  const xenOnly = /^CONFIG_X86_(64_)?XEN=y/m.test(text);
  const drivers: Record<string, 'builtin' | 'module'> = {};
  for (const [opt, mod] of Object.entries(VIRTIO_CONFIG)) {
    const m = new RegExp(`^${opt}=([ym])`, 'm').exec(text);
    if (m) drivers[mod] = m[1] === 'y' ? 'builtin' : 'module';
  }
  return { xenOnly, drivers };
}

/** Xen flavour names when the family says nothing else (RHEL 5 `el5xen`, SUSE `-xen`, Debian `-xen-686`). */
export const XEN_FLAVOUR = /xen/;

/** A flavour name says Xen (the family's pattern, src/families/). */
export function xenFlavour(version: string, pattern: RegExp = XEN_FLAVOUR): boolean {
  return pattern.test(version);
}

/** Orders kernel versions: numeric parts compared as numbers (2.6.18-128.1.16 > 2.6.18-92). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.\-_]/);
  const pb = b.split(/[.\-_]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (nx !== ny) return nx ? 1 : -1;
    if (!nx && x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The initrd for a kernel among /boot's files: the shortest match that is not a kdump one (RHBZ#1141145: el5 vs el5xen). */
export function initrdFor(version: string, bootFiles: string[]): string | undefined {
  const names = [`initrd-${version}.img`, `initramfs-${version}.img`, `initrd.img-${version}`, `initrd-${version}`];
  return names.find((n) => bootFiles.includes(n));
}
