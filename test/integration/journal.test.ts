// Integration (root): how a guest filesystem becomes read-write. A clean ext3 is
// planned on a plain ro mount and remounted rw where it is; one whose journal needs
// replay is planned on ro,noload (nothing replayed, nothing written) and mounted
// again rw (the kernel replays it then) — never remounted rw while noload.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { buildRhel5Guest } from '../../scripts/images/build.js';
import { hostTierOnly, isRoot, loopsUnder, sha256, workspace, xen2kvm } from '../helpers/system.js';

const features = (img: string) => execFileSync('dumpe2fs', ['-h', img], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').find((l) => l.startsWith('Filesystem features:')) ?? '';

if (!isRoot) {
  t.fail('the integration tests need root (loop devices, mounts)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());

  t.test('a clean journal: ro to plan, rw in place', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'clean'), { name: 'clean', layout: 'flat' });
    const r = xen2kvm(ws, ['convert', g.config, '-v', '-o', join(ws.dir, 'out')]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, /\$ mount -t ext3 -o ro,nodev,nosuid \/dev\/loop\d+ \S+\/root-/, 'planned on a plain ro mount');
    t.match(r.stderr, /\$ mount -o remount,rw \S+\/root-/, 'made read-write where it is');
    t.equal((r.stderr.match(/\$ mount -t ext3 -o rw/g) ?? []).length, 0, 'not mounted a second time');
    const converted = sha256(g.images[0]);
    const again = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out')]);
    t.match(again.stdout, /Already converted/);
    t.equal(sha256(g.images[0]), converted, 'planning on a plain ro mount writes not a byte');
  });

  t.test('a journal that needs replay: ro,noload to plan, mounted again rw', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'dirty'), { name: 'dirty', layout: 'flat' });
    execFileSync('debugfs', ['-w', '-R', 'feature needs_recovery', g.images[0]], { stdio: 'ignore' });
    t.match(features(g.images[0]), /needs_recovery/);
    const before = sha256(g.images[0]);
    const dry = xen2kvm(ws, ['convert', g.config, '--dry-run', '-v', '-o', join(ws.dir, 'out')]);
    t.equal(dry.code, 0, dry.stderr);
    t.match(dry.stderr, /-o ro,nodev,nosuid,noload /);
    t.equal(sha256(g.images[0]), before, 'the dry run replays nothing');
    const r = xen2kvm(ws, ['convert', g.config, '-v', '-o', join(ws.dir, 'out')]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, /\$ mount -t ext3 -o ro,nodev,nosuid,noload \/dev\/loop\d+ \S+\/root-/, 'planned without replaying the journal');
    t.notMatch(r.stderr, /remount,rw/, 'never made read-write while noload');
    t.match(r.stderr, /\$ mount -t ext3 -o rw,nodev,nosuid \/dev\/loop\d+ \S+\/root-/, 'mounted again read-write');
    t.notMatch(features(g.images[0]), /needs_recovery/, 'the kernel replayed the journal then');
    t.same(loopsUnder(ws.dir), []);
  });
}
