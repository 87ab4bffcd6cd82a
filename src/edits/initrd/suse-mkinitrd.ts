// SUSE's mkinitrd (SLES 10 and 11): its own options, not Red Hat's — `-k` kernel
// images and `-i` initrd images (relative to /boot), `-m` extra modules, `-d` the
// root device, `-B` no boot loader update (its update-bootloader would rewrite
// menu.lst behind the conversion's back). It builds in the modules of INITRD_MODULES
// in /etc/sysconfig/kernel (DOMU_INITRD_MODULES too for a -xen kernel), so the
// virtio drivers go there as well: the next kernel update's mkinitrd keeps them.
// It refuses to run when the root device node is missing: the contained command is
// given that one node, named as the guest will see it under KVM (/dev/vda2), so the
// image it writes records that name and never a host device.
import type { InitrdDialect } from '../../guest/family.js';
import { readVar, setVar } from '../../formats/shell-vars.js';
import { initrd } from './mkinitrd.js';
import type { CommandEdit, EditContext, FileEdit } from '../types.js';

/** What INITRD_MODULES gains (virtio and virtio_ring come as their dependencies). */
const STORAGE = ['virtio_pci', 'virtio_blk'];
/** What `-m` adds to this one image. */
const MODULES = ['virtio', 'virtio_ring', 'virtio_pci', 'virtio_blk', 'virtio_net'];
/** Xen's front-end drivers by their SUSE (xenblk, xennet; xen-vbd, xen-vnif of the xen-kmp packages) and mainline names: no use in an initrd for KVM. */
const XEN_MODULES = /^(xenblk|xennet|xen[-_]vbd|xen[-_]vnif|xen[-_]blkfront|xen[-_]netfront|xen[-_]platform[-_]pci)$/;

export const SUSE_MKINITRD: InitrdDialect = {
  tool: 'mkinitrd',
  output: (v) => `/boot/initrd-${v}`,
  argv: (image, v) => ['/sbin/mkinitrd', '-k', `vmlinuz-${v}`, '-i', image.replace(/^\/boot\//, ''), '-m', MODULES.join(' '), '-B'],
  touches: () => [],
  keeps: [],
};

/** INITRD_MODULES with the virtio storage drivers and without Xen's; DOMU_INITRD_MODULES (for Xen kernels only) stays. */
export function initrdModulesVar(text: string): string {
  const cur = readVar(text, 'INITRD_MODULES');
  const mods = (cur?.value ?? '').split(/\s+/).filter(Boolean);
  const next = [...mods.filter((m) => !XEN_MODULES.test(m)), ...STORAGE.filter((m) => !mods.some((x) => x.replace(/-/g, '_') === m))];
  return next.join(' ') === mods.join(' ') ? text : setVar(text, 'INITRD_MODULES', next.join(' '));
}

export const suseInitrdModules: FileEdit = {
  kind: 'file',
  id: 'initrd-modules',
  describe: 'INITRD_MODULES in /etc/sysconfig/kernel with virtio_pci and virtio_blk (and without Xen\'s), so every later mkinitrd keeps them',
  paths: async (_fs, ctx) => (ctx.facts.initrdTool === 'mkinitrd' ? ['/etc/sysconfig/kernel'] : []),
  apply: (text) => initrdModulesVar(text),
};

/** The guest's root filesystem as its mkinitrd must see it (the one device node, under its KVM name); none when the guest runs dracut or the root cannot be named. */
function mkinitrdRoot(ctx: EditContext): { host: string; name: string; uuid?: string } | undefined {
  if (ctx.facts.initrdTool !== 'mkinitrd') return undefined;
  const root = ctx.host.mounts.find((m) => m.mountpoint === '/');
  return root ? ctx.host.devices.find((d) => d.name === root.name) : undefined;
}

/** The initrd edit, run as SUSE's mkinitrd wants: `-d` the root device, and that device in the command's /dev. */
export const suseInitrd: CommandEdit = {
  ...initrd,
  argv: (ctx) => {
    const root = mkinitrdRoot(ctx);
    return [...initrd.argv(ctx), ...(root ? ['-d', root.name] : [])];
  },
  devices: (ctx) => {
    const root = mkinitrdRoot(ctx);
    return root ? [root] : [];
  },
};
