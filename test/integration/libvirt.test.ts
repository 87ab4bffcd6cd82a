// Integration with a real libvirtd (started here when root and none runs; KVM cannot run guests here,
// so defining is the check): a converted guest is defined and autostarted with
// our MACs, disks and console; networks define, start and autostart.
import { spawnSync } from 'node:child_process';
import { onlyGuest } from '../helpers/contract.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { renderNetworkXml } from '../../src/host/network-xml.js';
import { defineNetwork, libvirtReachable } from '../../src/host/virsh.js';
import { buildRhel5Guest } from '../../scripts/images/build.js';
import { ensureLibvirtd, hostTierOnly, sha256, workspace, xen2kvm } from '../helpers/system.js';
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

  t.test('a domain of the same name is not replaced silently: refused, --overwrite keeps it, rollback undefines and puts it back', hostTierOnly, async (t) => {
    const same = `${name}-same`;
    t.teardown(() => virsh('undefine', same));
    const first = await buildRhel5Guest(join(ws.dir, 'same1'), { name: same, layout: 'flat' });
    const second = await buildRhel5Guest(join(ws.dir, 'same2'), { name: same, layout: 'flat' });
    const args = (dir: string) => ['-o', join(ws.dir, dir), '--define', '--domain-type', domainType];
    const one = xen2kvm(ws, ['convert', first.config, ...args('o1')]);
    t.equal(one.code, 0, one.stderr);
    const before = sha256(second.images[0]);
    const refused = xen2kvm(ws, ['convert', second.config, ...args('o2')]);
    t.equal(refused.code, 2, 'refused: bad input');
    t.match(refused.stderr, new RegExp(`a libvirt domain named ${same} already exists .*--define would replace it`));
    t.match(refused.stderr, /--overwrite/);
    t.equal(sha256(second.images[0]), before, 'before the guest was touched');
    t.equal(attr(parseXml(virsh('dumpxml', same).stdout), 'devices/disk/source', 'file'), first.images[0], 'the first domain is still there');

    const over = xen2kvm(ws, ['convert', second.config, ...args('o2'), '--overwrite']);
    t.equal(over.code, 0, over.stderr);
    t.match(over.stderr, new RegExp(`the libvirt domain ${same} will be replaced \\(--overwrite\\); its XML is kept in .*${same}\\.previous\\.xml`));
    t.ok(existsSync(join(ws.dir, 'o2', `${same}.previous.xml`)));
    t.equal(attr(parseXml(virsh('dumpxml', same).stdout), 'devices/disk/source', 'file'), second.images[0], 'replaced');
    const runs = onlyGuest(xen2kvm(ws, ['runs', second.config, '--json']).stdout);
    t.equal(runs.runs[0].definedDomain, same, 'the run records the domain it defined');
    t.match(xen2kvm(ws, ['rollback', '--dry-run', second.config]).stdout, new RegExp(`undefine the libvirt domain ${same} .*\\n.*define the domain ${same} it replaced`));

    const back = xen2kvm(ws, ['rollback', second.config]);
    t.equal(back.code, 0, back.stderr);
    t.match(back.stdout, new RegExp(`Done: virsh undefine ${same}\\nDone: virsh define \\(the domain ${same} as it was before --overwrite\\)`));
    t.equal(attr(parseXml(virsh('dumpxml', same).stdout), 'devices/disk/source', 'file'), first.images[0], 'the replaced domain is back');

    const keep = xen2kvm(ws, ['rollback', '--keep-domain', first.config]);
    t.equal(keep.code, 0, keep.stderr);
    t.match(keep.stderr, new RegExp(`the libvirt domain ${same} is left defined \\(--keep-domain\\)`));
    t.equal(virsh('domstate', same).status, 0, '--keep-domain kept it');
    // Removed by hand, converted and defined again, then rolled back: gone.
    t.equal(virsh('undefine', same).status, 0);
    t.equal(xen2kvm(ws, ['convert', first.config, ...args('o1')]).code, 0);
    const gone = xen2kvm(ws, ['rollback', first.config]);
    t.equal(gone.code, 0, gone.stderr);
    t.match(gone.stdout, new RegExp(`Done: virsh undefine ${same}`));
    t.not(virsh('domstate', same).status, 0, 'no domain is left');
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
