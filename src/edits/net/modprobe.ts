// Module aliases: the NICs and the disk controller load virtio drivers instead of
// Xen's. `alias ethN xennet` → virtio_net; the first Xen `scsi_hostadapter`
// alias → virtio_blk, further Xen ones removed (mkinitrd fails on "No module
// xenblk found" otherwise). A guest with no modprobe config gets one.
import type { EditContext, FileEdit } from '../types.js';
import { mapLines } from '../types.js';

const XEN_NET = /^(xennet|xen-vnif|xen_vnif|xen-netfront|xen_netfront)$/;
const XEN_BLK = /^(xenblk|xen-vbd|xen_vbd|xen-blkfront|xen_blkfront)$/;

export function virtioAliases(text: string): string {
  let sawHostAdapter = /^\s*alias\s+scsi_hostadapter\d*\s+virtio_blk\b/m.test(text);
  return mapLines(text, (line) => {
    const m = /^(\s*alias\s+)(\S+)(\s+)(\S+)(.*)$/.exec(line);
    if (!m) return line;
    const [, head, name, gap, module, rest] = m;
    if (/^eth\d+$/.test(name) && XEN_NET.test(module)) return `${head}${name}${gap}virtio_net${rest}`;
    if (/^scsi_hostadapter\d*$/.test(name) && XEN_BLK.test(module)) {
      if (sawHostAdapter) return null;
      sawHostAdapter = true;
      return `${head}scsi_hostadapter${gap}virtio_blk${rest}`;
    }
    return line;
  });
}

export const modprobe: FileEdit = {
  kind: 'file',
  id: 'modprobe',
  describe: 'virtio_net / virtio_blk aliases instead of xennet / xenblk',
  paths: async (fs, ctx) => {
    // RHEL 5's module-init-tools reads every file in /etc/modprobe.d; kmod (RHEL 6 on) only *.conf. Backups are never read.
    const everyFile = ctx.family.modprobe.everyFile;
    const d = (await fs.list('/etc/modprobe.d'))
      .filter((f) => (everyFile || f.endsWith('.conf')) && !/(~|\.rpmsave|\.rpmnew|\.rpmorig|\.bak|\.orig|\.swp|\.dpkg-[a-z]+)$/.test(f) && !f.startsWith('.'))
      .map((f) => `/etc/modprobe.d/${f}`);
    return ['/etc/modprobe.conf', '/etc/modprobe.conf.local', ...d];
  },
  apply: (text) => virtioAliases(text),
  create: (ctx: EditContext) => (ctx.family.modprobe.create
    ? { path: '/etc/modprobe.conf', text: `${ctx.macs.map((_, i) => `alias eth${i} virtio_net`).join('\n')}${ctx.macs.length ? '\n' : ''}alias scsi_hostadapter virtio_blk\n`, mode: 0o644 }
    : undefined),
};
