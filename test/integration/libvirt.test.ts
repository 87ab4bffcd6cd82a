// Integration with a real libvirtd (started here when root and none runs; KVM cannot run guests here,
// so defining is the check): a converted guest is defined and autostarted with
// our MACs, disks and console; networks define, start and autostart.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { renderNetworkXml } from '../../src/host/network-xml.js';
import { defineNetwork, libvirtReachable } from '../../src/host/virsh.js';
import { buildRhel5Guest } from '../../scripts/images/build.js';
import { ensureLibvirtd, hostTierOnly, workspace, xen2kvm } from '../helpers/system.js';
import { attr, parseXml, path } from '../helpers/xml.js';

const virsh = (...args: string[]) => spawnSync('virsh', ['-c', 'qemu:///system', ...args], { encoding: 'utf8' });

const skipWhy = process.env.XEN2KVM_STRATEGIES ? undefined : await ensureLibvirtd(libvirtReachable);
if (process.env.XEN2KVM_STRATEGIES) {
  t.pass('libvirt tests run in the host tier');
} else if (skipWhy) {
  // Said once, clearly: what is skipped and why.
  t.test('libvirt (convert --define, networks)', { skip: `skipped: ${skipWhy}` }, async () => undefined);
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());
  const name = `x2k-${process.pid}`;
  // Without /dev/kvm (nested and container hosts) libvirt defines no type='kvm' domain: emulation instead, said once.
  const kvm = existsSync('/dev/kvm');
  const domainType = kvm ? 'kvm' : 'qemu';
  if (!kvm) t.comment('this host has no /dev/kvm: domains are defined with --domain-type qemu');

  t.test('convert --define --autostart registers a managed domain with our MACs, disks and console', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'g'), { name });
    t.teardown(() => {
      virsh('autostart', '--disable', name);
      virsh('undefine', name);
    });
    const r = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out'), '--define', '--autostart', '--bridge', 'xenbr0=br0', '--bridge', 'xenbr1=br1', '--domain-type', domainType]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, new RegExp(`Done: virsh define .*\\nDone: virsh autostart ${name}`));
    const dump = virsh('dumpxml', name);
    t.equal(dump.status, 0, dump.stderr);
    const d = parseXml(dump.stdout);
    t.equal(d.getAttribute('type'), domainType);
    t.same(path(d, 'devices/interface/mac').map((m) => m.getAttribute('address')), g.macs);
    t.equal(attr(d, 'devices/disk/source', 'file'), g.images[0]);
    t.equal(attr(d, 'devices/disk/target', 'bus'), 'virtio');
    t.equal(attr(d, 'devices/console', 'type'), 'pty');
    t.equal(attr(d, 'devices/console/target', 'type'), 'serial');
    t.match(virsh('dominfo', name).stdout, /Persistent:\s+yes/);
    t.match(virsh('dominfo', name).stdout, /Autostart:\s+enable/);
  });

  t.test('--define of a kvm domain where there is no /dev/kvm: refused before the guest is touched, suggesting --domain-type qemu', { skip: kvm ? 'this host has /dev/kvm' : false }, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'nokvm'), { name: `${name}-nokvm` });
    const r = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out-nokvm'), '--define']);
    t.equal(r.code, 1, r.stderr);
    t.match(r.stderr, /this host has no \/dev\/kvm/);
    t.match(r.stderr, /--domain-type qemu/);
    t.notMatch(r.stderr, /attaching/, 'said before anything was attached');
    t.notOk(existsSync(join(ws.dir, 'out-nokvm', `${name}-nokvm.xml`)));
  });

  t.test('networks define, start and autostart', hostTierOnly, async (t) => {
    const net = `x2k-net-${process.pid}`;
    const octet = 200 + (process.pid % 50);
    t.teardown(() => {
      virsh('net-destroy', net);
      virsh('net-undefine', net);
    });
    const xml = renderNetworkXml({ name: net, uuid: '6d1f5f53-7c6a-4b5e-9d7a-0c1e2f3a4b5c', bridge: `x2kbr${process.pid % 1000}`, net: { address: `10.${octet}.77.1`, prefix: 24 } });
    const done = await defineNetwork(net, xml, true);
    t.same(done, [`virsh net-define (${net})`, `virsh net-autostart ${net}`, `virsh net-start ${net}`]);
    const info = virsh('net-info', net).stdout;
    t.match(info, /Active:\s+yes/);
    t.match(info, /Autostart:\s+yes/);
    t.same(await defineNetwork(net, xml, true), [`virsh net-define (${net})`, `virsh net-autostart ${net}`], 'an active network is not started twice');
  });

  t.test('without libvirtd: a clear message, the XML kept, the commands to run', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'h'), { name: `${name}-nolibvirt` });
    const r = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out2'), '--define'], { XEN2KVM_LIBVIRT_URI: 'qemu+unix:///system?socket=/nonexistent/libvirt-sock' });
    t.equal(r.code, 2);
    t.match(r.stderr, /libvirtd is not reachable .* so .* was not defined; the domain XML is in .*\.xml\nStart libvirtd, then run:\n {2}virsh define /);
    t.ok(existsSync(join(ws.dir, 'out2', `${name}-nolibvirt.xml`)));
    // virsh's own variable, and --connect before it.
    const bad = 'qemu+unix:///system?socket=/nonexistent/other-sock';
    const viaEnv = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out2'), '--define'], { LIBVIRT_DEFAULT_URI: bad });
    t.equal(viaEnv.code, 2);
    t.match(viaEnv.stderr, `virsh -c ${bad}`, 'LIBVIRT_DEFAULT_URI is honoured');
    const viaOpt = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out2'), '--define', '-c', bad], { XEN2KVM_LIBVIRT_URI: 'qemu:///system' });
    t.equal(viaOpt.code, 2);
    t.match(viaOpt.stderr, `virsh -c ${bad}`, '--connect wins');
  });
}
