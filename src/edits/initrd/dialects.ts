// The initrd tools' dialects: how each is run for one kernel, where it writes,
// what else it touches and which caches it keeps. The family modules pick the
// ones their releases use (src/families/); the initrd edit asks ctx.family.
import type { InitrdDialect } from '../../guest/family.js';

const VIRTIO = ['virtio', 'virtio_ring', 'virtio_pci', 'virtio_blk', 'virtio_net'];

/** Red Hat's mkinitrd (RHEL 5): the seed's `mkinitrd -f --with=virtio_pci --with=virtio_blk --builtin=xenblk IMG VER`, plus virtio_net. */
export const REDHAT_MKINITRD: InitrdDialect = {
  tool: 'mkinitrd',
  output: (v) => `/boot/initrd-${v}.img`,
  argv: (image, v) => ['/sbin/mkinitrd', '-f', '--with=virtio_pci', '--with=virtio_blk', '--with=virtio_net', '--builtin=xenblk', image, v],
  touches: () => [],
  keeps: [],
};

/**
 * dracut (RHEL 6 on, Fedora, Debian with dracut): the virtio drivers and "not
 * host-only" come from /etc/dracut.conf.d (the dracut-conf edit), which every
 * dracut since RHEL 6's reads; --add-drivers again here, which every one knows.
 * Debian's dracut rewrites /var/lib/dracut (console-setup): kept.
 */
export const DRACUT: InitrdDialect = {
  tool: 'dracut',
  output: (v) => `/boot/initramfs-${v}.img`,
  argv: (image, v) => ['dracut', '-f', '--add-drivers', VIRTIO.join(' '), image, v],
  touches: () => [],
  keeps: ['/var/lib/dracut'],
};

/** initramfs-tools (Debian, Ubuntu): -u updates an existing initramfs, -c creates the one a kernel lacks; it keeps a checksum per kernel. */
export const UPDATE_INITRAMFS: InitrdDialect = {
  tool: 'update-initramfs',
  output: (v) => `/boot/initrd.img-${v}`,
  argv: (_image, v, exists) => ['update-initramfs', exists ? '-u' : '-c', '-k', v],
  touches: (v) => [`/var/lib/initramfs-tools/${v}`],
  keeps: ['/var/lib/initramfs-tools'],
};
