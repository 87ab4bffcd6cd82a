// initramfs-tools (Debian, Ubuntu): the virtio drivers listed in
// /etc/initramfs-tools/modules, so update-initramfs puts them in whatever MODULES=
// says; and MODULES=dep, which a guest built on Xen uses to hold only the Xen
// drivers (and which fails outright where the root device cannot be probed, as in
// the contained chroot), becomes MODULES=most.
import { readVar, setVar } from '../../formats/shell-vars.js';
import { fileCr } from '../../formats/lines.js';
import type { EditContext, FileEdit } from '../types.js';

/** The virtio drivers the initramfs needs, of those the kernel has as modules (built-in ones need no listing). */
export function virtioModules(ctx: EditContext): string[] {
  const want = ['virtio_pci', 'virtio_blk', 'virtio_net', 'virtio_scsi'];
  const known = Object.keys(ctx.kernel.virtioDrivers).length > 0;
  return want.filter((m) => (known ? ctx.kernel.virtioDrivers[m] === 'module' : m !== 'virtio_scsi'));
}

export function addModules(text: string, ctx: EditContext): string {
  const listed = new Set(text.split('\n').map((l) => l.replace(/#.*$/, '').trim().split(/\s+/)[0]).filter(Boolean).map((m) => m.replace(/-/g, '_')));
  const missing = virtioModules(ctx).filter((m) => !listed.has(m));
  if (missing.length === 0) return text;
  const cr = fileCr(text);
  const lead = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${lead}${missing.map((m) => `${m}${cr}\n`).join('')}`;
}

export function modulesMost(text: string): string {
  const v = readVar(text, 'MODULES');
  return v && v.value === 'dep' ? setVar(text, 'MODULES', 'most') : text;
}

export const initramfsModules: FileEdit = {
  kind: 'file',
  id: 'initramfs-modules',
  describe: 'initramfs-tools: the virtio drivers listed in /etc/initramfs-tools/modules',
  paths: async (_fs, ctx) => (ctx.facts.initrdTool === 'update-initramfs' ? ['/etc/initramfs-tools/modules'] : []),
  apply: addModules,
  create: (ctx) => (ctx.facts.initrdTool === 'update-initramfs' ? { path: '/etc/initramfs-tools/modules', text: addModules('', ctx), mode: 0o644 } : undefined),
};

export const initramfsConf: FileEdit = {
  kind: 'file',
  id: 'initramfs-conf',
  describe: 'initramfs-tools: MODULES=dep (Xen drivers only) becomes MODULES=most',
  paths: async (fs, ctx) => {
    if (ctx.facts.initrdTool !== 'update-initramfs') return [];
    const confd = (await fs.list('/etc/initramfs-tools/conf.d')).map((f) => `/etc/initramfs-tools/conf.d/${f}`);
    return ['/etc/initramfs-tools/initramfs.conf', ...confd];
  },
  apply: (text) => modulesMost(text),
};
