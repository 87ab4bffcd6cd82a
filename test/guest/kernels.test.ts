import t from 'tap';
import { compareVersions, initrdFor, readKernelConfig, xenFlavour } from '../../src/guest/kernels.js';

t.test('kernel configs', async (t) => {
  t.same(readKernelConfig('CONFIG_X86_64_XEN=y\nCONFIG_XEN_BLKDEV_FRONTEND=m\n# CONFIG_VIRTIO is not set\n'), { xenOnly: true, drivers: {} });
  t.same(readKernelConfig('CONFIG_X86_XEN=y\n'), { xenOnly: true, drivers: {} });
  t.same(readKernelConfig('CONFIG_XEN=y\nCONFIG_PARAVIRT_GUEST=y\nCONFIG_VIRTIO_BLK=y\nCONFIG_VIRTIO_PCI=m\n'), { xenOnly: false, drivers: { virtio_blk: 'builtin', virtio_pci: 'module' } }, 'a pvops kernel with Xen support still runs on KVM');
});

t.test('flavours, versions, initrd names', async (t) => {
  t.ok(xenFlavour('2.6.18-128.1.16.el5xen'));
  t.ok(xenFlavour('2.6.32-5-xen-686'));
  t.notOk(xenFlavour('2.6.18-128.1.16.el5'));
  t.ok(compareVersions('2.6.18-128.1.16.el5', '2.6.18-92.el5') > 0);
  t.ok(compareVersions('2.6.18-8.el5', '2.6.18-92.el5') < 0);
  t.equal(compareVersions('3.10.0-1160.el7', '3.10.0-1160.el7'), 0);
  const boot = ['initrd-2.6.18-128.el5.img', 'initrd-2.6.18-128.el5xen.img', 'initramfs-3.10.0.img', 'initrd.img-4.9.0-6-amd64', 'initrd-2.6.18-128.el5kdump.img'];
  t.equal(initrdFor('2.6.18-128.el5', boot), 'initrd-2.6.18-128.el5.img', 'el5 does not pick el5xen (RHBZ#1141145)');
  t.equal(initrdFor('3.10.0', boot), 'initramfs-3.10.0.img');
  t.equal(initrdFor('4.9.0-6-amd64', boot), 'initrd.img-4.9.0-6-amd64');
  t.equal(initrdFor('9.9', boot), undefined);
});
