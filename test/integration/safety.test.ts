// Integration (root): refusals when the guest's disks are in use, the per-disk
// lock, and SIGKILL in the middle of attach / mount followed by `xen2kvm cleanup`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildRhel5Guest } from '../../scripts/images/build.js';
import { diskIdentity } from '../../src/image/inuse.js';
import { hostTierOnly, isRoot, loopsUnder, mountsUnder, startPaused, strategies, workspace, xen2kvm } from '../helpers/system.js';

if (!isRoot) {
  t.fail('the integration tests need root (loop devices, mounts)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());
  const a = await buildRhel5Guest(ws.dir, { name: 'rhel5' });
  const b = await buildRhel5Guest(ws.dir, { name: 'flat5', layout: 'flat', macs: ['00:16:3e:2b:00:01'] });

  t.test('refused: the image is attached to a loop device elsewhere; --force goes on', hostTierOnly, async (t) => {
    const loop = execFileSync('losetup', ['--find', '--show', '--read-only', a.images[0]], { encoding: 'utf8' }).trim();
    t.teardown(() => execFileSync('losetup', ['-d', loop]));
    const r = xen2kvm(ws, ['inspect', a.config]);
    t.equal(r.code, 2);
    t.match(r.stderr, new RegExp(`the guest's disks are in use:\\n  - ${a.images[0]} is attached to ${loop}`));
    t.match(r.stderr, /Shut the guest down/);
    t.same(loopsUnder(ws.dir), [loop], 'nothing more was attached');
    const f = xen2kvm(ws, ['inspect', a.config, '--force', '--json']);
    t.equal(f.code, 0, f.stderr);
    t.match(f.stderr, /going on despite --force/);
    t.same(loopsUnder(ws.dir), [loop]);
  });

  t.test('refused: the guest is running (xl list names it); nothing is left attached or mounted', hostTierOnly, async (t) => {
    // xl as a dom0 has it: a header, Domain-0, then the guests. The question is asked while the
    // disks attach (it takes a while); the answer must still stop the run before any mount.
    const bin = join(ws.dir, 'fake-xl');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'xl'), `#!/bin/sh\n[ "$1" = list ] || exit 1\nsleep 0.5\nprintf '%s\\n' 'Name  ID   Mem VCPUs State Time(s)' 'Domain-0  0  1024  2  r-----  10.0' 'rhel5  3  512  2  -b----  1.5'\n`, { mode: 0o755 });
    const path = `${bin}:${ws.env.PATH ?? process.env.PATH}`;
    const image = () => createHash('sha256').update(readFileSync(a.images[0])).digest('hex');
    const before = image();
    const r = xen2kvm(ws, ['convert', a.config, '-o', join(ws.dir, 'out-running')], { PATH: path });
    t.equal(r.code, 2, r.stderr);
    t.equal(image(), before, 'the disk image is untouched');
    t.match(r.stderr, /the guest's disks are in use:\n  - the domain rhel5 is running \(xl list\)/);
    t.same(loopsUnder(ws.dir), [], 'the loop devices attached meanwhile are gone');
    t.same(mountsUnder(ws.dir), []);
    const other = xen2kvm(ws, ['inspect', b.config, '--json'], { PATH: path });
    t.equal(other.code, 0, `another guest's name is not refused: ${other.stderr}`);
  });

  t.test('refused: the image is open by a process, which is named', hostTierOnly, async (t) => {
    const holder = spawn('sh', ['-c', `exec 3<'${a.images[0]}'; echo ready; exec sleep 60`], { stdio: ['ignore', 'pipe', 'ignore'] });
    t.teardown(() => holder.kill('SIGKILL'));
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    const r = xen2kvm(ws, ['inspect', a.config]);
    t.equal(r.code, 2);
    t.match(r.stderr, new RegExp(`is open by process ${holder.pid} \\(sleep\\)`));
  });

  t.test('refused: a block device that is mounted', hostTierOnly, async (t) => {
    const loop = execFileSync('losetup', ['--find', '--show', b.images[0]], { encoding: 'utf8' }).trim();
    const mnt = join(ws.dir, 'elsewhere');
    mkdirSync(mnt, { recursive: true });
    execFileSync('mount', ['-o', 'ro,noload', loop, mnt]);
    t.teardown(() => {
      execFileSync('umount', [mnt]);
      execFileSync('losetup', ['-d', loop]);
    });
    const r = xen2kvm(ws, ['inspect', b.config, '--disk', `xvda1=${loop}`]);
    t.equal(r.code, 2);
    t.match(r.stderr, new RegExp(`${loop} is mounted on ${mnt}`));
  });

  t.test('refused: another live run holds the disk lock; a stale lock is taken over', hostTierOnly, async (t) => {
    // Locks are keyed by what the disk is (its device and inode), not by its name.
    const key = createHash('sha256').update((await diskIdentity(a.images[0])).key).digest('hex').slice(0, 24);
    const lock = join(ws.runDir, 'locks', `${key}.lock`);
    mkdirSync(join(ws.runDir, 'locks'), { recursive: true });
    const sleeper = spawn('sleep', ['60']);
    t.teardown(() => sleeper.kill('SIGKILL'));
    writeFileSync(lock, `${sleeper.pid}\n`);
    const r = xen2kvm(ws, ['inspect', a.config]);
    t.equal(r.code, 2);
    t.match(r.stderr, new RegExp(`another xen2kvm run \\(pid ${sleeper.pid}\\) is working on ${a.images[0]}`));
    writeFileSync(lock, '999999\n');
    const ok = xen2kvm(ws, ['inspect', a.config, '--json']);
    t.equal(ok.code, 0, ok.stderr);
  });

  for (const strategy of strategies()) {
    for (const stage of ['attached', 'mounted']) {
      t.test(`SIGKILL once ${stage} (${strategy}), then xen2kvm cleanup leaves nothing`, async (t) => {
        const child = await startPaused(ws, ['inspect', a.config, '--attach', strategy], stage);
        t.ok(loopsUnder(ws.dir).length > 0, 'devices are attached while it runs');
        if (stage === 'mounted') t.ok(mountsUnder(ws.runDir).length >= 2, '/ and /boot are mounted while it runs');
        const gone = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGKILL');
        await gone;
        t.ok(loopsUnder(ws.dir).length > 0, 'a killed run leaves its devices');
        const r = xen2kvm(ws, ['cleanup']);
        t.equal(r.code, 0, r.stderr);
        t.match(r.stderr, /undone: loop device/);
        if (stage === 'mounted') t.match(r.stderr, /undone: mount of/);
        t.same(loopsUnder(ws.dir), [], 'no loop device of ours is left');
        t.same(mountsUnder(ws.runDir), [], 'nothing of ours is mounted');
        const again = xen2kvm(ws, ['cleanup']);
        t.match(again.stderr, /nothing to clean up/, 'cleanup is idempotent');
        const next = xen2kvm(ws, ['inspect', a.config, '--json']);
        t.equal(next.code, 0, 'the guest can be inspected again');
      });
    }
  }

  t.test('SIGTERM while mounted: the run undoes everything itself', hostTierOnly, async (t) => {
    const child = await startPaused(ws, ['inspect', a.config], 'mounted');
    const code = new Promise((resolve) => child.on('exit', (c) => resolve(c)));
    child.kill('SIGTERM');
    t.equal(await code, 143);
    t.same(loopsUnder(ws.dir), []);
    t.same(mountsUnder(ws.runDir), []);
  });

  t.test('cleanup leaves a live run alone', hostTierOnly, async (t) => {
    const child = await startPaused(ws, ['inspect', a.config], 'mounted');
    t.teardown(() => child.kill('SIGKILL'));
    const r = xen2kvm(ws, ['cleanup']);
    t.match(r.stderr, /nothing to clean up/);
    t.ok(mountsUnder(ws.runDir).length >= 2, 'its mounts are still there');
    const gone = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    await gone;
    t.same(mountsUnder(ws.runDir), [], 'SIGINT unwinds');
    t.same(loopsUnder(ws.dir), []);
  });
}
