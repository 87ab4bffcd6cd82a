// The chosen kernel's initrd is rebuilt in the guest (chroot) with the virtio
// drivers, then checked: it must hold virtio_blk and virtio_pci, or the
// conversion fails and the old initrd is put back. RHEL 5 runs the seed's
// `mkinitrd -f --with=virtio_pci --with=virtio_blk --builtin=xenblk IMG VER`
// (plus virtio_net); dracut and update-initramfs fit the same step.
import { listInitrd, moduleNames } from '../../formats/cpio.js';
import { decompressWith } from '../../guest/inspect.js';
import { externalDecompress } from '../../guest/decompress.js';
import type { RootFs } from '../../tree/fs.js';
import { UserError } from '../../errors.js';
import { initrdPath } from '../context.js';
import type { CommandEdit, EditContext } from '../types.js';

const VIRTIO = ['virtio', 'virtio_ring', 'virtio_pci', 'virtio_blk', 'virtio_net'];

/** The command line each initrd tool needs. */
export function initrdArgv(ctx: EditContext): string[] {
  const image = initrdPath(ctx);
  const v = ctx.kernel.version;
  switch (ctx.facts.initrdTool) {
    case 'mkinitrd':
      return ['/sbin/mkinitrd', '-f', '--with=virtio_pci', '--with=virtio_blk', '--with=virtio_net', '--builtin=xenblk', image, v];
    case 'dracut':
      // The virtio drivers and "not host-only" come from /etc/dracut.conf.d (the
      // dracut-conf edit), which every dracut since RHEL 6's reads; --add-drivers
      // again here, which every one of them knows.
      return ['dracut', '-f', '--add-drivers', VIRTIO.join(' '), image, v];
    case 'update-initramfs':
      // -u updates an existing initramfs; -c creates the one a kernel lacks.
      return ['update-initramfs', ctx.kernel.initrd ? '-u' : '-c', '-k', v];
    default:
      throw new UserError('the guest has no initrd tool (mkinitrd, dracut, update-initramfs), so its initrd cannot be rebuilt with the virtio drivers', 'Install one in the guest first (yum install mkinitrd / dracut, apt-get install initramfs-tools), or convert with --no-initrd if the kernel has virtio built in.');
  }
}

/** The modules an initrd holds, and which of the `needles` (host device paths, the host's root UUID) occur in its files. */
export async function initrdModules(fs: RootFs, path: string, needles: string[] = []): Promise<Set<string> & { found?: string[] }> {
  const image = await fs.read(path, 512 * 1024 * 1024);
  if (!image) throw new Error(`${path} does not exist after the rebuild`);
  const found = new Set<string>();
  const names = await listInitrd(image, decompressWith(externalDecompress), (archive) => {
    for (const n of needles) if (n && archive.includes(n, 0, 'latin1')) found.add(n);
  });
  return Object.assign(moduleNames(names), { found: [...found] });
}

/** The virtio drivers the root disk needs that the kernel does not build in and `mods` lacks. */
function lacking(mods: Set<string>, ctx: EditContext): string[] {
  return ['virtio_blk', 'virtio_pci'].filter((m) => !mods.has(m) && ctx.kernel.virtioDrivers[m] !== 'builtin');
}

export const initrd: CommandEdit = {
  kind: 'command',
  id: 'initrd',
  describe: 'initrd rebuilt with the virtio drivers (and checked)',
  // The initrd as it is now, read (never what inspection or a manifest remembers: an interrupted
  // run's restore may have put the Xen initrd back since).
  needed: async (fs, ctx) => {
    const path = initrdPath(ctx);
    if (!(await fs.isFile(path))) return `kernel ${ctx.kernel.version} has no initrd`;
    let mods: Set<string>;
    try {
      mods = await initrdModules(fs, path);
    } catch (e) {
      return `${path} cannot be read (${(e as Error).message})`;
    }
    const missing = lacking(mods, ctx);
    return missing.length > 0 ? `${path} lacks ${missing.join(' and ')}` : undefined;
  },
  // update-initramfs also keeps a checksum per kernel (and may leave a .bak): recorded, so rollback is exact.
  touches: (ctx) => [initrdPath(ctx), ...(ctx.facts.initrdTool === 'update-initramfs' ? [`/var/lib/initramfs-tools/${ctx.kernel.version}`] : [])],
  creates: () => ['/boot'],
  // Their caches: Debian's dracut rewrites /var/lib/dracut (console-setup), initramfs-tools keeps checksums.
  keeps: (ctx) => (ctx.facts.initrdTool === 'dracut' ? ['/var/lib/dracut'] : ctx.facts.initrdTool === 'update-initramfs' ? ['/var/lib/initramfs-tools'] : []),
  argv: initrdArgv,
  verify: async (fs, ctx) => {
    // The host's own device paths or root UUID inside it would send the guest looking for disks it does not have.
    const needles = ctx.host.leaks.filter((l) => l.length >= 8);
    const mods = await initrdModules(fs, initrdPath(ctx), needles);
    if (mods.found?.length) {
      throw new UserError(`the rebuilt initrd ${initrdPath(ctx)} names the host's ${mods.found.join(', ')} (a host-only image built for this machine, not for the guest); the old initrd was put back`,
        'Set hostonly="no" in the guest\'s dracut configuration (xen2kvm writes /etc/dracut.conf.d/90-xen2kvm-virtio.conf; a later file may override it), then convert again.');
    }
    const missing = lacking(mods, ctx);
    if (missing.length > 0) {
      throw new UserError(`the rebuilt initrd ${initrdPath(ctx)} lacks ${missing.join(' and ')}, so the guest would not find its root disk under KVM; the old initrd was put back`,
        `Look at the guest's initrd tool configuration (e.g. omit_drivers in /etc/dracut.conf.d, /etc/initramfs-tools/modules), or install a kernel with virtio built in, then convert again.`);
    }
  },
};
