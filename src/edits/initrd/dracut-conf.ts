// dracut guests (RHEL/CentOS 6 and 7, Fedora, Debian with dracut): the virtio
// drivers and "not host-only" in a file of dracut's own configuration, so the
// initramfs the conversion builds — and every one the guest builds later under KVM
// — has them. A config file, not command-line options, because RHEL 6's dracut 004
// knows neither --no-hostonly nor --no-hostonly-cmdline (unknown settings in a file
// are ignored); host-only images would be built for what the container sees — the
// host's loop devices — not for the guest's KVM, and hostonly_cmdline would bake
// the host's view of the root into the image (dracut#942).
import type { EditContext, FileEdit } from '../types.js';

export const DRACUT_CONF = '/etc/dracut.conf.d/90-xen2kvm-virtio.conf';

export function dracutConf(_ctx?: EditContext): string {
  return `# Written by xen2kvm: this guest now runs under KVM. Its initramfs carries the virtio
# drivers, and is not host-only (it is rebuilt outside the running guest).
add_drivers+=" virtio virtio_ring virtio_pci virtio_blk virtio_net "
hostonly="no"
hostonly_cmdline="no"
`;
}

export const dracutConfEdit: FileEdit = {
  kind: 'file',
  id: 'dracut-conf',
  describe: 'dracut: the virtio drivers, not host-only, in /etc/dracut.conf.d',
  paths: async (_fs, ctx) => (ctx.facts.initrdTool === 'dracut' ? [DRACUT_CONF] : []),
  apply: (text) => (text === dracutConf() ? text : dracutConf()),
  create: (ctx) => (ctx.facts.initrdTool === 'dracut' ? { path: DRACUT_CONF, text: dracutConf(ctx), mode: 0o644 } : undefined),
};
