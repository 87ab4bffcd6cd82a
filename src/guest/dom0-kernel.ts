// Guests that boot dom0's kernel (`kernel = '/boot/vmlinuz-…'`, `ramdisk = …` in
// the Xen config, no kernel in the guest's /boot — xen-tools without pygrub and
// most older Xen hosts): that kernel and ramdisk are read from the Xen host's
// files (`--xen-root DIR`, where its / is mounted or copied; or `--kernel` and
// `--initrd`), checked — the guest must have /lib/modules/VERSION, the kernel
// virtio, the ramdisk virtio_blk and virtio_pci (read) — and booted directly by
// the KVM domain. A ramdisk without virtio is rebuilt inside the guest (the
// initrd edit), from the guest's own tools and those modules.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../errors.js';
import { listInitrd, moduleNames, type Decompress } from '../formats/cpio.js';
import type { RootFs } from '../tree/fs.js';
import { readRegion } from '../tree/files.js';
import type { XenGuest } from '../xen/types.js';
import { kernelDrivers } from './inspect.js';
import type { KernelFacts } from './kernels.js';

export interface Dom0Kernel {
  /** Host paths of the kernel and ramdisk to boot. */
  image: string;
  initrd?: string;
  version: string;
  /** The ramdisk holds virtio_blk and virtio_pci (read), so it boots the guest as it is. */
  initrdHasVirtio: boolean;
}

export interface Dom0Options {
  /** Where the Xen host's / is (default /: xen2kvm runs on the Xen host, or its /boot is copied in place). */
  xenRoot?: string;
  /** A kernel and initrd the user picks instead of the config's. */
  kernel?: string;
  initrd?: string;
}

/** A Linux bzImage's version string (the setup header's kernel_version), or the file name's `vmlinuz-VERSION`. */
export function kernelVersionOf(path: string, head: Buffer): string | undefined {
  if (head.length > 0x210 && head.toString('latin1', 0x202, 0x206) === 'HdrS') {
    const at = head.readUInt16LE(0x20e) + 0x200;
    if (at > 0x200 && at < head.length) {
      const v = head.toString('latin1', at, Math.min(head.length, at + 128)).split(/[\s\0]/)[0];
      if (/^\d+\.\d+/.test(v)) return v;
    }
  }
  return /^vmlinu[xz]-(.+)$/.exec(basename(path))?.[1];
}

/** The config boots a kernel kept in dom0 (kernel= without a boot loader). */
export function bootsDom0Kernel(guest: XenGuest): boolean {
  return guest.kernel !== undefined && guest.bootloader === undefined;
}

/** The host file a config path means under --xen-root. */
function onXenHost(path: string, root: string): string {
  return join(root, path);
}

/** Finds and checks dom0's kernel and ramdisk for a guest whose config boots them. */
export async function findDom0Kernel(guest: XenGuest, opts: Dom0Options, decompress: Decompress): Promise<Dom0Kernel> {
  const root = opts.xenRoot ?? '/';
  const image = opts.kernel ?? onXenHost(guest.kernel!, root);
  const initrd = opts.initrd ?? (guest.ramdisk ? onXenHost(guest.ramdisk, root) : undefined);
  const advice = `Give the Xen host's files: --xen-root DIR (where its / is mounted or copied, e.g. sshfs dom0:/ DIR), or --kernel FILE --initrd FILE (a kernel with virtio, and its initrd).`;
  for (const [what, p] of [['kernel', image], ['ramdisk', initrd]] as const) {
    if (p && (!existsSync(p) || !statSync(p).isFile())) throw new UserError(`the guest boots dom0's ${what} ${what === 'kernel' ? guest.kernel : guest.ramdisk}, which is not at ${p} on this host`, advice);
  }
  const version = kernelVersionOf(image, readRegion(image, 0, 0x10000));
  if (!version) throw new UserError(`cannot tell the version of the kernel ${image} (no bzImage header, no vmlinuz-VERSION name)`, 'Name it vmlinuz-VERSION, or pass --kernel with such a file.');
  let initrdHasVirtio = false;
  if (initrd) {
    const names = moduleNames(await listInitrd(readFileSync(initrd), decompress));
    initrdHasVirtio = names.has('virtio_blk') && names.has('virtio_pci');
  }
  return { image, ...(initrd ? { initrd } : {}), version, initrdHasVirtio };
}

/** The dom0 kernel as a kernel of the guest: it needs the guest's /lib/modules/VERSION, and virtio. */
export async function dom0KernelFacts(fs: RootFs, k: Dom0Kernel): Promise<KernelFacts> {
  if ((await fs.kind(`/lib/modules/${k.version}`)) !== 'dir') {
    throw new UserError(`the guest has no /lib/modules/${k.version}, the modules of dom0's kernel ${k.version}: under KVM it would boot without its drivers`,
      `Copy them from the Xen host into the guest (cp -a /lib/modules/${k.version} GUEST_ROOT/lib/modules/, as xen-tools does), or pass --kernel FILE --initrd FILE for a kernel whose modules the guest has.`);
  }
  const { drivers } = await kernelDrivers(fs, k.version);
  if (!drivers.virtio_blk) {
    throw new UserError(`dom0's kernel ${k.version} has no virtio_blk (built in or in /lib/modules/${k.version}): it cannot find its disk under KVM`,
      'Pass --kernel FILE --initrd FILE for a kernel with virtio (a distribution kernel such as linux-image-amd64), with its modules in the guest.');
  }
  return {
    version: k.version, image: k.image, xenOnly: false, virtio: true, virtioDrivers: drivers,
    // Its ramdisk is on the host: the guest's initrd is built only when that one lacks virtio.
    ...(k.initrdHasVirtio && k.initrd ? { initrdHasVirtio: true } : {}),
    inBootloader: false, default: false,
  };
}
