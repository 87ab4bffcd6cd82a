import t from 'tap';
import { bounds, dhcpRange, netmask, overlaps, parseCidr, prefixOf, toIp } from '../../src/host/ipv4.js';
import { bridgeIfcfg, debianBridge, isBridgePort, nmcliCommands, portIfcfg } from '../../src/host/netconfig.js';
import { freeBridgeName, readNetworkXml, readdressNetworkXml, renderNetworkXml } from '../../src/host/network-xml.js';
import { hostGrubDefault, natClash, sysctlConfBlock } from '../../src/host/prep.js';
import { hugepagesFor, readMeminfo, renderSysctl } from '../../src/host/sysctl.js';
import { validateXml } from '../helpers/validate.js';
import { kids, one, parseXml, path } from '../helpers/xml.js';
import { withHugepages } from '../../src/host/domain-edit.js';
import { renderDomainXml } from '../../src/host/domain-xml.js';
import { parseXenConfig } from '../../src/xen/parse.js';

t.test('IPv4', async (t) => {
  t.same(parseCidr('192.168.100.1/24'), { address: '192.168.100.1', prefix: 24 });
  t.throws(() => parseCidr('192.168.100.1'), /with a prefix/);
  t.throws(() => parseCidr('300.1.1.1/24'), /not an IPv4 address/);
  t.equal(netmask(24), '255.255.255.0');
  t.equal(netmask(20), '255.255.240.0');
  t.equal(prefixOf('255.255.252.0'), 22);
  t.equal(toIp(bounds({ address: '10.1.2.3', prefix: 16 }).broadcast), '10.1.255.255');
  t.same(dhcpRange({ address: '192.168.100.1', prefix: 24 }), { start: '192.168.100.128', end: '192.168.100.254' });
  t.same(dhcpRange({ address: '192.168.100.254', prefix: 24 }), { start: '192.168.100.128', end: '192.168.100.253' }, 'the host address is kept out of the range');
  t.ok(overlaps({ address: '192.168.122.1', prefix: 24 }, { address: '192.168.0.5', prefix: 16 }));
  t.notOk(overlaps({ address: '192.168.122.1', prefix: 24 }, { address: '192.168.123.1', prefix: 24 }));
  t.same(natClash({ address: '192.168.122.1', prefix: 24 }, [{ address: '10.0.0.1', prefix: 8 }, { address: '192.168.122.9', prefix: 24 }]), { address: '192.168.122.9', prefix: 24 });
});

t.test('network XML: host-only, readdressed NAT, free bridge names', async (t) => {
  const xml = renderNetworkXml({ name: 'hostonly', uuid: '04255669-803e-d8f6-352a-086fa45ae09d', bridge: 'virbr1', net: { address: '192.168.100.1', prefix: 24 } });
  t.equal(xml, `<network>
  <name>hostonly</name>
  <uuid>04255669-803e-d8f6-352a-086fa45ae09d</uuid>
  <bridge name="virbr1" stp="on" delay="0"/>
  <ip address="192.168.100.1" netmask="255.255.255.0">
    <dhcp>
      <range start="192.168.100.128" end="192.168.100.254"/>
    </dhcp>
  </ip>
</network>
`);
  t.ok(validateXml(xml, 'network').ok, 'passes virt-xml-validate');
  const nat = renderNetworkXml({ name: 'default', uuid: 'cc06c2a2-0766-45ee-baaa-896e04c7a3be', bridge: 'virbr0', forward: 'nat', net: { address: '192.168.122.1', prefix: 24 } });
  t.ok(validateXml(nat, 'network').ok);
  t.same(readNetworkXml(nat), { name: 'default', uuid: 'cc06c2a2-0766-45ee-baaa-896e04c7a3be', bridge: 'virbr0', net: { address: '192.168.122.1', prefix: 24 } });
  const moved = readdressNetworkXml(nat, { address: '10.55.0.1', prefix: 16 });
  t.same(readNetworkXml(moved).net, { address: '10.55.0.1', prefix: 16 });
  t.match(moved, /<range start="10\.55\.128\.0" end="10\.55\.255\.254"\/>/);
  t.equal(readdressNetworkXml(moved, { address: '10.55.0.1', prefix: 16 }), moved, 'idempotent');
  t.ok(validateXml(moved, 'network').ok);
  t.equal(freeBridgeName(['virbr0', 'virbr2']), 'virbr1');
});

const ETH0 = 'DEVICE=eth0\nBOOTPROTO=static\nBROADCAST=10.1.2.255\nHWADDR=00:1A:64:12:34:56\nIPADDR=10.1.2.3\nNETMASK=255.255.255.0\nNETWORK=10.1.2.0\nONBOOT=yes\n';

t.test('RHEL ifcfg bridge, as in the seed post', async (t) => {
  t.equal(bridgeIfcfg(ETH0, 'br0'), 'DEVICE=br0\nTYPE=Bridge\nBOOTPROTO=static\nBROADCAST=10.1.2.255\nIPADDR=10.1.2.3\nNETMASK=255.255.255.0\nNETWORK=10.1.2.0\nONBOOT=yes\nDELAY=0\n');
  const port = portIfcfg(ETH0, 'br0');
  t.equal(port, 'DEVICE=eth0\nHWADDR=00:1A:64:12:34:56\nONBOOT=yes\nBRIDGE=br0\n');
  t.equal(portIfcfg(port, 'br0'), port, 'idempotent');
  t.ok(isBridgePort(port, 'br0'));
});

t.test('Debian interfaces bridge; NetworkManager commands', async (t) => {
  const before = 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet static\n    address 10.1.2.3/24\n    gateway 10.1.2.1\n';
  const after = debianBridge(before, 'br0', 'eth0');
  t.equal(after, 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet manual\n\nauto br0\niface br0 inet static\n    address 10.1.2.3/24\n    gateway 10.1.2.1\n    bridge_ports eth0\n    bridge_stp off\n    bridge_fd 0\n');
  t.equal(debianBridge(after, 'br0', 'eth0'), after, 'idempotent');
  t.throws(() => debianBridge('auto lo\n', 'br0', 'eth0'), /no "iface eth0 inet/);
  t.match(nmcliCommands('br0', 'eth0').join('\n'), /nmcli connection add type bridge ifname br0[\s\S]*master br0/);
});

t.test('sysctl and hugepages', async (t) => {
  const text = renderSysctl({ swappiness: 0, bridgeNfOff: true, hugepages: 262 });
  t.match(text, /^net\.bridge\.bridge-nf-call-ip6tables = 0\nnet\.bridge\.bridge-nf-call-iptables = 0\nnet\.bridge\.bridge-nf-call-arptables = 0$/m);
  t.match(text, /^vm\.swappiness = 0$/m);
  t.match(text, /^vm\.nr_hugepages = 262$/m);
  t.notMatch(renderSysctl({ swappiness: 10 }), /nr_hugepages/);
  t.notMatch(renderSysctl({ swappiness: 10 }), /bridge-nf-call/, 'bridge filtering only with --bridge-nf-off');
  t.equal(hugepagesFor([512], 2048), 262, '512 MiB / 2 MiB + 6, the seed\'s rule');
  t.equal(hugepagesFor([512, 1000], 2048), 262 + 500 + 6);
  t.equal(hugepagesFor([1024], 1048576), 7, '1 GiB pages');
  t.same(readMeminfo('MemTotal:       16384000 kB\nHugepagesize:       2048 kB\n'), { hugepageKiB: 2048, memTotalKiB: 16384000 });
  const conf = sysctlConfBlock('kernel.sysrq = 0\n', 'vm.swappiness = 0\n');
  t.equal(conf, 'kernel.sysrq = 0\n# BEGIN xen2kvm\nvm.swappiness = 0\n# END xen2kvm\n');
  t.equal(sysctlConfBlock(conf, 'vm.swappiness = 0\n'), conf, 'idempotent');
  t.equal(sysctlConfBlock(conf, 'vm.swappiness = 5\n'), 'kernel.sysrq = 0\n# BEGIN xen2kvm\nvm.swappiness = 5\n# END xen2kvm\n', 'the block is replaced, not added twice');
});

t.test('the host boots its newest non-Xen kernel', async (t) => {
  const grub = 'default=0\ntimeout=5\ntitle Xen (2.6.18-164.el5xen)\n\tkernel /xen.gz-2.6.18-164.el5\n\tmodule /vmlinuz-2.6.18-164.el5xen ro\ntitle RHEL (2.6.18-128.el5)\n\tkernel /vmlinuz-2.6.18-128.el5 ro\ntitle RHEL (2.6.18-164.el5)\n\tkernel /vmlinuz-2.6.18-164.el5 ro\n';
  const after = hostGrubDefault(grub);
  t.match(after, /^default=2$/m);
  t.equal(hostGrubDefault(after), after);
  t.equal(hostGrubDefault('default=0\ntitle Xen\n\tkernel /xen.gz-1\n'), 'default=0\ntitle Xen\n\tkernel /xen.gz-1\n', 'no plain kernel: unchanged');
});

t.test('network XML with an IPv6 <ip> first: the IPv4 one is read and moved, the IPv6 one kept', async (t) => {
  const xml = `<network>
  <name>dual</name>
  <bridge name='virbr7' stp='on' delay='0'/>
  <ip family='ipv6' address='2001:db8:ca2:2::1' prefix='64'/>
  <ip address='192.168.130.1' prefix='24'>
    <dhcp>
      <range start='192.168.130.2' end='192.168.130.254'/>
    </dhcp>
  </ip>
</network>
`;
  t.same(readNetworkXml(xml), { name: 'dual', bridge: 'virbr7', net: { address: '192.168.130.1', prefix: 24 } });
  const moved = readdressNetworkXml(xml, { address: '10.9.0.1', prefix: 24 });
  t.same(readNetworkXml(moved).net, { address: '10.9.0.1', prefix: 24 }, 'prefix= kept as prefix=');
  t.match(moved, /<ip family="ipv6" address="2001:db8:ca2:2::1" prefix="64"\/>/, 'the IPv6 address untouched');
  t.match(moved, /<range start="10\.9\.0\.128" end="10\.9\.0\.254"\/>/);
  t.same(readNetworkXml('<network><name>x</name'), {}, 'not well-formed: nothing known');
  t.equal(readdressNetworkXml('<network><name>v6only</name><ip family="ipv6" address="fd00::1" prefix="64"/></network>', { address: '10.9.0.1', prefix: 24 }),
    '<network><name>v6only</name><ip family="ipv6" address="fd00::1" prefix="64"/></network>', 'no IPv4 <ip>: unchanged');
});

t.test('hugepages added to a written domain through the XML parser', async (t) => {
  const domain = renderDomainXml(parseXenConfig('name = "h1"\nmemory = 512\ndisk = [ "file:/img,xvda,w" ]\n', 'h1.cfg'), {}).xml;
  const once = withHugepages(domain, 'h1.xml');
  const d = parseXml(once);
  t.ok(one(d, 'memoryBacking/hugepages'), '<memoryBacking><hugepages/>');
  const names = kids(d).map((e) => e.tagName);
  t.equal(names[names.indexOf('memoryBacking') - 1], 'currentMemory', 'right after <currentMemory>, where the schema wants it');
  t.equal(withHugepages(once, 'h1.xml'), once, 'idempotent');
  t.ok(validateXml(once, 'domain').ok, 'passes virt-xml-validate');
  const locked = domain.replace('</currentMemory>', '</currentMemory>\n  <memoryBacking>\n    <locked/>\n  </memoryBacking>');
  const both = parseXml(withHugepages(locked, 'h1.xml'));
  t.equal(path(both, 'memoryBacking').length, 1, 'an existing <memoryBacking> gets the <hugepages/>, not a second one');
  t.ok(one(both, 'memoryBacking/locked') && one(both, 'memoryBacking/hugepages'));
  t.throws(() => withHugepages('<domain><name>x</name', 'bad.xml'), /bad\.xml is not well-formed XML/);
  t.throws(() => withHugepages('<network/>', 'n.xml'), /n\.xml is not a libvirt domain/);
});
