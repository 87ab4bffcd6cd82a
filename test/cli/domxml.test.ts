// The CLI as a user runs it: bin/xen2kvm in a child process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/corpus.js';
import { attr, parseXml, path } from '../helpers/xml.js';

const bin = join(repoRoot, 'bin', 'xen2kvm');
const xen2kvm = (...args: string[]) => {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-cli-'));

t.test('domxml prints the KVM XML on stdout and warnings on stderr', async (t) => {
  const r = xen2kvm('domxml', join(repoRoot, 'examples/test1.cfg'), '--bridge', 'xenbr0=br0', '--network', 'xenbr1=hostonly');
  t.equal(r.code, 0, r.stderr);
  const d = parseXml(r.stdout);
  t.same(path(d, 'devices/interface/mac').map((m) => m.getAttribute('address')), ['00:16:3e:1a:d0:96', '00:16:3e:1a:d0:97']);
  t.equal(attr(d, 'devices/interface/source', 'bridge'), 'br0');
  t.match(r.stderr, /warning: the Xen boot loader \/usr\/bin\/pygrub/);
  t.notMatch(r.stdout, /warning/);
});

t.test('--quiet hides warnings; --verbose lists unknown keys', async (t) => {
  const cfg = join(dir, 'unknown.cfg');
  writeFileSync(cfg, 'name = "u"\nshadow_memory = 8\n');
  const q = xen2kvm('domxml', cfg, '--quiet');
  t.equal(q.code, 0);
  t.equal(q.stderr, '');
  const v = xen2kvm('domxml', cfg, '--verbose');
  t.match(v.stderr, new RegExp(`${cfg}:2:1: key shadow_memory is not used for KVM`));
});

t.test('--print-guest prints the parsed model as JSON', async (t) => {
  const r = xen2kvm('domxml', join(repoRoot, 'examples/test1.cfg'), '--print-guest');
  t.equal(r.code, 0);
  const g = JSON.parse(r.stdout);
  t.equal(g.name, 'test1');
  t.equal(g.disks[0].path, '/var/lib/xen/images/test1.img');
  t.equal(g.nics.length, 2);
});

t.test('--disk overrides a disk path; --machine q35', async (t) => {
  const r = xen2kvm('domxml', join(repoRoot, 'examples/test1.cfg'), '--disk', 'xvda=/dev/vg/test1', '--machine', 'q35');
  t.equal(r.code, 0, r.stderr);
  const d = parseXml(r.stdout);
  t.equal(attr(d, 'devices/disk/source', 'dev'), '/dev/vg/test1');
  t.equal(attr(d, 'os/type', 'machine'), 'q35');
  const bad = xen2kvm('domxml', join(repoRoot, 'examples/test1.cfg'), '--disk', 'xvdz=/x');
  t.equal(bad.code, 2);
  t.match(bad.stderr, /the guest has no disk xvdz \(it has xvda\)/);
});

t.test('bad input: every problem with file:line:column, exit 2, no stack trace, nothing on stdout', async (t) => {
  const cfg = join(dir, 'bad.cfg');
  writeFileSync(cfg, 'memory = 512\ndisk = [ "phy:/dev/a,xvda,w",\n  "phy:/dev/b,xvda,w" ]\nvif = [ "mac=00:16:3e:zz:00:01" ]\n');
  const r = xen2kvm('domxml', cfg);
  t.equal(r.code, 2);
  t.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  t.match(lines[0], new RegExp(`^xen2kvm: ${cfg}:1:1: the guest has no name`));
  t.match(lines[1], new RegExp(`^${cfg}:3:3: duplicate vdev xvda`));
  t.match(lines[2], new RegExp(`^${cfg}:4:9: vif .*malformed MAC`));
  t.match(lines[3], /^Fix the config file/);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  const d = xen2kvm('domxml', cfg, '--debug');
  t.match(d.stderr, /\n\s+at /, '--debug shows the stack');
});

t.test('usage errors and a missing file', async (t) => {
  const none = xen2kvm('domxml', join(dir, 'nope.cfg'));
  t.equal(none.code, 2);
  t.match(none.stderr, /cannot read the Xen config .*nope\.cfg: no such file/);
  const bad = xen2kvm('domxml', join(repoRoot, 'examples/test1.cfg'), '--bridge', 'xenbr0');
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--bridge xenbr0: expected FROM=TO \(or FROM:TO\)/);
  // virt-v2v's form, FROM:TO, is the same mapping.
  const colon = xen2kvm('domxml', join(repoRoot, 'examples/test1.cfg'), '--bridge', 'xenbr0:br0');
  t.equal(colon.code, 0, colon.stderr);
  t.match(colon.stdout, /<source bridge="br0"\/>/);
  const version = xen2kvm('-V');
  t.equal(version.code, 0);
  t.match(version.stdout, /^\d+\.\d+\.\d+\n$/, '-V prints the version');
  const nocmd = xen2kvm();
  t.equal(nocmd.code, 2);
  t.match(nocmd.stderr, /Name a command/);
  const unknown = xen2kvm('frobnicate');
  t.equal(unknown.code, 2);
  const help = xen2kvm('domxml', '--help');
  t.equal(help.code, 0);
  t.match(help.stdout, /Examples:/);
});
