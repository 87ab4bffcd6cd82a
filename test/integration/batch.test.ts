// Integration (root): a batch of three guests, one with a broken image; bad
// configs stop a batch before it starts; --all picks guest configs only.
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { checkDocument } from '../helpers/contract.js';
import { join } from 'node:path';
import t from 'tap';
import { buildRhel5Guest } from '../../scripts/images/build.js';
import { hostTierOnly, isRoot, loopsUnder, mountsUnder, sha256, workspace, xen2kvm } from '../helpers/system.js';

if (!isRoot) {
  t.fail('the integration tests need root (loop devices, mounts)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());

  t.test('3 guests, one broken: 2 converted, 1 failed with its reason, nothing left attached, a matching report', hostTierOnly, async (t) => {
    const xen = join(ws.dir, 'xen');
    mkdirSync(xen, { recursive: true });
    for (const n of ['alpha', 'bravo', 'charlie']) {
      const g = await buildRhel5Guest(join(ws.dir, n), { name: n, macs: [`00:16:3e:00:0${n.length}:0${n.charCodeAt(0) % 10}`] });
      copyFileSync(g.config, join(xen, n));
    }
    // bravo's disk loses its partition table and filesystems.
    const fd = openSync(join(ws.dir, 'bravo', 'bravo.img'), 'r+');
    writeSync(fd, Buffer.alloc(200 * 1024 * 1024), 0, 200 * 1024 * 1024, 0);
    closeSync(fd);
    writeFileSync(join(xen, 'xend-config.sxp'), '(network-script network-bridge)\n');
    writeFileSync(join(xen, 'xl.conf'), 'autoballoon=0\n');
    // A dry run first: the summary speaks in the conditional, and nothing is written.
    const before = ['alpha', 'charlie'].map((n) => sha256(join(ws.dir, n, `${n}.img`)));
    const dry = xen2kvm(ws, ['convert', '--all', '--xen-dir', xen, '--dry-run', '-o', join(ws.dir, 'out-dry')]);
    t.equal(dry.code, 1, dry.stderr);
    t.match(dry.stdout, /^alpha +would convert +12 /m);
    t.match(dry.stdout, /2 of 3 guests would be converted, 1 failed \(dry run: nothing was written\)\./);
    t.notMatch(dry.stdout, /guests converted/);
    t.same(['alpha', 'charlie'].map((n) => sha256(join(ws.dir, n, `${n}.img`))), before, 'the dry run wrote nothing');
    const report = join(ws.dir, 'report.json');
    const r = xen2kvm(ws, ['convert', '--all', '--xen-dir', xen, '--jobs', '2', '-o', join(ws.dir, 'out'), '--report', report]);
    // Warnings: on stderr, each named by its guest, none in the table on stdout.
    t.match(r.stderr, /warning: alpha: vif 0 stays on bridge xenbr0, which must exist on the KVM host/);
    t.match(r.stderr, /warning: charlie: vif 0 stays on bridge xenbr0/);
    t.notMatch(r.stdout, /warning/);
    t.equal(r.code, 1, 'exit 1: some failed');
    t.match(r.stdout, /^GUEST +RESULT +CHANGES +TIME +NEXT$/m);
    t.match(r.stdout, /^alpha +converted +12 /m);
    t.match(r.stdout, /^bravo +failed +0 .*no Linux root filesystem/m);
    t.match(r.stdout, /^charlie +converted +12 /m);
    t.match(r.stdout, /2 of 3 guests converted, 1 failed\./);
    const j = checkDocument(readFileSync(report, 'utf8'), '--report') as { jobs: number; ok: boolean; guests: { guest: string; result: string; changes: number; summary: string; errors: { code: string; message: string }[] }[] };
    t.equal(j.ok, false, 'not ok: a guest failed');
    t.equal(j.jobs, 2);
    t.same(j.guests.map((g: { guest: string; result: string }) => [g.guest, g.result]), [['alpha', 'converted'], ['bravo', 'failed'], ['charlie', 'converted']]);
    t.match(j.guests[1].errors[0], { code: 'refused', message: /no Linux root filesystem/ });
    t.match(j.guests[1].summary, /no Linux root filesystem/);
    t.equal(j.guests[0].changes, 12);
    t.ok(existsSync(join(ws.dir, 'out', 'alpha.xml')) && existsSync(join(ws.dir, 'out', 'charlie.xml')));
    t.notOk(existsSync(join(ws.dir, 'out', 'bravo.xml')));
    t.same(loopsUnder(ws.dir), [], 'nothing left attached');
    t.same(mountsUnder(ws.runDir), []);

    const again = xen2kvm(ws, ['convert', join(xen, 'alpha'), join(xen, 'charlie'), '-o', join(ws.dir, 'out'), '--json']);
    t.equal(again.code, 0, 'exit 0: all converted (already)');
    t.same(JSON.parse(again.stdout).guests.map((g: { result: string }) => g.result), ['already-converted', 'already-converted']);
  });

  t.test('a bad config stops the batch before any guest is touched (exit 2)', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'delta'), { name: 'delta' });
    const bad = join(ws.dir, 'bad.cfg');
    writeFileSync(bad, 'name = "bad"\ndisk = [ "phy:/dev/x,xvda,w",\n');
    const before = sha256(g.images[0]);
    const r = xen2kvm(ws, ['convert', g.config, bad, '-o', join(ws.dir, 'out')]);
    t.equal(r.code, 2);
    t.match(r.stderr, /bad\.cfg:2:8: the list of disk opened here is not closed/);
    t.match(r.stderr, /no guest was touched/);
    t.equal(sha256(g.images[0]), before);
  });
}
