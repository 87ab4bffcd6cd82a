// Which libvirt a run talks to: --connect, then $XEN2KVM_LIBVIRT_URI, then virsh's own
// $LIBVIRT_DEFAULT_URI, then qemu:///system.
import t from 'tap';
import { libvirtIsLocal, libvirtUri, setLibvirtUri } from '../../src/host/virsh.js';

t.test('the URI precedence', async (t) => {
  const saved = { a: process.env.XEN2KVM_LIBVIRT_URI, b: process.env.LIBVIRT_DEFAULT_URI };
  t.teardown(() => {
    for (const [k, v] of [['XEN2KVM_LIBVIRT_URI', saved.a], ['LIBVIRT_DEFAULT_URI', saved.b]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  delete process.env.XEN2KVM_LIBVIRT_URI;
  delete process.env.LIBVIRT_DEFAULT_URI;
  t.equal(libvirtUri(), 'qemu:///system');
  process.env.LIBVIRT_DEFAULT_URI = 'qemu:///session';
  t.equal(libvirtUri(), 'qemu:///session', 'virsh\'s variable is honoured');
  t.ok(libvirtIsLocal(), 'qemu:///session is local');
  process.env.XEN2KVM_LIBVIRT_URI = 'qemu+ssh://kvm1/system';
  t.equal(libvirtUri(), 'qemu+ssh://kvm1/system', 'ours first');
  t.notOk(libvirtIsLocal(), 'a remote URI is not local (its /dev/kvm is not ours to check)');
  setLibvirtUri(undefined);
  t.equal(libvirtUri(), 'qemu+ssh://kvm1/system', 'no --connect: unchanged');
  setLibvirtUri('qemu:///system');
  t.equal(libvirtUri(), 'qemu:///system', '--connect wins');
});
