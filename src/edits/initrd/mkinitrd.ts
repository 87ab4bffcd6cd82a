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
import { initrdDialect, initrdPath } from '../context.js';
import type { CommandEdit, EditContext } from '../types.js';

/** The command line of the guest's initrd tool, in its family's dialect. */
export function initrdArgv(ctx: EditContext): string[] {
  const dialect = initrdDialect(ctx);
  if (!dialect) {
    throw new UserError(ctx.facts.initrdTool === 'none'
      ? 'the guest has no initrd tool (mkinitrd, dracut, update-initramfs), so its initrd cannot be rebuilt with the virtio drivers'
      : `the guest's initrd tool ${ctx.facts.initrdTool} is not one its family (${ctx.family.label}) uses, so xen2kvm does not know how to run it`,
    'Install one in the guest first (yum install mkinitrd / dracut, apt-get install initramfs-tools), or convert with --no-initrd if the kernel has virtio built in.');
  }
  return dialect.argv(initrdPath(ctx), ctx.kernel.version, !!ctx.kernel.initrd);
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
  touches: (ctx) => [initrdPath(ctx), ...(initrdDialect(ctx)?.touches(ctx.kernel.version) ?? [])],
  creates: () => ['/boot'],
  // Their caches (Debian's dracut rewrites /var/lib/dracut, initramfs-tools keeps checksums): the dialect says.
  keeps: (ctx) => initrdDialect(ctx)?.keeps ?? [],
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
