// The Xen → KVM disk mapping that inspect and convert print.
import t from 'tap';
import { diskMapping, formatDiskMapping } from '../../src/guest/disk-map.js';
import { parseXenConfig } from '../../src/xen/parse.js';

t.test('a xen-tools guest: one image per filesystem, named in the order the names mean', async (t) => {
  const g = parseXenConfig('name = "xt"\nmemory = 256\ndisk = [ "file:/d/disk.img,xvda2,w", "file:/d/swap.img,xvda1,w" ]\n', 'xt.cfg');
  const map = diskMapping(g, [
    { device: '/dev/loop1', kind: 'disk', vdev: 'xvda2', partition: 0, fstype: 'ext4' },
    { device: '/dev/loop0', kind: 'disk', vdev: 'xvda1', partition: 0, fstype: 'swap' },
  ], [{ device: '/dev/loop1', mountpoint: '/' }]);
  t.same(map, [{ xen: 'xvda1', kvm: 'vda', holds: ['swap'] }, { xen: 'xvda2', kvm: 'vdb', holds: ['/'] }]);
  t.equal(formatDiskMapping(map), 'xvda1 → vda (swap), xvda2 → vdb (/)');
});
