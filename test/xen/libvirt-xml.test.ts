// libvirt's Xen domain XML as input: for every pair of libvirt's own corpus, the
// guest read from NAME.xml matches the guest read from NAME.cfg in what a
// conversion uses (name, uuid, memory, vcpus, boot, disks, NICs).
import t from 'tap';
import { parseXenConfig } from '../../src/xen/parse.js';
import { parseLibvirtXml } from '../../src/xen/libvirt-xml.js';
import { corpusPairs } from '../helpers/corpus.js';

const summary = (g: ReturnType<typeof parseXenConfig>) => ({
  name: g.name, uuid: g.uuid, type: g.type, memoryMiB: g.memoryMiB, maxmemMiB: g.maxmemMiB, vcpus: g.vcpus,
  bootloader: g.bootloader, kernel: g.kernel, ramdisk: g.ramdisk,
  disks: g.disks.filter((d) => d.path).map((d) => ({ vdev: d.vdev, path: d.path, device: d.device, readonly: d.readonly })),
  nics: g.nics.map((n) => ({ mac: n.mac, bridge: n.bridge })),
});

let compared = 0;
for (const pair of corpusPairs().filter((p) => p.xml)) {
  let fromCfg;
  try {
    fromCfg = parseXenConfig(pair.cfg, pair.cfgPath);
  } catch {
    continue; // configs the config parser refuses are the parser tests' business
  }
  t.test(`${pair.dialect}/${pair.name}`, async (t) => {
    const fromXml = parseLibvirtXml(pair.xml!, `${pair.name}.xml`);
    t.match(summary(fromXml), summary(fromCfg), 'the XML means what the config means');
  });
  compared++;
}

t.test('the corpus was compared', async (t) => {
  t.ok(compared >= 60, `${compared} pairs`);
});

t.test('refusals name the file', async (t) => {
  t.throws(() => parseLibvirtXml('<domain type="kvm"><name>x</name></domain>', 'k.xml'), /k\.xml:1:1: this is a <domain type='kvm'>, not a Xen domain/);
  t.throws(() => parseLibvirtXml('<network/>', 'n.xml'), /n\.xml:1:1: a libvirt domain starts with <domain>/);
  t.throws(() => parseLibvirtXml('<domain', 'b.xml'), /b\.xml:1:1: not well-formed XML/);
});
