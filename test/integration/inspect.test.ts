// Integration (root, loop devices): attach, mount and inspect the sample guests
// with every strategy this kernel allows, and leave nothing behind.
import t from 'tap';
import { onlyGuest } from '../helpers/contract.js';
const tap = t;
import { buildHostVg, buildRhel5Guest } from '../../scripts/images/build.js';
import { RHEL5_KERNEL, RHEL5_XEN_KERNEL } from '../../scripts/images/rhel5-tree.js';
import { dmTables, hostTierOnly, isRoot, loopsUnder, mountsUnder, sha256, strategies, workspace, xen2kvm } from '../helpers/system.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

if (!isRoot) {
  t.fail('the integration tests need root (loop devices, mounts)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());
  const a = await buildRhel5Guest(ws.dir, { name: 'rhel5' });
  const b = await buildRhel5Guest(ws.dir, { name: 'flat5', layout: 'flat', macs: ['00:16:3e:2b:00:01'] });

  const nothingLeft = (t: Parameters<Parameters<typeof tap.test>[0]>[0]) => {
    t.same(loopsUnder(ws.dir), [], 'no loop device of ours is left');
    t.same(mountsUnder(ws.runDir), [], 'nothing of ours is mounted');
    t.same(dmTables(/^(loop\d+p\d+|VolGroup00-)/), [], 'no device-mapper table of ours is left');
  };

  for (const strategy of strategies()) {
    t.test(`image (a), RHEL 5.3 with /boot + LVM, --attach ${strategy}`, async (t) => {
      const before = sha256(a.images[0]);
      const r = xen2kvm(ws, ['inspect', a.config, '--json', '--attach', strategy]);
      t.equal(r.code, 0, r.stderr);
      const j = onlyGuest(r.stdout);
      t.equal(j.guest, 'rhel5');
      t.equal(j.attach, strategy);
      t.match(j.os, { family: 'rhel', distro: 'rhel', version: '5.3' });
      t.same(j.kernels.map((k: { version: string; xenOnly: boolean; virtio: boolean; initrdHasVirtio: boolean; default: boolean }) => [k.version, k.xenOnly, k.virtio, k.initrdHasVirtio, k.default]), [
        [RHEL5_XEN_KERNEL, true, false, false, true],
        [RHEL5_KERNEL, false, true, false, false],
      ]);
      t.same(j.bootloader, {
        kind: 'grub-legacy', config: '/boot/grub/grub.conf', links: ['/boot/grub/menu.lst', '/etc/grub.conf'],
        entries: [{ title: 'Red Hat Enterprise Linux Server (2.6.18-128.1.16.el5)', version: '2.6.18-128.1.16.el5' }, { title: 'Red Hat Enterprise Linux Server (2.6.18-128.1.16.el5xen)', version: '2.6.18-128.1.16.el5xen' }],
      });
      t.same(j.filesystems.map((f: { name: string; fstype: string; mountpoint?: string; label?: string }) => [f.name, f.fstype, f.mountpoint ?? null, f.label ?? null]), [
        ['/dev/xvda1', 'ext3', '/boot', '/boot'],
        ['/dev/VolGroup00/LogVol00', 'ext3', '/', null],
        ['/dev/VolGroup00/LogVol01', 'swap', null, null],
      ]);
      t.same(j.lvm.map((v: { vg: string; lvs: string[]; via: string }) => [v.vg, v.lvs, v.via]), [['VolGroup00', ['LogVol00', 'LogVol01'], strategy === 'kpartx' ? 'activation' : 'loop']]);
      t.ok(j.problems.some((p: { code: string }) => p.code === 'pending:initrd'), 'the initrd needs virtio');
      t.ok(j.problems.some((p: { code: string }) => p.code === 'pending:grub-default'), 'the default kernel must change');
      t.equal(sha256(a.images[0]), before, 'inspecting changes no byte of the image');
      nothingLeft(t);
    });

    t.test(`image (b), partitionless xvda1 + xvda2, --attach ${strategy}`, async (t) => {
      const r = xen2kvm(ws, ['inspect', b.config, '--json', '--attach', strategy]);
      t.equal(r.code, 0, r.stderr);
      const j = onlyGuest(r.stdout);
      t.same(j.filesystems.map((f: { name: string; fstype: string; mountpoint?: string }) => [f.name, f.fstype, f.mountpoint ?? null]), [['/dev/xvda1', 'ext3', '/'], ['/dev/xvda2', 'swap', null]]);
      t.equal(j.kernels.length, 2);
      t.same(j.lvm, []);
      nothingLeft(t);
    });
  }

  t.test('the human summary says what a conversion needs', hostTierOnly, async (t) => {
    const r = xen2kvm(ws, ['inspect', a.config]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /OS: +Red Hat Enterprise Linux Server release 5\.3 \(Tikanga\)/);
    t.match(r.stdout, new RegExp(`${RHEL5_KERNEL.replace(/\./g, '\\.')} +runs on KVM, virtio, initrd lacks virtio, chosen for KVM`));
    t.match(r.stdout, /the KVM kernel's initrd lacks virtio_blk[^\n]*\n +→ xen2kvm convert .* --only initrd/);
    nothingLeft(t);
  });

  t.test('a disk image given directly, and --root', hostTierOnly, async (t) => {
    const r = xen2kvm(ws, ['inspect', a.images[0], '--json', '--root', 'VolGroup00/LogVol00']);
    t.equal(r.code, 0, r.stderr);
    t.equal(onlyGuest(r.stdout).guest, a.images[0], 'bare images: the guest is named by them');
    const bad = xen2kvm(ws, ['inspect', a.images[0], '--root', 'VolGroup00/nope']);
    t.equal(bad.code, 2);
    t.match(bad.stderr, /--root VolGroup00\/nope names none of the guest's filesystems/);
    nothingLeft(t);
  });

  t.test('image (c): a guest VG named like a host VG never touches the host VG', async (t) => {
    const hostImg = await buildHostVg(`${ws.dir}/host`, 'VolGroup00');
    const hostLoop = execFileSync('losetup', ['--find', '--show', hostImg], { encoding: 'utf8' }).trim();
    t.teardown(() => execFileSync('losetup', ['-d', hostLoop]));
    const vgState = () => execFileSync('lvm', ['vgs', '--devices', hostLoop, '--noheadings', '-o', 'vg_name,vg_uuid,vg_seqno,lv_count'], { encoding: 'utf8', env: { ...process.env, LVM_SUPPRESS_FD_WARNINGS: '1' } }).trim();
    const before = vgState();
    const hostBytes = sha256(hostImg);
    for (const strategy of strategies()) {
      const r = xen2kvm(ws, ['inspect', a.config, '--json', '--attach', strategy]);
      t.equal(r.code, 0, r.stderr);
      const j = onlyGuest(r.stdout);
      t.same(j.lvm.map((v: { vg: string; via: string; clashesWithHost: boolean }) => [v.vg, v.via, v.clashesWithHost]), [['VolGroup00', 'loop', true]], `${strategy}: mapped by loop, never activated`);
      t.match(r.stderr, /same name as another VG on this host/);
      t.equal(j.filesystems.find((f: { mountpoint?: string }) => f.mountpoint === '/')?.name, '/dev/VolGroup00/LogVol00');
    }
    t.equal(vgState(), before, 'the host VG is unchanged (name, uuid, seqno)');
    t.equal(sha256(hostImg), hostBytes, 'not a byte of the host VG changed');
    t.equal(loopsUnder(ws.dir).join(), hostLoop, 'only the host VG loop is attached');
    t.same(mountsUnder(ws.runDir), []);
  });

  t.test('--attach kpartx without device-mapper is refused clearly', { skip: strategies().includes('kpartx') ? 'this kernel has device-mapper' : false }, async (t) => {
    const r = xen2kvm(ws, ['inspect', a.config, '--attach', 'kpartx']);
    t.equal(r.code, 2);
    t.match(r.stderr, /--attach kpartx needs device-mapper.*\nUse --attach loop/);
    nothingLeft(t);
  });

  t.test('a qcow2 disk (tap:qcow2:) goes through qemu-nbd, or is refused with the conversion command', async (t) => {
    const dir = join(ws.dir, 'qcow');
    mkdirSync(dir, { recursive: true });
    const qcow = join(dir, 'rhel5.qcow2');
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', a.images[0], qcow]);
    const config = join(dir, 'rhel5q');
    writeFileSync(config, readFileSync(a.config, 'utf8').replace(`tap:aio:${a.images[0]}`, `tap:qcow2:${qcow}`).replace('name = "rhel5"', 'name = "rhel5q"'));
    const r = xen2kvm(ws, ['inspect', config, '--json']);
    if (existsSync('/sys/block/nbd0')) {
      t.equal(r.code, 0, r.stderr);
      const j = onlyGuest(r.stdout);
      t.equal(j.filesystems.find((f: { mountpoint?: string }) => f.mountpoint === '/')?.name, '/dev/VolGroup00/LogVol00');
      t.equal(readFileSync('/sys/block/nbd0/size', 'utf8').trim(), '0', 'the nbd device is disconnected afterwards');
    } else {
      t.equal(r.code, 2);
      t.match(r.stderr, /disk xvda is qcow2, which needs the nbd kernel module, and this kernel has none\nConvert the image to raw first: qemu-img convert -f qcow2 -O raw /);
    }
    nothingLeft(t);
  });

  t.test('missing disk: names the path and suggests --disk', hostTierOnly, async (t) => {
    const r = xen2kvm(ws, ['inspect', a.config, '--disk', 'xvda=/nonexistent/x.img']);
    t.equal(r.code, 2);
    t.match(r.stderr, /disk xvda: \/nonexistent\/x\.img does not exist\nIf the image has moved, pass --disk xvda=NEW_PATH/);
  });
}
