import t from 'tap';
import { planDevices, renameGuestDevice } from '../../src/xen/devmap.js';
import { parseXenConfig } from '../../src/xen/parse.js';

const guest = (disks: string[], extra = '') => parseXenConfig(`name = "g"\n${extra}disk = [ ${disks.map((d) => JSON.stringify(d)).join(', ')} ]\n`, 'g.cfg');

t.test('PV disks are renumbered in order onto virtio', async (t) => {
  const map = planDevices(guest(['phy:/dev/vg/c,xvdc,w', 'phy:/dev/vg/a,xvda,w']), { machine: 'pc', hvmVirtio: false });
  t.same(map.disks.map((d) => [d.disk.vdev, d.target, d.bus]), [['xvda', 'vda', 'virtio'], ['xvdc', 'vdb', 'virtio']]);
  t.equal(map.partitionless, false);
  t.equal(renameGuestDevice(map, '/dev/xvda1'), '/dev/vda1');
  t.equal(renameGuestDevice(map, '/dev/xvdc2'), '/dev/vdb2', 'xvdc is the second disk, so vdb under KVM');
  t.equal(renameGuestDevice(map, '/dev/hda3'), '/dev/vda3', 'Xen also shows disks as hdX');
  t.equal(renameGuestDevice(map, '/dev/sdc'), '/dev/vdb');
  t.equal(renameGuestDevice(map, '/dev/xvdq1'), undefined, 'a disk the guest does not have');
  t.equal(renameGuestDevice(map, '/dev/VolGroup00/LogVol00'), '/dev/VolGroup00/LogVol00', 'LVM paths are not disk names');
});

t.test('partitionless disks become whole disks', async (t) => {
  const map = planDevices(guest(['phy:/dev/vg/root,xvda1,w', 'phy:/dev/vg/swap,xvda2,w']), { machine: 'pc', hvmVirtio: false });
  t.same(map.disks.map((d) => [d.disk.vdev, d.target]), [['xvda1', 'vda'], ['xvda2', 'vdb']]);
  t.equal(map.partitionless, true);
  t.equal(renameGuestDevice(map, '/dev/xvda1'), '/dev/vda');
  t.equal(renameGuestDevice(map, '/dev/xvda2'), '/dev/vdb');
  t.equal(renameGuestDevice(map, '/dev/sda1'), '/dev/vda');
});

t.test('cdroms go on IDE (pc) or SATA (q35)', async (t) => {
  const g = guest(['phy:/dev/vg/a,xvda,w', 'file:/iso/x.iso,xvdc:cdrom,r']);
  const pc = planDevices(g, { machine: 'pc', hvmVirtio: false });
  t.same(pc.disks.map((d) => [d.target, d.bus]), [['vda', 'virtio'], ['hdc', 'ide']]);
  const q35 = planDevices(g, { machine: 'q35', hvmVirtio: false });
  t.same(q35.disks.map((d) => [d.target, d.bus]), [['vda', 'virtio'], ['sda', 'sata']]);
});

t.test('HVM guests keep emulated buses and names unless --hvm-virtio', async (t) => {
  const g = guest(['phy:/dev/vg/a,hda,w', 'phy:/dev/vg/b,hdb,w', 'file:/x.iso,hdc:cdrom,r'], 'builder = "hvm"\n');
  const kept = planDevices(g, { machine: 'pc', hvmVirtio: false });
  t.same(kept.disks.map((d) => [d.target, d.bus]), [['hda', 'ide'], ['hdb', 'ide'], ['hdc', 'ide']]);
  t.equal(renameGuestDevice(kept, '/dev/hda1'), '/dev/hda1');
  const moved = planDevices(g, { machine: 'pc', hvmVirtio: true });
  t.same(moved.disks.map((d) => [d.target, d.bus]), [['vda', 'virtio'], ['vdb', 'virtio'], ['hdc', 'ide']]);
  const q35 = planDevices(g, { machine: 'q35', hvmVirtio: false });
  t.same(q35.disks.map((d) => d.bus), ['sata', 'sata', 'sata']);
});

t.test('more than four IDE devices do not fit a pc machine', async (t) => {
  const g = guest(['/a,hda,w', '/b,hdb,w', '/c,hdc,w', '/d,hdd,w', '/e,hde,w'], 'builder = "hvm"\n');
  t.throws(() => planDevices(g, { machine: 'pc', hvmVirtio: false }), /too many IDE devices/);
  t.doesNotThrow(() => planDevices(g, { machine: 'q35', hvmVirtio: false }));
});
