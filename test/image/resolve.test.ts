import t from 'tap';
import { resolveDeviceSpec } from '../../src/image/resolve.js';
import type { BlockDevice } from '../../src/image/types.js';

const lvmGuest: BlockDevice[] = [
  { device: '/dev/loop1', kind: 'partition', vdev: 'xvda', partition: 1, fstype: 'ext3', label: '/boot', uuid: 'AAAA-1111' },
  { device: '/dev/loop2', kind: 'partition', vdev: 'xvda', partition: 2, fstype: 'LVM2_member' },
  { device: '/dev/loop3', kind: 'lv', vdev: 'xvda', partition: 0, vg: 'VolGroup00', lv: 'LogVol00', fstype: 'ext3' },
  { device: '/dev/loop4', kind: 'lv', vdev: 'xvda', partition: 0, vg: 'vg-data', lv: 'lv-home', fstype: 'ext4' },
  { device: '/dev/loop5', kind: 'disk', vdev: 'xvdb', partition: 0, fstype: 'xfs', uuid: 'bbbb' },
];
const flatGuest: BlockDevice[] = [
  { device: '/dev/loop7', kind: 'disk', vdev: 'xvda1', partition: 0, fstype: 'ext3' },
  { device: '/dev/loop8', kind: 'disk', vdev: 'xvda2', partition: 0, fstype: 'swap' },
];

t.test('labels, UUIDs, by-* links', async (t) => {
  t.equal(resolveDeviceSpec('LABEL=/boot', lvmGuest)?.device, '/dev/loop1');
  t.equal(resolveDeviceSpec('UUID=aaaa-1111', lvmGuest)?.device, '/dev/loop1', 'UUIDs ignore case');
  t.equal(resolveDeviceSpec('UUID="bbbb"', lvmGuest)?.device, '/dev/loop5');
  t.equal(resolveDeviceSpec('/dev/disk/by-label/\\x2fboot', lvmGuest)?.device, '/dev/loop1');
  t.equal(resolveDeviceSpec('/dev/disk/by-uuid/bbbb', lvmGuest)?.device, '/dev/loop5');
  t.equal(resolveDeviceSpec('LABEL=nope', lvmGuest), undefined);
});

t.test('LVM paths', async (t) => {
  t.equal(resolveDeviceSpec('/dev/VolGroup00/LogVol00', lvmGuest)?.device, '/dev/loop3');
  t.equal(resolveDeviceSpec('/dev/mapper/VolGroup00-LogVol00', lvmGuest)?.device, '/dev/loop3');
  t.equal(resolveDeviceSpec('/dev/mapper/vg--data-lv--home', lvmGuest)?.device, '/dev/loop4');
  t.equal(resolveDeviceSpec('/dev/vg-data/lv-home', lvmGuest)?.device, '/dev/loop4');
});

t.test('Xen disk names and their aliases', async (t) => {
  t.equal(resolveDeviceSpec('/dev/xvda1', lvmGuest)?.device, '/dev/loop1');
  t.equal(resolveDeviceSpec('/dev/hda1', lvmGuest)?.device, '/dev/loop1');
  t.equal(resolveDeviceSpec('/dev/sda2', lvmGuest)?.device, '/dev/loop2');
  t.equal(resolveDeviceSpec('/dev/xvdb', lvmGuest)?.device, '/dev/loop5');
  t.equal(resolveDeviceSpec('/dev/xvda9', lvmGuest), undefined);
  t.equal(resolveDeviceSpec('/dev/xvdc1', lvmGuest), undefined);
  t.equal(resolveDeviceSpec('/dev/xvda1', flatGuest)?.device, '/dev/loop7', 'a partition-disk');
  t.equal(resolveDeviceSpec('/dev/sda2', flatGuest)?.device, '/dev/loop8');
  t.equal(resolveDeviceSpec('/dev/xvda', flatGuest), undefined);
  t.equal(resolveDeviceSpec('/dev/sdz', flatGuest), undefined);
});

t.test("SUSE's by-id names of Xen disks", async (t) => {
  t.equal(resolveDeviceSpec('/dev/disk/by-id/xen-xvda-part1', lvmGuest)?.device, '/dev/loop1', 'xen-xvda-part1: partition 1 of xvda');
  t.equal(resolveDeviceSpec('/dev/disk/by-id/xen-xvda1', lvmGuest)?.device, '/dev/loop1', 'xen-xvda1 too');
  t.equal(resolveDeviceSpec('/dev/disk/by-id/xen-xvdb', lvmGuest)?.device, '/dev/loop5', 'a whole disk');
  t.equal(resolveDeviceSpec('/dev/disk/by-id/xen-xvda2', flatGuest)?.device, '/dev/loop8', 'a partition-disk');
  t.equal(resolveDeviceSpec('/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001-part1', lvmGuest), undefined, 'other by-id names are not Xen disks');
});
