// The first-run experience: `xen2kvm demo` end to end, leaving nothing behind.
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import t from 'tap';
import { hostTierOnly, isRoot, workspace, xen2kvm } from '../helpers/system.js';

if (!isRoot) {
  t.fail('the demo needs root (loop devices, mounts)');
} else {
  t.test('xen2kvm demo', hostTierOnly, async (t) => {
    const ws = workspace();
    t.teardown(() => ws.cleanup());
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith('xen2kvm-demo-'));
    const r = xen2kvm(ws, ['demo']);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /=== 1\. A Xen PV guest: RHEL 5\.3 as the blog post found it/);
    t.match(r.stdout, /disk = \[ "tap:aio:.*demo\.img,xvda,w" \]/);
    t.match(r.stdout, /=== 2\. xen2kvm inspect[\s\S]*2\.6\.18-128\.1\.16\.el5 +runs on KVM, virtio, initrd lacks virtio, chosen for KVM/);
    t.match(r.stdout, /=== 3\. xen2kvm convert --show-diff[\s\S]*-co:2345:respawn:\/sbin\/agetty xvc0 9600 vt100-nav\n\+co:2345:respawn:\/sbin\/agetty ttyS0 115200 vt100-nav/);
    t.match(r.stdout, /changed +initrd/);
    t.match(r.stdout, /=== 4\. The KVM domain[\s\S]*<domain type="kvm">[\s\S]*<source bridge="br0"\/>[\s\S]*<source network="hostonly"\/>/);
    t.match(r.stdout, /=== 5\. A second convert finds nothing to do =+\nAlready converted/);
    t.same(readdirSync(tmpdir()).filter((f) => f.startsWith('xen2kvm-demo-')), before, 'its temp dir is removed');
  });

  t.test('xen2kvm demo --json: the show on stderr, one document on stdout', hostTierOnly, async (t) => {
    const ws = workspace();
    t.teardown(() => ws.cleanup());
    const r = xen2kvm(ws, ['demo', '--json']);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, /=== 3\. xen2kvm convert --show-diff/);
    const j = JSON.parse(r.stdout);
    t.match(j, { command: 'demo', ok: true, inspection: { guest: 'demo', family: 'rhel' } });
    t.match(j.guests[0], { guest: 'demo', result: 'converted', kernel: '2.6.18-128.1.16.el5' });
  });
}
