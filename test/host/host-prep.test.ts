// host-prep on fake host roots: golden outputs, idempotence, dry-run, the
// Debian and NetworkManager styles, and a NAT network that clashes.
import { spawnSync } from 'node:child_process';
import { checkDocument } from '../helpers/contract.js';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { writeRhel5Host } from '../../scripts/images/rhel5-host.js';
import { repoRoot } from '../helpers/corpus.js';
import { snapshotDir } from '../helpers/tree.js';
import { parseXml, one } from '../helpers/xml.js';
import { validateXml } from '../helpers/validate.js';

const bin = join(repoRoot, 'bin', 'xen2kvm');
const UUID = '04255669-803e-d8f6-352a-086fa45ae09d';
const golden = join(repoRoot, 'test/fixtures/host/rhel5-prepared');

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-host-'));
  const root = join(dir, 'root');
  writeRhel5Host(root);
  const meminfo = join(dir, 'meminfo');
  writeFileSync(meminfo, 'MemTotal:       16384000 kB\nHugepagesize:       2048 kB\n');
  return { dir, root, meminfo, out: join(dir, 'out') };
}
const hostPrep = (f: ReturnType<typeof fixture>, ...args: string[]) => {
  const r = spawnSync(bin, ['host-prep', '--host-root', f.root, '--meminfo', f.meminfo, '-o', f.out, ...args], { encoding: 'utf8', env: { ...process.env, XEN2KVM_TEST_UUID: UUID } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
// The seed's settings: its swappiness 0 and bridge filtering off are opt-in now.
const SEED_ARGS = ['--swappiness', '0', '--bridge-nf-off', '--bridge', 'br0', '--bridge-port', 'eth0', '--hostonly-network', 'hostonly', '--hostonly-address', '172.16.1.1/24', '--hugepages-for', join(repoRoot, 'examples/test1.cfg')];

t.test('a RHEL 5 Xen host, prepared as the seed post does by hand', async (t) => {
  const f = fixture();
  t.teardown(() => rmSync(f.dir, { recursive: true, force: true }));
  const r = hostPrep(f, ...SEED_ARGS);
  t.equal(r.code, 0, r.stderr);
  for (const rel of ['etc/sysconfig/network-scripts/ifcfg-br0', 'etc/sysconfig/network-scripts/ifcfg-eth0', 'etc/sysconfig/network-scripts/ifcfg-dummy0', 'etc/libvirt/qemu/networks/hostonly.xml', 'etc/sysctl.conf', 'boot/grub/grub.conf', 'etc/fstab']) {
    t.equal(readFileSync(join(f.root, rel), 'utf8'), readFileSync(join(golden, rel), 'utf8'), rel);
  }
  t.ok(validateXml(readFileSync(join(f.root, 'etc/libvirt/qemu/networks/hostonly.xml'), 'utf8'), 'network').ok, 'the network passes virt-xml-validate');
  t.equal(readlinkSync(join(f.root, 'etc/libvirt/qemu/networks/autostart/hostonly.xml')), '../hostonly.xml', 'autostart link, as libvirt makes it');
  for (const l of [2, 3, 4, 5]) {
    t.ok(lstatSync(join(f.root, `etc/rc.d/rc${l}.d/K01xend`)).isSymbolicLink(), `xend off in runlevel ${l}`);
  }
  t.ok(lstatSync(join(f.root, 'etc/rc.d/rc3.d/K00xendomains')).isSymbolicLink());
  t.ok(lstatSync(join(f.root, 'etc/rc.d/rc3.d/S97libvirtd')).isSymbolicLink(), 'libvirtd untouched');
  const xml = readFileSync(join(f.out, 'test1.xml'), 'utf8');
  t.ok(one(parseXml(xml), 'memoryBacking/hugepages'), 'the guest\'s domain is backed by hugepages');
  t.ok(validateXml(xml, 'domain').ok);
  t.match(r.stdout, /changed +bridge +\/etc\/sysconfig\/network-scripts\/ifcfg-br0/);

  const again = hostPrep(f, ...SEED_ARGS);
  t.equal(again.code, 0);
  t.match(again.stdout, /Nothing to do: the host is prepared/);
});

t.test('dry-run writes nothing and shows the diffs', async (t) => {
  const f = fixture();
  t.teardown(() => rmSync(f.dir, { recursive: true, force: true }));
  const before = snapshotDir(f.root);
  const r = hostPrep(f, ...SEED_ARGS, '--dry-run');
  t.equal(r.code, 0, r.stderr);
  t.same(snapshotDir(f.root), before);
  t.match(r.stdout, /-ONBOOT=yes\n\+ONBOOT=no/);
  t.match(r.stdout, /would change +sysctl/);
  t.match(r.stdout, /would back test1 with hugepages/);
});

t.test('hugepages the host cannot hold are warned about', async (t) => {
  const f = fixture();
  t.teardown(() => rmSync(f.dir, { recursive: true, force: true }));
  writeFileSync(f.meminfo, 'MemTotal:       262144 kB\nHugepagesize:       2048 kB\n');
  const r = hostPrep(f, '--hugepages-for', join(repoRoot, 'examples/test1.cfg'), '--dry-run');
  t.match(r.stderr, /warning: the guests need 524 MiB of hugepages but the host has 256 MiB/);
});

t.test('the default NAT network moves when it clashes with a host address', async (t) => {
  const f = fixture();
  t.teardown(() => rmSync(f.dir, { recursive: true, force: true }));
  writeFileSync(join(f.root, 'etc/sysconfig/network-scripts/ifcfg-eth0'), 'DEVICE=eth0\nBOOTPROTO=static\nIPADDR=192.168.122.20\nNETMASK=255.255.255.0\nONBOOT=yes\n');
  const j = checkDocument(hostPrep(f, '--json', '--dry-run').stdout, 'host-prep --json') as { warnings: { code: string }[] };
  t.match(j, { command: 'host-prep', ok: true, dryRun: true });
  t.same(j.warnings.map((w) => w.code), ['nat-network-moved'], 'the warning with its code in the JSON');
  const r = hostPrep(f);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /warning: the default NAT network \(192\.168\.122\.1\/24\) clashes with 192\.168\.122\.20\/24 on this host; moved to 192\.168\.123\.1\/24/);
  t.notMatch(r.stdout, /warning/, 'warnings on stderr only');
  const xml = readFileSync(join(f.root, 'etc/libvirt/qemu/networks/default.xml'), 'utf8');
  // (Rewritten through the XML parser: attribute quotes may change, the meaning does not.)
  t.match(xml, /<ip address=['"]192\.168\.123\.1['"] netmask=['"]255\.255\.255\.0['"]>/);
  t.match(xml, /<range start=['"]192\.168\.123\.128['"] end=['"]192\.168\.123\.254['"]\/>/);
  t.ok(validateXml(xml, 'network').ok);
  const asked = hostPrep(f, '--nat-address', '10.200.0.1/24');
  t.match(readFileSync(join(f.root, 'etc/libvirt/qemu/networks/default.xml'), 'utf8'), /address=['"]10\.200\.0\.1['"]/);
  t.equal(asked.code, 0);
});

t.test('Debian and NetworkManager hosts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-host-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const deb = join(dir, 'deb');
  mkdirSync(join(deb, 'etc/network'), { recursive: true });
  mkdirSync(join(deb, 'etc/sysctl.d'), { recursive: true });
  writeFileSync(join(deb, 'etc/network/interfaces'), 'auto lo\niface lo inet loopback\n\nallow-hotplug eth0\niface eth0 inet dhcp\n');
  const r = spawnSync(bin, ['host-prep', '--host-root', deb, '--bridge', 'br0', '--bridge-port', 'eth0'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(readFileSync(join(deb, 'etc/network/interfaces'), 'utf8'), 'auto lo\niface lo inet loopback\n\nallow-hotplug eth0\niface eth0 inet manual\n\nauto br0\niface br0 inet dhcp\n    bridge_ports eth0\n    bridge_stp off\n    bridge_fd 0\n');
  const sysctl = readFileSync(join(deb, 'etc/sysctl.d/90-xen2kvm.conf'), 'utf8');
  t.match(sysctl, /^vm\.swappiness = 10$/m, 'swappiness 10 by default (tuned\'s virtual-host), not the seed\'s 0');
  t.notMatch(sysctl, /bridge-nf-call/, 'bridge filtering is left as it is unless --bridge-nf-off');
  const nm = join(dir, 'nm');
  mkdirSync(join(nm, 'etc/NetworkManager/system-connections'), { recursive: true });
  mkdirSync(join(nm, 'etc/sysctl.d'), { recursive: true });
  writeFileSync(join(nm, 'etc/NetworkManager/system-connections/eth0.nmconnection'), '[connection]\nid=eth0\n');
  const n = spawnSync(bin, ['host-prep', '--host-root', nm, '--bridge', 'br0'], { encoding: 'utf8' });
  t.equal(n.status, 0, n.stderr);
  t.match(n.stderr, /this host uses NetworkManager; make the bridge with:\n {2}nmcli connection add type bridge ifname br0/);
});

t.test('bad options', async (t) => {
  const f = fixture();
  t.teardown(() => rmSync(f.dir, { recursive: true, force: true }));
  t.match(hostPrep(f, '--hostonly-network', 'x').stderr, /--hostonly-network and --hostonly-address go together/);
  t.match(hostPrep(f, '--hostonly-network', 'x', '--hostonly-address', '10.0.0.1').stderr, /--hostonly-address: "10\.0\.0\.1" is not an IPv4 address with a prefix/);
  t.match(hostPrep(f, '--swappiness', '500').stderr, /--swappiness takes 0 to 100/);
});
