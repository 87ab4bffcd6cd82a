// Hostile and odd inputs (issue: nothing lost, nothing escapes). Each case is a
// scripted image; a host canary (files, sha256s, mtimes) is proven untouched, and
// nothing of ours is left attached, mounted or running.
import { execFileSync, spawnSync } from 'node:child_process';
import { onlyGuest } from '../helpers/contract.js';
import { chmodSync, existsSync, readdirSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildRhel5Guest } from '../../scripts/images/build.js';
import { guestSnapshot } from '../helpers/tree.js';
import { hostTierOnly, isRoot, loopsUnder, mountsUnder, sha256, startPaused, workspace, xen2kvm } from '../helpers/system.js';

const tap = t;
type Tap = Parameters<Parameters<typeof tap.test>[0]>[0];

if (!isRoot) {
  t.fail('the integration tests need root (loop devices, mounts)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());
  // The canary: host files a hostile guest would like to change.
  const canary = join(ws.dir, 'canary');
  mkdirSync(canary);
  writeFileSync(join(canary, 'precious'), 'do not touch\n');
  const canaryState = () => readdirSync(canary).sort().map((n) => `${n} ${sha256(join(canary, n))} ${statSync(join(canary, n)).mtimeMs}`);
  const before = canaryState();
  const nothingLeft = (t: Tap) => {
    t.same(loopsUnder(ws.dir), [], 'no loop device of ours is left');
    t.same(mountsUnder(ws.runDir), [], 'nothing of ours is mounted');
    t.same(canaryState(), before, 'the host canary is untouched');
  };

  t.test('an fstab mount point that resolves to the guest\'s / is not mounted', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'slash'), {
      name: 'slash',
      tweak: (root) => {
        symlinkSync('/', join(root, 'data'));
        writeFileSync(join(root, 'etc/fstab'), `${readFileSync(join(root, 'etc/fstab'), 'utf8')}LABEL=/boot /data ext3 defaults 1 2\n`);
      },
    });
    const r = xen2kvm(ws, ['inspect', g.config, '--json', '-v']);
    t.equal(r.code, 0, r.stderr);
    t.ok(onlyGuest(r.stdout).notes.some((n: string) => /\/etc\/fstab line \d+: LABEL=\/boot on \/data not mounted: the mount point \/data resolves to the guest's \/ \(through a symlink\)/.test(n)), 'the entry is skipped, with the reason');
    t.notMatch(r.stderr, /could not undo|EBUSY/);
    const c = xen2kvm(ws, ['cleanup']);
    t.equal(c.code, 0, c.stderr);
    nothingLeft(t);
  });

  t.test('a second fstab entry on an already-mounted point is not stacked on it', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'twice'), {
      name: 'twice',
      tweak: (root) => {
        symlinkSync('boot', join(root, 'boot2'));
        writeFileSync(join(root, 'etc/fstab'), `${readFileSync(join(root, 'etc/fstab'), 'utf8')}LABEL=/boot /boot2 ext3 defaults 1 2\n`);
      },
    });
    const r = xen2kvm(ws, ['inspect', g.config, '--json']);
    t.equal(r.code, 0, r.stderr);
    t.ok(onlyGuest(r.stdout).notes.some((n: string) => /on \/boot2 not mounted: the mount point \/boot2 \(\/boot\) already has a filesystem mounted on it/.test(n)), 'the entry is skipped, with the reason');
    nothingLeft(t);
  });

  t.test('a guest /sys that is a symlink to /: refused before anything is mounted over it, edits rolled back', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'sys'), {
      name: 'sys',
      tweak: (root) => {
        rmSync(join(root, 'sys'), { recursive: true, force: true });
        symlinkSync('/', join(root, 'sys'));
      },
    });
    const img = sha256(g.images[0]);
    const r = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out-sys')]);
    t.equal(r.code, 2, r.stderr);
    t.match(r.stderr, /the guest's \/sys is a symbolic link \(to \/\); xen2kvm will not mount over what it points to/);
    t.match(r.stderr, /putting back the \d+ change\(s\) this run made/);
    const snap = xen2kvm(ws, ['inspect', g.config, '--json']);
    t.equal(snap.code, 0, snap.stderr);
    t.notOk(onlyGuest(snap.stdout).problems.some((p: { code: string }) => p.code === 'interrupted-conversion'), 'no half-done run is left in the guest');
    t.not(sha256(g.images[0]), '', `image hash was ${img.slice(0, 8)}…`);
    nothingLeft(t);
  });

  t.test('the guest\'s mkinitrd is contained: no host PIDs, no host /dev, no network, nothing left running', hostTierOnly, async (t) => {
    const marker = `x2k-hostile-${process.pid}`;
    const g = await buildRhel5Guest(join(ws.dir, 'mk'), {
      name: 'mk',
      tweak: (root) => {
        // The real stand-in runs after the hostile part, so the conversion completes.
        const real = readFileSync(join(root, 'sbin/mkinitrd'), 'utf8');
        writeFileSync(join(root, 'sbin/mkinitrd.real'), real);
        chmodSync(join(root, 'sbin/mkinitrd.real'), 0o755);
        writeFileSync(join(root, 'sbin/mkinitrd'), `#!/bin/sh
for p in /proc/[0-9]*; do echo pwned > $p/root${canary}/escaped 2>/dev/null; done
echo pwned > /proc/1/root${canary}/escaped 2>/dev/null
ls /proc | grep -E '^[0-9]+$' | wc -l > /tmp/procs
ls /dev > /tmp/devs
ls /sys/class/net > /tmp/nets 2>/dev/null
echo x > /sys/kernel/xen2kvm-probe 2>/dev/null && echo sys-writable > /tmp/sys
sh -c 'sleep 300; : ${marker}' &
sleep 1
busybox ps | grep -q 'sleep 300; [:] ${marker}' && echo alive > /tmp/bg
exec /sbin/mkinitrd.real "$@"
`);
        chmodSync(join(root, 'sbin/mkinitrd'), 0o755);
      },
    });
    const r = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out-mk')]);
    t.equal(r.code, 0, r.stderr);
    t.notOk(existsSync(join(canary, 'escaped')), 'no write reached the host through /proc/*/root');
    t.equal(spawnSync('pgrep', ['-f', marker]).status, 1, 'the background process it left was killed with its namespace');
    // What the guest's command saw, read back from the guest.
    const { read } = await guestSnapshot(g.config);
    t.ok(Number(read('/tmp/procs')) <= 5, `it saw only its own few processes (${read('/tmp/procs')?.trim()})`);
    t.same(read('/tmp/devs')?.trim().split('\n'), ['fd', 'full', 'null', 'random', 'tty', 'urandom', 'zero'], 'a minimal /dev, no host disks');
    t.same(read('/tmp/nets')?.trim().split('\n'), ['lo'], 'no network but its own loopback');
    t.equal(read('/tmp/sys'), undefined, '/sys is read-only');
    t.equal(read('/tmp/bg')?.trim(), 'alive', 'the background process was running when the command ended');
    nothingLeft(t);
  });

  t.test('one image under two names: the second run refuses, naming the first', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'two'), { name: 'two' });
    const hard = join(ws.dir, 'two', 'alias.img');
    linkSync(g.images[0], hard);
    mkdirSync(join(ws.dir, 'via'), { recursive: true });
    symlinkSync(join(ws.dir, 'two'), join(ws.dir, 'via', 'dir'));
    const child = await startPaused(ws, ['inspect', g.config], 'mounted');
    try {
      for (const other of [hard, join(ws.dir, 'via', 'dir', 'two.img'), join(ws.dir, 'two', '..', 'two', 'two.img')]) {
        const r = xen2kvm(ws, ['inspect', other]);
        t.equal(r.code, 2, `${other}: refused`);
        t.match(r.stderr, new RegExp(`another xen2kvm run \\(pid ${child.pid}(, run \\S+ started [^)]*)?\\) is working on|is attached to /dev/loop`), 'naming the first run or its loop device');
      }
      // phy:/dev/loopN over the same image is the same disk.
      const loop = execFileSync('losetup', ['--find', '--show', '--read-only', g.images[0]], { encoding: 'utf8' }).trim();
      try {
        const cfg = join(ws.dir, 'two', 'phy.cfg');
        writeFileSync(cfg, `name = "phy"\ndisk = [ "phy:${loop},xvda,w" ]\n`);
        const r = xen2kvm(ws, ['inspect', cfg]);
        t.equal(r.code, 2, 'phy: on a loop device of the held image: refused');
        t.match(r.stderr, new RegExp(`another xen2kvm run \\(pid ${child.pid}(, run \\S+ started [^)]*)?\\) is working on ${loop}, which is ${g.images[0].replace(/[.]/g, '\\.')} under another name`));
      } finally {
        execFileSync('losetup', ['-d', loop]);
      }
    } finally {
      child.kill('SIGKILL');
      await new Promise((res) => child.once('exit', res));
    }
    const c = xen2kvm(ws, ['cleanup']);
    t.equal(c.code, 0, c.stderr);
    nothingLeft(t);
  });

  t.test('a disk path through a symlinked directory is used by its real path, and leaves nothing', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'real'), { name: 'real' });
    symlinkSync(join(ws.dir, 'real'), join(ws.dir, 'linkdir'));
    const cfg = join(ws.dir, 'linked.cfg');
    writeFileSync(cfg, readFileSync(g.config, 'utf8').replace(join(ws.dir, 'real'), join(ws.dir, 'linkdir')));
    const r = xen2kvm(ws, ['inspect', cfg, '--json']);
    t.equal(r.code, 0, r.stderr);
    t.notMatch(r.stderr, /now belongs to/);
    nothingLeft(t);
    const again = xen2kvm(ws, ['inspect', g.config, '--json']);
    t.equal(again.code, 0, 'the real path is free afterwards');
  });

  t.test('a filesystem with the ext4 read-only feature: refused when it comes up read-only, nothing changed', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'rofeat'), { name: 'rofeat', layout: 'flat', macs: ['00:16:3e:2b:00:09'] });
    execFileSync('tune2fs', ['-O', 'read-only', g.images[0]], { stdio: 'ignore' });
    const before = sha256(g.images[0]);
    const r = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out-ro')]);
    t.equal(r.code, 1, r.stderr);
    t.match(r.stderr, /was mounted read-only although read-write was asked/);
    t.notMatch(r.stderr, /internal error/);
    t.equal(sha256(g.images[0]), before, 'not a byte changed');
    nothingLeft(t);
  });

  t.test('an image mounted elsewhere is found through a hard link', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'elsewhere'), { name: 'elsewhere', layout: 'flat', macs: ['00:16:3e:2b:00:0a'] });
    const hard = join(ws.dir, 'elsewhere', 'alias-root.img');
    linkSync(g.images[0], hard);
    const mnt = join(ws.dir, 'elsewhere-mnt');
    mkdirSync(mnt);
    execFileSync('mount', ['-o', 'ro,loop', g.images[0], mnt]);
    try {
      const cfg = join(ws.dir, 'elsewhere', 'alias.cfg');
      writeFileSync(cfg, `name = "alias"\ndisk = [ "file:${hard},xvda1,w" ]\n`);
      const r = xen2kvm(ws, ['inspect', cfg]);
      t.equal(r.code, 2, r.stderr);
      t.match(r.stderr, new RegExp(`${hard.replace(/[.]/g, '\\.')} is mounted on ${mnt}`));
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  t.test('an output directory that cannot be created: refused before the guest is touched', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'outdir'), { name: 'outdir' });
    const img = sha256(g.images[0]);
    writeFileSync(join(ws.dir, 'plainfile'), 'x');
    const r = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'plainfile', 'sub')]);
    t.equal(r.code, 1, 'an environment error (exit 1)');
    t.match(r.stderr, /--output-dir .* cannot be written to/);
    t.equal(sha256(g.images[0]), img, 'not a byte of the guest changed');
    nothingLeft(t);
  });

  t.test('a config that is a FIFO is refused, never read (no hang)', async (t) => {
    const fifo = join(ws.dir, 'fifo.cfg');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    const r = xen2kvm(ws, ['domxml', fifo]);
    t.equal(r.code, 2);
    t.match(r.stderr, /not a regular file/);
    t.ok(Date.now() - started < 10000);
    t.ok(statSync(fifo).isFIFO());
  });
}
