// The edit runner on a guest tree (no disks): backups, manifest, atomic writes
// that keep mode and owner, dry-run, failure rollback, and `rollback` restoring
// the tree exactly.
import { chmodSync, chownSync, lstatSync, readFileSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { rhel5 } from '../../src/families/rhel5.js';

const RHEL_EDITS = rhel5.edits;
import { planChkconfig, parseChkconfigHeader } from '../../src/tree/rc-links.js';
import { rollbackGuest, listRuns } from '../../src/tree/rollback.js';
import { applyEdits } from '../../src/tree/runner.js';
import { rootFs } from '../../src/tree/fs.js';
import { writeNewc } from '../../scripts/images/cpio-write.js';
import { RHEL5_KERNEL } from '../../scripts/images/rhel5-tree.js';
import { contextFor, sampleTree } from '../helpers/edit-context.js';
import { walk as snapshot } from '../helpers/image-tree.js';

/** A fake mkinitrd: writes an initrd with (or without) the virtio modules. */
function fakeMkinitrd(root: string, withVirtio: boolean) {
  return async (argv: string[]) => {
    const image = argv[argv.length - 2];
    const mods = withVirtio ? ['virtio_blk', 'virtio_pci', 'virtio_ring', 'virtio', 'ext3'] : ['ext3'];
    writeFileSync(join(root, image), gzipSync(writeNewc(mods.map((m) => ({ name: `lib/${m}.ko`, type: 'file' as const, data: Buffer.from(m) })))));
  };
}

t.test('chkconfig headers and offline link planning', async (t) => {
  t.same(parseChkconfigHeader('#!/bin/sh\n# chkconfig: 345 05 95\n'), { levels: '345', start: '05', stop: '95' });
  t.same(parseChkconfigHeader('# chkconfig: - 58 74'), { levels: '-', start: '58', stop: '74' });
  const root = sampleTree();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const fs = rootFs(root);
  t.same(await planChkconfig(fs, 'kudzu', false), [3, 4, 5].map((l) => ({ op: 'rename', from: `/etc/rc.d/rc${l}.d/S05kudzu`, to: `/etc/rc.d/rc${l}.d/K95kudzu` })));
  t.same((await planChkconfig(fs, 'ntpd', true)).map((o) => (o.op === 'rename' ? o.to : '')), [2, 3, 4, 5].map((l) => `/etc/rc.d/rc${l}.d/S58ntpd`));
  t.same(await planChkconfig(fs, 'nosuch', false), []);
});

t.test('apply: every change backed up, modes and owners kept; rollback restores the tree exactly', async (t) => {
  const root = sampleTree();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  chownSync(join(root, 'etc/inittab'), 4242, 4343);
  chmodSync(join(root, 'etc/inittab'), 0o640);
  const before = snapshot(root);
  const ctx = await contextFor(root);
  const fs = rootFs(root);
  const r = await applyEdits(fs, RHEL_EDITS, ctx, { dryRun: false, runId: '20261127T000000-aaaaaa', label: 'test1', runInGuest: fakeMkinitrd(root, true) });
  t.same(r.outcomes.filter((o) => o.changed).map((o) => o.id), ['grub-default', 'grub-console', 'grub-clock', 'device-map', 'modprobe', 'inittab', 'securetty', 'kudzu', 'ntpd', 'sysconfig-kernel', 'initrd', 'selinux-relabel']);
  const st = lstatSync(join(root, 'etc/inittab'));
  t.same([st.mode & 0o7777, st.uid, st.gid], [0o640, 4242, 4343], 'mode and owner kept');
  t.equal(lstatSync(join(root, 'etc/securetty')).mode & 0o777, 0o600);
  t.equal(lstatSync(join(root, 'boot/grub/menu.lst')).isSymbolicLink(), true, 'menu.lst is still a link to grub.conf');
  t.match(readFileSync(join(root, 'boot/grub/grub.conf'), 'utf8'), /default=0/);
  t.ok(lstatSync(join(root, '.autorelabel')).isFile());
  t.ok(lstatSync(join(root, 'etc/rc.d/rc3.d/K95kudzu')).isSymbolicLink());
  t.equal(readdirSync(join(root, 'etc')).filter((f) => /augsave|\.tmp$|xen2kvm/.test(f)).length, 0, 'no clutter next to the guest\'s files');
  const runs = await listRuns(fs);
  t.equal(runs.length, 1);
  t.equal(runs[0].complete, true);
  const grubEntry = runs[0].entries.find((e) => e.action === 'modified' && e.path === '/boot/grub/grub.conf');
  t.ok(grubEntry, 'grub.conf is backed up once although three edits changed it');
  t.equal(runs[0].entries.filter((e) => e.action === 'modified' && e.path === '/boot/grub/grub.conf').length, 1);
  t.same(runs[0].createdDirs, ['/var/lib/xen2kvm', '/var/lib/xen2kvm/backup', '/var/lib/xen2kvm/backup/20261127T000000-aaaaaa', '/var/lib/xen2kvm/backup/20261127T000000-aaaaaa/files']);

  // A second run changes nothing (the initrd now has virtio, so it is not rebuilt).
  const ctx2 = await contextFor(root);
  const again = await applyEdits(fs, RHEL_EDITS, ctx2, { dryRun: false, runId: '20261127T000001-bbbbbb', label: 'test1', runInGuest: async () => { t.fail('no command the second time'); } });
  t.same(again.outcomes.filter((o) => o.changed).map((o) => o.id), []);
  t.equal(again.manifest, undefined, 'no backup area for a run that changed nothing');

  const rolled = await rollbackGuest(fs);
  t.equal(rolled?.runId, '20261127T000000-aaaaaa');
  t.same(snapshot(root), before, 'paths, modes, owners and sha256s are as before');
  t.equal(await rollbackGuest(fs), undefined, 'rollback is idempotent');
  t.same(snapshot(root), before);
});

t.test('dry-run writes nothing and returns the diffs', async (t) => {
  const root = sampleTree();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const before = snapshot(root);
  const diffs: string[] = [];
  const r = await applyEdits(rootFs(root), RHEL_EDITS, await contextFor(root), { dryRun: true, runId: 'x', label: 'test1', runInGuest: async () => { t.fail('no command in dry-run'); }, onDiff: (d) => diffs.push(d) });
  t.same(snapshot(root), before);
  t.match(r.outcomes.find((o) => o.id === 'inittab')?.diff, /-co:2345:respawn:\/sbin\/agetty xvc0 9600 vt100-nav\n\+co:2345:respawn:\/sbin\/agetty ttyS0 115200 vt100-nav/);
  t.match(diffs.join(''), /run in the guest: \/sbin\/mkinitrd -f --with=virtio_pci --with=virtio_blk --with=virtio_net --builtin=xenblk \/boot\/initrd-2\.6\.18-128\.1\.16\.el5\.img 2\.6\.18-128\.1\.16\.el5/);
  t.match(diffs.join(''), /rename \/etc\/rc\.d\/rc3\.d\/S05kudzu → \/etc\/rc\.d\/rc3\.d\/K95kudzu/);
});

t.test('a dry run shows one diff per file, from the file as it is to the file as it will be', async (t) => {
  const root = sampleTree();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const diffs: string[] = [];
  const dry = await applyEdits(rootFs(root), RHEL_EDITS, await contextFor(root), { dryRun: true, runId: 'x', label: 'test1', runInGuest: async () => undefined, onDiff: (d) => diffs.push(d) });
  const grubDiffs = diffs.filter((d) => d.includes('+++ b/boot/grub/grub.conf'));
  t.equal(grubDiffs.length, 1, 'grub.conf, changed by three edits, has one diff');
  t.ok(['grub-default', 'grub-console', 'grub-clock'].every((id) => dry.outcomes.find((o) => o.id === id)?.changed), '(three edits change it)');
  const original = readFileSync(join(root, 'boot/grub/grub.conf'), 'latin1');
  // The real run on a copy: the dry run's one diff turns the original into exactly its result.
  await applyEdits(rootFs(root), RHEL_EDITS, await contextFor(root), { dryRun: false, runId: 'y', label: 'test1', runInGuest: fakeMkinitrd(root, true) });
  const converted = readFileSync(join(root, 'boot/grub/grub.conf'), 'latin1');
  t.not(converted, original);
  const { applyPatch } = await import('diff');
  t.equal(applyPatch(original, grubDiffs[0]), converted, 'the diff goes from the file as it is to the file as it will be');
  const files = diffs.map((d) => /^\+\+\+ b(\S+)/m.exec(d)?.[1]).filter(Boolean);
  t.equal(new Set(files).size, files.length, 'no file has two diffs');
});

t.test('an initrd without virtio fails the conversion, and every change is put back', async (t) => {
  const root = sampleTree();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const before = snapshot(root);
  await t.rejects(
    applyEdits(rootFs(root), RHEL_EDITS, await contextFor(root), { dryRun: false, runId: 'r1', label: 'test1', runInGuest: fakeMkinitrd(root, false) }),
    /the rebuilt initrd \/boot\/initrd-2\.6\.18-128\.1\.16\.el5\.img lacks virtio_blk and virtio_pci/,
  );
  t.same(snapshot(root), before, 'the old initrd and every edited file are back; no backup area is left');
});

t.test('a command that fails puts everything back too', async (t) => {
  const root = sampleTree();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const before = snapshot(root);
  await t.rejects(applyEdits(rootFs(root), RHEL_EDITS, await contextFor(root), {
    dryRun: false, runId: 'r2', label: 'test1', runInGuest: async () => {
      writeFileSync(join(root, `boot/initrd-${RHEL5_KERNEL}.img`), 'half-written');
      throw new Error('mkinitrd: No module xenblk found');
    },
  }), /No module xenblk/);
  t.same(snapshot(root), before);
});

t.test('guest symlinks are followed inside the guest, never out to the host', async (t) => {
  const root = sampleTree();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const hostFile = join(root, '..', `host-canary-${process.pid}`);
  writeFileSync(hostFile, 'HOST\n');
  t.teardown(() => rmSync(hostFile, { force: true }));
  unlinkSync(join(root, 'etc/securetty'));
  symlinkSync(hostFile, join(root, 'etc/securetty'));
  const ctx = await contextFor(root);
  await applyEdits(rootFs(root), RHEL_EDITS.filter((e) => e.id === 'securetty'), ctx, { dryRun: false, runId: 'r3', label: 'test1', runInGuest: async () => undefined });
  t.equal(readFileSync(hostFile, 'utf8'), 'HOST\n', 'the host file is untouched');
});

t.test('diagnosis: an interrupted conversion is reported with its rollback command', async (t) => {
  const { diagnose } = await import('../../src/edits/diagnose.js');
  const { inspectGuest } = await import('../../src/guest/inspect.js');
  const root = sampleTree();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const fs = rootFs(root);
  const ctx = await contextFor(root);
  await applyEdits(fs, RHEL_EDITS, ctx, { dryRun: false, runId: '20261127T000000-cccccc', label: 'test1', runInGuest: fakeMkinitrd(root, true) });
  const manifestPath = join(root, 'var/lib/xen2kvm/backup/20261127T000000-cccccc/manifest.json');
  const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  writeFileSync(manifestPath, JSON.stringify({ ...m, complete: false }));
  const found = await diagnose(fs, ctx.guest, await inspectGuest(fs), rhel5, '/etc/xen/test1', undefined);
  t.same(found.map((p) => p.code), ['interrupted-conversion']);
  t.equal(found[0].fix, 'xen2kvm rollback /etc/xen/test1 --run-id 20261127T000000-cccccc, then xen2kvm convert /etc/xen/test1');
});
