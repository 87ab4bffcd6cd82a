// Every config of libvirt's own Xen test corpus: what we understood must agree
// with the XML libvirt expects (name, uuid, memory, vcpus, cpuset, disks, NICs),
// and our KVM domain must pass virt-xml-validate.
import t from 'tap';
import { renderDomainXml } from '../../src/host/domain-xml.js';
import { parseXenConfig } from '../../src/xen/parse.js';
import { attr, kids, one, parseXml, path, text } from '../helpers/xml.js';
import { corpusPairs } from '../helpers/corpus.js';
import { validateXml } from '../helpers/validate.js';

// libvirt's format names where they differ from Xen's.
const LIBVIRT_FORMAT: Record<string, string> = { empty: 'raw' };

for (const pair of corpusPairs()) {
  t.test(`${pair.dialect}/${pair.name}`, async (t) => {
    const guest = parseXenConfig(pair.cfg, pair.cfgPath);
    const ours = renderDomainXml(guest, {});
    const v = validateXml(ours.xml, 'domain');
    t.ok(v.ok, 'our KVM domain XML passes virt-xml-validate', { output: v.output });
    const kvm = parseXml(ours.xml);
    t.equal(kvm.getAttribute('type'), 'kvm');

    if (!pair.xml || pair.name === 'sexpr2xml-pv-bootloader') return; // orphan, or stale and unused by libvirt
    const want = parseXml(pair.xml);
    t.equal(guest.name, text(want, 'name'), 'name');
    t.equal(text(kvm, 'name'), text(want, 'name'), 'name in our XML');
    t.equal(guest.uuid, text(want, 'uuid'), 'uuid');
    t.equal(String(guest.maxmemMiB * 1024), text(want, 'memory'), 'maxmem');
    t.equal(String(guest.memoryMiB * 1024), text(want, 'currentMemory'), 'memory');
    t.equal(text(kvm, 'memory'), text(want, 'memory'), 'memory in our XML');
    t.equal(text(kvm, 'currentMemory'), text(want, 'currentMemory'), 'currentMemory in our XML');
    t.equal(text(kvm, 'vcpu'), text(want, 'vcpu'), 'vcpus (max)');
    t.equal(attr(kvm, 'vcpu', 'current'), attr(want, 'vcpu', 'current'), 'current vcpus');
    t.equal(attr(kvm, 'vcpu', 'cpuset'), attr(want, 'vcpu', 'cpuset'), 'cpuset');

    const wantDisks = path(want, 'devices/disk');
    t.equal(guest.disks.length, wantDisks.length, 'disk count');
    wantDisks.forEach((wd, i) => {
      const d = guest.disks[i];
      const where = `disk ${i}`;
      if (!d) return;
      t.equal(d.vdev, attr(wd, 'target', 'dev'), `${where} vdev`);
      t.equal(d.device, wd.getAttribute('device'), `${where} device`);
      const src = one(wd, 'source');
      const wantPath = src?.getAttribute('file') ?? src?.getAttribute('dev') ?? undefined;
      if (wd.getAttribute('type') === 'network') {
        t.equal(d.sourceKind, 'network', `${where} is a network disk`);
        t.ok(d.path?.includes(src!.getAttribute('name')!), `${where} rbd name`);
      } else {
        t.equal(d.path, wantPath, `${where} source`);
      }
      t.equal(d.readonly, !!one(wd, 'readonly'), `${where} read-only`);
      t.equal(d.shareable, !!one(wd, 'shareable'), `${where} shareable`);
      t.equal(LIBVIRT_FORMAT[d.format] ?? d.format, attr(wd, 'driver', 'type'), `${where} format`);
      // and the same disk in our KVM XML, found by source
      const ourDisk = path(kvm, 'devices/disk').find((k) => {
        const s = one(k, 'source');
        return (s?.getAttribute('file') ?? s?.getAttribute('dev') ?? undefined) === wantPath && k.getAttribute('device') === d.device;
      });
      t.ok(ourDisk, `${where} is in our KVM XML`);
      if (ourDisk) t.equal(!!one(ourDisk, 'readonly'), d.readonly, `${where} read-only in our XML`);
    });

    const wantNics = path(want, 'devices/interface');
    const ourNics = path(kvm, 'devices/interface');
    t.equal(guest.nics.length, wantNics.length, 'NIC count');
    t.equal(ourNics.length, wantNics.length, 'NIC count in our XML');
    wantNics.forEach((wn, i) => {
      const mac = attr(wn, 'mac', 'address');
      if (mac && mac !== '00:00:00:00:00:00') {
        t.equal(guest.nics[i]?.mac, mac, `NIC ${i} MAC`);
        t.equal(attr(ourNics[i], 'mac', 'address'), mac, `NIC ${i} MAC in our XML`);
      }
      const bridge = attr(wn, 'source', 'bridge');
      if (bridge) {
        t.equal(guest.nics[i]?.bridge, bridge, `NIC ${i} bridge`);
        t.equal(attr(ourNics[i], 'source', 'bridge'), bridge, `NIC ${i} bridge in our XML`);
      }
    });
    // every KVM disk is virtio for PV guests
    if (guest.type !== 'hvm') {
      for (const k of path(kvm, 'devices/disk').filter((x) => x.getAttribute('device') === 'disk')) {
        t.equal(attr(k, 'target', 'bus'), 'virtio', 'PV disks become virtio');
      }
      for (const k of kids(one(kvm, 'devices')!, 'interface')) t.equal(attr(k, 'model', 'type'), 'virtio', 'PV NICs become virtio');
    }
    t.ok(one(kvm, 'devices/console'), 'a console');
    t.ok(one(kvm, 'devices/serial'), 'a serial port');
  });
}
