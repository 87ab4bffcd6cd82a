import t from 'tap';
import { diskLetters, parseDiskSpec, vdevDiskIndex, vdevPartition } from '../../src/xen/disk.js';

const pos = { line: 1, column: 1 };
const ok = (spec: string) => {
  const r = parseDiskSpec(spec, pos);
  if (!r.ok) throw new Error(r.message);
  const { spec: _s, pos: _p, ...rest } = r.disk;
  return rest;
};

t.test('xm grammar', async (t) => {
  t.same(ok('phy:/dev/HostVG/XenGuest1,xvda,w'), { driver: 'phy', sourceKind: 'block', format: 'raw', vdev: 'xvda', device: 'disk', readonly: false, shareable: false, path: '/dev/HostVG/XenGuest1' });
  t.match(ok('file:/root/some.img,xvda,w'), { driver: 'file', sourceKind: 'file', format: 'raw', path: '/root/some.img' });
  t.match(ok('tap:aio:/var/lib/xen/images/test1.img,xvda,w'), { driver: 'tap', sourceKind: 'file', format: 'raw' });
  t.match(ok('tap:qcow:/img.qcow,xvda,w'), { format: 'qcow', path: '/img.qcow' });
  t.match(ok('tap:qcow2:/img.qcow2,xvda,w'), { format: 'qcow2', path: '/img.qcow2' });
  t.match(ok('tap:vhd:/img.vhd,xvda,w'), { format: 'vhd' });
  t.match(ok('tap2:tapdisk:aio:/x.img,xvda,w'), { driver: 'tap2', format: 'raw', path: '/x.img' });
  t.match(ok('tap2:aio:/root/some.img,xvda,w'), { driver: 'tap2', format: 'raw' });
  t.match(ok('phy:/dev/x,ioemu:hda,w'), { vdev: 'hda' });
  t.match(ok('file:/root/boot.iso,hdc:cdrom,r'), { device: 'cdrom', vdev: 'hdc', readonly: true });
  t.match(ok('phy:/dev/x,xvdb:disk,w'), { device: 'disk', vdev: 'xvdb' });
  t.match(ok(',hdc:cdrom,r'), { device: 'cdrom', sourceKind: 'none', format: 'empty' });
  t.match(ok('phy:/dev/x,xvdb,w!'), { shareable: true, readonly: false });
  t.match(ok('phy:/dev/x,xvdb,ro'), { readonly: true });
  t.match(ok('/var/lib/xen/images/x.img,xvda,w'), { sourceKind: 'file', path: '/var/lib/xen/images/x.img' });
  t.match(ok('/images/a:b.img,xvda,w'), { path: '/images/a:b.img' }, 'a colon in an unprefixed path is part of the path');
  t.match(ok('phy:/dev/vg/guest,xvda1,w'), { vdev: 'xvda1', sourceKind: 'block' });
});

t.test('xl grammar', async (t) => {
  t.match(ok('format=raw,vdev=hda,access=rw,backendtype=phy,target=/dev/HostVG/XenGuest2'), { driver: 'phy', sourceKind: 'block', vdev: 'hda' });
  t.match(ok('format=qcow2,vdev=hdb,access=rw,backendtype=qdisk,target=/var/lib/libvirt/images/XenGuest2-home'), { driver: 'qdisk', format: 'qcow2', sourceKind: 'file' });
  t.match(ok('format=raw,vdev=hdc,access=ro,backendtype=qdisk,devtype=cdrom,target=/root/boot.iso'), { device: 'cdrom', readonly: true });
  t.match(ok('/dev/HostVG/XenGuest2,raw,hda,rw,backendtype=phy'), { sourceKind: 'block', vdev: 'hda' });
  t.match(ok('/dev/HostVG/XenGuest2,,hda,,backendtype=phy'), { vdev: 'hda', readonly: false });
  t.match(ok('/root/boot.iso,,hdc,,devtype=cdrom'), { device: 'cdrom' });
  t.match(ok('format=raw,vdev=hdd,access=ro,devtype=cdrom'), { device: 'cdrom', sourceKind: 'none' });
  t.match(ok('/root/image.iso,,hdc,cdrom'), { device: 'cdrom' }, 'cdrom as a flag');
  t.match(ok('/var/lib/libvirt/images/XenGuest2-home,,hdb,,'), { vdev: 'hdb' }, 'trailing comma');
  t.match(ok('vdev=xvda, target=/path,with,commas'), { path: '/path,with,commas' }, 'target= eats the rest');
  t.match(ok('raw:/dev/vg/guest-volume,hda,w'), { format: 'raw', vdev: 'hda', sourceKind: 'block' });
  t.match(ok('format=qed,backendtype=qdisk,vdev=hda,access=rw,target=/img'), { format: 'qed' });
  t.match(ok('format=raw,vdev=hdb,backendtype=qdisk,target=rbd:pool/image:mon_host=a\\:1'), { sourceKind: 'network', path: 'rbd:pool/image:mon_host=a\\:1' });
  t.match(ok('iscsi:iqn.2001-05.com.example:disk1,xvda,w'), { sourceKind: 'network', driver: 'iscsi' });
  t.match(ok('vdev=d0p1,target=/x'), { vdev: 'd0p1' });
});

t.test('errors', async (t) => {
  const err = (spec: string) => {
    const r = parseDiskSpec(spec, pos);
    return r.ok ? 'ok' : r.message;
  };
  t.match(err('vdev=xvda,vdev=xvdb,target=/x'), /vdev is given twice/);
  t.match(err('/a,raw,xvda,w,target=/b'), /the source is given twice/);
  t.match(err('format=raw,format=qcow2,vdev=xvda,target=/b'), /format is given twice/);
  t.match(err('/a,raw,xvda,w,devtype=floppy'), /unknown devtype "floppy"/);
  t.match(err('/a,raw,xvda,w,backendtype=standalone'), /unknown backendtype "standalone"/);
  t.match(err('format=raw,vdev=xvda'), /no source path/);
  t.match(err('nosuch:/x,xvda,w'), /unknown disk prefix "nosuch:"/);
});

t.test('device numbers', async (t) => {
  t.equal(vdevDiskIndex('xvda'), 0);
  t.equal(vdevDiskIndex('hdc'), 2);
  t.equal(vdevDiskIndex('xvdz'), 25);
  t.equal(vdevDiskIndex('xvdaa'), 26);
  t.equal(vdevDiskIndex('d3p1'), 3);
  t.equal(vdevPartition('xvda1'), 1);
  t.equal(vdevPartition('xvdb'), 0);
  t.equal(vdevPartition('d3p2'), 2);
  t.equal(diskLetters(0), 'a');
  t.equal(diskLetters(25), 'z');
  t.equal(diskLetters(26), 'aa');
  t.equal(diskLetters(27), 'ab');
});
