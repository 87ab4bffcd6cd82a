// Whole conversions of CentOS 6.10 (GRUB legacy, upstart, dracut 004) and CentOS
// 7.9 (GRUB 2 with linux16 lines and grubenv, systemd, dracut 033, xfs /boot and
// root) guests built file by file: exactly the expected files change, a second run
// changes nothing, rollback gives back every file.
import { join } from 'node:path';
import { onlyGuest } from '../helpers/contract.js';
import t from 'tap';
import { buildCentosGuest } from '../../scripts/images/build.js';
import { CENTOS } from '../../scripts/images/rhel-tree.js';
import { hostTierOnly, isRoot, workspace, xen2kvm } from '../helpers/system.js';
import { checkWholeConversion } from '../helpers/conversion.js';

if (!isRoot) {
  t.fail('the integration tests need root (loop devices, mounts)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());

  t.test('centos6: converted, every changed file checked, idempotent, rolled back exactly', hostTierOnly, async (t) => {
    const dir = join(ws.dir, 'c6');
    const g = await buildCentosGuest(dir, 'centos6');
    const k = CENTOS.centos6.kernel;
    const inspected = onlyGuest(xen2kvm(ws, ['inspect', g.config, '--json']).stdout);
    t.equal(inspected.os.distro, 'centos');
    t.equal(inspected.initSystem, 'upstart');
    t.notOk(inspected.edits.includes('inittab'), 'upstart: no inittab getty (it never reads one)');
    checkWholeConversion(t, ws, g, dir, {
      family: 'rhel', kernel: k, boot: 'disk', cmdline: /console=ttyS0/, ifnames: false,
      changed: ['/.autorelabel', `/boot/initramfs-${k}.img`, '/boot/grub/grub.conf', '/etc/dracut.conf.d/90-xen2kvm-virtio.conf', '/etc/securetty', '/etc/sysconfig/grub', '/etc/udev/rules.d/70-persistent-net.rules'],
    });
  });

  t.test('centos7: converted, every changed file checked, idempotent, rolled back exactly', hostTierOnly, async (t) => {
    const dir = join(ws.dir, 'c7');
    const g = await buildCentosGuest(dir, 'centos7');
    const k = CENTOS.centos7.kernel;
    checkWholeConversion(t, ws, g, dir, {
      family: 'rhel', kernel: k, boot: 'direct', ifnames: false,
      cmdline: /^root=\/dev\/mapper\/centos-root ro crashkernel=auto rd\.lvm\.lv=centos\/root rd\.lvm\.lv=centos\/swap rhgb quiet LANG=en_US\.UTF-8 console=tty0 console=ttyS0,115200n8$/,
      changed: ['/.autorelabel', `/boot/initramfs-${k}.img`, '/boot/grub2/device.map', '/boot/grub2/grub.cfg', '/etc/default/grub', '/etc/dracut.conf.d/90-xen2kvm-virtio.conf',
        '/etc/systemd/system/getty.target.wants/serial-getty@hvc0.service', '/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service'],
    });
  });

  t.test('every RHEL rebuild and Fedora is named as itself', async (t) => {
    const { detectOs } = await import('../../src/guest/release.js');
    t.equal(detectOs({ redhat: 'Oracle Linux Server release 6.10\n' }).distro, 'oraclelinux', 'libguestfs\'s name');
    t.equal(detectOs({ redhat: 'Scientific Linux release 6.10 (Carbon)\n' }).distro, 'scientificlinux', 'libguestfs\'s name');
    t.equal(detectOs({ redhat: 'Fedora release 38 (Thirty Eight)\n' }).distro, 'fedora');
    t.equal(detectOs({ redhat: 'Red Hat Enterprise Linux Server release 7.9 (Maipo)\n' }).distro, 'rhel');
    const { familyOf } = await import('../../src/families/index.js');
    t.equal(familyOf(detectOs({ redhat: 'CentOS release 5.11 (Final)\n' }))?.key, 'rhel');
    t.equal(familyOf(detectOs({ redhat: 'Oracle Linux Server release 6.10\n' }))?.key, 'rhel6');
    t.equal(familyOf(detectOs({ redhat: 'Scientific Linux release 7.9 (Nitrogen)\n' }))?.key, 'rhel7');
    t.equal(familyOf(detectOs({ redhat: 'Fedora release 38 (Thirty Eight)\n' }))?.key, 'rhel7');
    t.equal(familyOf(detectOs({ suse: 'SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 4\n' }))?.key, 'suse', 'SLES 11: the SUSE family');
    t.equal(familyOf(detectOs({ suse: 'SUSE Linux Enterprise Server 9 (i586)\nVERSION = 9\n' })), undefined, 'SLES 9 (no virtio kernel): no family');
  });
}
