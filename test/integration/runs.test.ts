// Integration (root): the recorded runs of a guest — `xen2kvm runs`, `rollback
// --dry-run` (nothing changes), an unknown --run-id (exit 2 listing the runs), and
// `cleanup --dry-run` after a killed run (lists, undoes nothing).
import { join } from 'node:path';
import { onlyGuest } from '../helpers/contract.js';
import t from 'tap';
import { buildRhel5Guest } from '../../scripts/images/build.js';
import { hostTierOnly, isRoot, loopsUnder, sha256, startPaused, workspace, xen2kvm } from '../helpers/system.js';

if (!isRoot) {
  t.fail('the integration tests need root (loop devices, mounts)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());
  const out = join(ws.dir, 'out');

  t.test('runs lists what rollback takes; rollback --dry-run changes nothing; an unknown --run-id is refused', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'g'), { name: 'runs', layout: 'flat' });
    const none = xen2kvm(ws, ['runs', g.config]);
    t.equal(none.code, 0, none.stderr);
    t.equal(none.stdout, 'No conversion run is recorded in the guest.\n');

    t.equal(xen2kvm(ws, ['convert', g.config, '-o', out, '--only', 'inittab']).code, 0);
    const full = xen2kvm(ws, ['convert', g.config, '-o', out]);
    t.equal(full.code, 0, full.stderr);
    t.match(full.stderr, /warning: vif 0 stays on bridge xenbr0, which must exist on the KVM host/, 'warnings on stderr');
    t.notMatch(full.stdout, /warning/, 'not on stdout');
    const doc = JSON.parse(xen2kvm(ws, ['runs', g.config, '--json']).stdout);
    const j = doc.guests[0];
    t.equal(doc.schemaVersion, 1);
    t.equal(j.runs.length, 2, 'two runs recorded');
    t.same(j.runs[0].edits, ['inittab'], 'the first changed the inittab only');
    t.ok(j.runs[1].edits.includes('initrd') && !j.runs[1].edits.includes('inittab'), 'the second the rest');
    t.ok(j.runs.every((r: { complete: boolean }) => r.complete));
    const text = xen2kvm(ws, ['runs', g.config]).stdout;
    t.match(text, new RegExp(`^2 conversion run\\(s\\) recorded in the guest, oldest first:\\n  ${j.runs[0].runId} `));
    t.match(text, new RegExp(`${j.runs[1].runId} .* — latest`));

    const before = sha256(g.images[0]);
    const dry = xen2kvm(ws, ['rollback', '--dry-run', g.config]);
    t.equal(dry.code, 0, dry.stderr);
    t.match(dry.stdout, /Would undo \(dry run; nothing was changed\):/);
    t.match(dry.stdout, new RegExp(`  ${j.runs[1].runId}: restore /boot/grub/grub.conf from its backup \\(grub-default\\)`));
    t.notMatch(dry.stdout, new RegExp(`  ${j.runs[0].runId}:`), 'only the latest run by default');
    t.match(xen2kvm(ws, ['rollback', '-n', '--all', g.config]).stdout, new RegExp(`  ${j.runs[0].runId}: restore /etc/inittab from its backup \\(inittab\\)`), '--all plans every run');
    t.equal(sha256(g.images[0]), before, 'the dry runs left the image byte-for-byte unchanged');

    const typo = xen2kvm(ws, ['rollback', '--run-id', '20260101T000000-typo00', g.config]);
    t.equal(typo.code, 2, 'an unknown run id is bad input');
    t.match(typo.stderr, new RegExp(`no conversion run 20260101T000000-typo00 is recorded in ${g.config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; recorded: ${j.runs[0].runId} .*${j.runs[1].runId}`));
    t.match(typo.stderr, /xen2kvm runs/);
    t.equal(sha256(g.images[0]), before, 'and changed nothing');

    const rb = xen2kvm(ws, ['rollback', '--run-id', j.runs[1].runId, g.config]);
    t.equal(rb.code, 0, rb.stderr);
    const left = onlyGuest(xen2kvm(ws, ['runs', g.config, '--json']).stdout);
    t.same(left.runs.map((r: { runId: string }) => r.runId), [j.runs[0].runId], 'the first run is left');
  });

  t.test('cleanup --dry-run after a killed run lists what it would undo and undoes nothing', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'k'), { name: 'killed', layout: 'flat' });
    const child = await startPaused(ws, ['convert', g.config, '-o', out], 'mounted');
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    const held = loopsUnder(ws.dir).filter((l) => l);
    t.ok(held.length > 0, 'the killed run left loop devices');
    const dry = xen2kvm(ws, ['cleanup', '--dry-run']);
    t.equal(dry.code, 0, dry.stderr);
    t.match(dry.stdout, /^Would undo, for 1 run\(s\) no longer running \(dry run; nothing was changed\):\n/);
    t.match(dry.stdout, /loop device/);
    t.same(loopsUnder(ws.dir).filter((l) => l), held, 'still attached after the dry run');
    const c = xen2kvm(ws, ['cleanup']);
    t.equal(c.code, 0, c.stderr);
    t.same(loopsUnder(ws.dir).filter((l) => l), [], 'cleanup detached them');
    t.match(xen2kvm(ws, ['cleanup', '--dry-run']).stderr, /nothing to clean up/);
  });
}
