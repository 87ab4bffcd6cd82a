// Interrupted runs: SIGKILL at every stage of a conversion, then `cleanup` and
// `convert` again — the guest ends exactly converted (the same files as a guest
// converted in one go); `rollback --all` then gives back the guest exactly as it
// was before its first conversion, whatever runs were recorded.
import { spawn, spawnSync } from 'node:child_process';
import { onlyGuest } from '../helpers/contract.js';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildRhel5Guest } from '../../scripts/images/build.js';
import { guestSnapshot } from '../helpers/tree.js';
import { bin, hostTierOnly, isRoot, startUntil, loopsUnder, mountsUnder, startPaused, workspace, xen2kvm } from '../helpers/system.js';

/**
 * A snapshot without what differs between runs by design: backup dirs (named by
 * run id), and the bytes of a rebuilt initrd (its cpio and gzip headers carry the
 * build time) — for which what it holds, read from it, stands instead.
 */
function comparable(snap: { tree: Record<string, string>; virtio: Record<string, boolean> }): Record<string, string> {
  return Object.fromEntries(Object.entries(snap.tree).filter(([p]) => !p.startsWith('/var/lib/xen2kvm')).map(([p, v]) => [p, /^\/boot\/initrd-.*\.img$/.test(p) ? v.replace(/ [0-9a-f]{64}$/, snap.virtio[p] ? ' (holds virtio)' : ' (no virtio)') : v]));
}

if (!isRoot) {
  t.fail('the integration tests need root (loop devices, mounts)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());
  const reference = await buildRhel5Guest(join(ws.dir, 'ref'), { name: 'ref' });
  const pristine = comparable(await guestSnapshot(reference.config));
  // (No assertion at the top level before an await: tap would end the file there.)
  const first = xen2kvm(ws, ['convert', reference.config, '-o', join(ws.dir, 'out')]);
  if (first.code !== 0) throw new Error(`the reference conversion failed: ${first.stderr}`);
  const converted = comparable(await guestSnapshot(reference.config));

  for (const stage of ['attached', 'mounted', 'edited', 'guest-command']) {
    t.test(`SIGKILL once ${stage}, then cleanup and convert: exactly converted; rollback --all: exactly original`, hostTierOnly, async (t) => {
      const g = await buildRhel5Guest(join(ws.dir, stage), { name: 'ref' });
      const child = await startPaused(ws, ['convert', g.config, '-o', join(ws.dir, `out-${stage}`)], stage);
      child.kill('SIGKILL');
      await new Promise((res) => child.once('exit', res));
      const c = xen2kvm(ws, ['cleanup']);
      t.equal(c.code, 0, c.stderr);
      t.same(loopsUnder(ws.dir).filter((l) => l), [], 'cleanup left nothing attached');
      t.same(mountsUnder(ws.runDir), [], 'nor mounted');
      if (stage === 'edited' || stage === 'guest-command') {
        const j = onlyGuest(xen2kvm(ws, ['inspect', g.config, '--json']).stdout);
        t.ok(j.problems.some((p: { code: string }) => p.code === 'interrupted-conversion'), 'inspect reports the interrupted run');
      }
      const r = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, `out-${stage}`)]);
      t.equal(r.code, 0, r.stderr);
      if (stage === 'edited' || stage === 'guest-command') t.match(r.stderr, /an earlier conversion \(run \S+\) was interrupted; its changes were put back and the guest converted again/);
      const after = comparable(await guestSnapshot(g.config));
      t.same(after, converted, 'the same files, modes, owners and contents as a guest converted in one go');
      // A second conversion with other settings: two runs recorded.
      t.equal(xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, `out-${stage}`), '--serial-speed', '9600']).code, 0);
      const back = xen2kvm(ws, ['rollback', '--all', g.config]);
      t.equal(back.code, 0, back.stderr);
      t.match(back.stdout, /Rolled back 2 runs .* The guest is as it was before its first conversion\./);
      const snap = await guestSnapshot(g.config);
      t.same(comparable(snap), pristine, 'exactly the original guest');
      t.same(Object.keys(snap.tree).filter((p) => p.startsWith('/var/lib/xen2kvm')), [], 'no backup area is left');
    });
  }

  t.test('SIGKILL at 20 seeded random moments: cleanup + convert is exactly converted, rollback --all exactly original', hostTierOnly, async (t) => {
    const base = await buildRhel5Guest(join(ws.dir, 'random'), { name: 'ref' });
    const copy = (tag: string) => {
      const img = join(ws.dir, 'random', `${tag}.img`);
      copyFileSync(base.images[0], img);
      const cfg = join(ws.dir, 'random', tag);
      writeFileSync(cfg, readFileSync(base.config, 'utf8').split(base.images[0]).join(img));
      return { img, cfg };
    };
    // One whole conversion's length, over which the kills are spread.
    const probe = copy('probe');
    const started = Date.now();
    t.equal(xen2kvm(ws, ['convert', probe.cfg, '-o', join(ws.dir, 'out-random')]).code, 0);
    const span = Date.now() - started;
    rmSync(probe.img);
    let seed = 2021;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      const { img, cfg } = copy(`r${i}`);
      const delay = Math.floor(rand() * span);
      delays.push(delay);
      const child = spawn(bin, ['convert', cfg, '-o', join(ws.dir, 'out-random')], { env: ws.env, stdio: 'ignore' });
      const exited = new Promise((res) => child.once('exit', res));
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL'); // (a run that already ended is not there to kill: the check below holds all the same)
      await exited;
      const c = xen2kvm(ws, ['cleanup']);
      t.equal(c.code, 0, `kill after ${delay} ms: cleanup (${c.stderr.trim()})`);
      const r = xen2kvm(ws, ['convert', cfg, '-o', join(ws.dir, 'out-random')]);
      t.equal(r.code, 0, `kill after ${delay} ms: convert again (${r.stderr.trim().split('\n').pop()})`);
      t.same(comparable(await guestSnapshot(cfg)), converted, `kill after ${delay} ms: exactly converted`);
      const back = xen2kvm(ws, ['rollback', '--all', cfg]);
      t.equal(back.code, 0, back.stderr);
      t.same(comparable(await guestSnapshot(cfg)), pristine, `kill after ${delay} ms: rollback --all gives the original`);
      rmSync(img);
    }
    t.same(loopsUnder(ws.dir), [], 'nothing attached');
    t.comment(`kills at ${delays.join(', ')} ms of a ${span} ms conversion`);
  });

  t.test('Ctrl-C twice during a slow guest mkinitrd: the command is killed, every edit put back, nothing left', hostTierOnly, async (t) => {
    const marker = `x2k-slow-${process.pid}`;
    const g = await buildRhel5Guest(join(ws.dir, 'slow'), {
      name: 'slow',
      tweak: (root) => {
        writeFileSync(join(root, 'sbin/mkinitrd'), `#!/bin/sh\necho started >&2\nexec sh -c 'sleep 300; : ${marker}'\n`);
      },
    });
    const before = comparable(await guestSnapshot(g.config));
    const { child, stderr } = await startUntil(ws, ['convert', g.config, '-o', join(ws.dir, 'out-slow')], /running \/sbin\/mkinitrd/);
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
    t.equal(code, 130, stderr());
    t.match(stderr(), /SIGINT again; undoing everything now/);
    t.equal(spawnSync('pgrep', ['-f', marker]).status, 1, 'the guest command was killed with its namespace');
    t.same(loopsUnder(ws.dir), [], 'nothing attached');
    t.same(mountsUnder(ws.runDir), [], 'nothing mounted');
    t.same(comparable(await guestSnapshot(g.config)), before, 'every edit put back: the guest is as it was');
  });

  t.test('SIGKILL while the guest\'s mkinitrd runs: cleanup kills its namespace, then convert finishes the job', hostTierOnly, async (t) => {
    const marker = `x2k-killed-${process.pid}`;
    const g = await buildRhel5Guest(join(ws.dir, 'killed'), {
      name: 'killed',
      tweak: (root) => {
        const real = join(root, 'sbin/mkinitrd');
        writeFileSync(join(root, 'sbin/mkinitrd.real'), readFileSync(real));
        chmodSync(join(root, 'sbin/mkinitrd.real'), 0o755);
        // Slow the first time (a marker file in the guest says it ran), normal after.
        writeFileSync(real, `#!/bin/sh\nif [ ! -e /root/.slow-done ]; then : > /root/.slow-done; echo slow >&2; sh -c 'sleep 300; : ${marker}'; fi\nexec /sbin/mkinitrd.real "$@"\n`);
      },
    });
    const { child } = await startUntil(ws, ['convert', g.config, '-o', join(ws.dir, 'out-killed')], /running \/sbin\/mkinitrd/);
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    t.equal(spawnSync('pgrep', ['-f', marker]).status, 0, 'the guest command outlived the killed run');
    const c = xen2kvm(ws, ['cleanup']);
    t.equal(c.code, 0, c.stderr);
    t.match(c.stdout + c.stderr, /the guest's \/sbin\/mkinitrd/);
    t.equal(spawnSync('pgrep', ['-f', marker]).status, 1, 'cleanup killed it with its namespace');
    t.same(loopsUnder(ws.dir), [], 'nothing attached');
    t.same(mountsUnder(ws.runDir), [], 'nothing mounted');
    const r = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out-killed')]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, /an earlier conversion \(run \S+\) was interrupted/);
    const j = onlyGuest(xen2kvm(ws, ['inspect', g.config, '--json']).stdout);
    t.notOk(j.problems.some((p: { code: string }) => p.code.startsWith('pending:') || p.code === 'interrupted-conversion'), 'exactly converted');
  });

  t.test('a temp file of a killed write, and a backup dir without manifest, are swept by rollback', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'tmp'), {
      name: 'tmp',
      tweak: (root) => {
        // What a SIGKILL in the middle of an atomic write and before the first manifest leaves.
        writeFileSync(join(root, 'etc/.xen2kvm-0123456789ab.tmp'), 'half a file');
        mkdirSync(join(root, 'var/lib/xen2kvm/backup/20261130T000000-abcdef/files/etc'), { recursive: true });
        writeFileSync(join(root, 'var/lib/xen2kvm/backup/20261130T000000-abcdef/files/etc/inittab'), 'copy');
      },
    });
    const r = xen2kvm(ws, ['rollback', g.config]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /removed 2 leftover\(s\) of an interrupted run/);
    const snap = await guestSnapshot(g.config);
    t.notOk(Object.keys(snap.tree).some((p) => p.includes('.xen2kvm-') || p.startsWith('/var/lib/xen2kvm/backup/2026')), 'both gone');
    const again = xen2kvm(ws, ['rollback', g.config]);
    t.match(again.stdout, /nothing to roll back/);
  });
}
