// Which libvirt daemons the in-use check asks (image/inuse.ts libvirtUrisToAsk):
// only those whose socket is there, so a host without libvirtd spawns no virsh.
import t from 'tap';
import { libvirtUrisToAsk } from '../../src/image/inuse.js';

const on = (...paths: string[]) => (p: string) => paths.includes(p);

t.test('a socket per daemon', async (t) => {
  t.same(libvirtUrisToAsk(on()), [], 'no libvirt: no virsh at all');
  t.same(libvirtUrisToAsk(on('/run/libvirt/libvirt-sock')), ['qemu:///system'], 'libvirtd on a KVM host: qemu only');
  t.same(libvirtUrisToAsk(on('/run/libvirt/libvirt-sock', '/proc/xen')), ['qemu:///system', 'xen:///system'], 'libvirtd on a Xen dom0: both');
  t.same(libvirtUrisToAsk(on('/run/libvirt/virtqemud-sock')), ['qemu:///system'], 'modular daemons: virtqemud');
  t.same(libvirtUrisToAsk(on('/run/libvirt/virtxend-sock')), ['xen:///system'], 'modular daemons: virtxend');
});
