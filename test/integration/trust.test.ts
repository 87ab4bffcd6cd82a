// Issue 21, the parts beside image headers and initrds: special files in the
// guest are refused (exit 2, naming the guest path, never a hang or exit 70);
// a loop device stacked on another run's device is that run's disk; every exit
// path undoes (EPIPE, SIGHUP), cleanup says what it could not undo and why, a
// run finding a killed run's leftovers names it; environment errors are exit 1
// with their cause, checked before any guest is touched.
import { execFileSync, spawnSync } from 'node:child_process';
import { onlyGuest } from '../helpers/contract.js';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildRhel5Guest } from '../../scripts/images/build.js';
import { bin, hostTierOnly, isRoot, leftovers, loopsUnder, sha256, startPaused, workspace, xen2kvm } from '../helpers/system.js';

const tap = t;
type Tap = Parameters<Parameters<typeof tap.test>[0]>[0];

if (!isRoot) {
  t.fail('the integration tests need root (loop devices, mounts)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());
  const nothingLeft = (t: Tap) => t.same(leftovers(ws), { loops: [], mounts: [], locks: [] }, 'no loop device, mount or lock of ours is left');
  const fifo = (p: string) => {
    rmSync(p, { force: true });
    execFileSync('mkfifo', [p]);
  };
  const socket = (p: string) => {
    rmSync(p, { force: true });
    execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', p]);
  };

  const specials: [string, (root: string, boot: string) => void, RegExp][] = [
    ['grub.conf is a directory', (_r, boot) => {
      rmSync(join(boot, 'grub/grub.conf'));
      mkdirSync(join(boot, 'grub/grub.conf'));
    }, /\/boot\/grub\/(grub\.conf|menu\.lst) in the guest is a directory, not a regular file/],
    ['grub.conf is a FIFO', (_r, boot) => fifo(join(boot, 'grub/grub.conf')), /\/boot\/grub\/(grub\.conf|menu\.lst) in the guest is a FIFO/],
    ['/etc/inittab is a FIFO', (root) => fifo(join(root, 'etc/inittab')), /\/etc\/inittab in the guest is a FIFO/],
    ['/etc/modprobe.conf is a socket', (root) => socket(join(root, 'etc/modprobe.conf')), /\/etc\/modprobe\.conf in the guest is a socket/],
    ['/etc/securetty is a loop of links', (root) => {
      rmSync(join(root, 'etc/securetty'), { force: true });
      symlinkSync('securetty', join(root, 'etc/securetty'));
    }, /\/etc\/securetty in the guest is a loop of symbolic links/],
  ];
  for (const [what, tweak, expected] of specials) {
    t.test(`refused, exit 2: ${what}`, hostTierOnly, async (t) => {
      const g = await buildRhel5Guest(join(ws.dir, what.replace(/\W+/g, '-')), { name: 'special', tweak });
      const before = sha256(g.images[0]);
      for (const args of [['convert', g.config, '-o', join(ws.dir, 'out-special')], ['convert', '--dry-run', g.config]]) {
        const r = spawnSync(bin, args, { encoding: 'utf8', env: ws.env, timeout: 120_000 });
        t.equal(r.signal, null, `${args[1]}: no hang`);
        t.equal(r.status, 2, `${args.join(' ')}: exit 2 (${r.stderr.trim().split('\n').slice(-2).join(' / ')})`);
        t.match(r.stderr, expected, 'the refusal names the guest path and what it is');
        t.notMatch(r.stdout, /unchanged|boots under KVM/, 'never "unchanged", never a claim');
      }
      t.equal(sha256(g.images[0]), before, 'nothing written');
      nothingLeft(t);
    });
  }

  t.test('a loop device stacked on a running conversion\'s own LV device is refused, naming that run', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'alias'), { name: 'alias1' });
    const child = await startPaused(ws, ['convert', g.config, '-o', join(ws.dir, 'out-alias'), '--attach', 'loop'], 'mounted');
    t.teardown(() => {
      child.kill('SIGKILL');
    });
    // The run's loop device whose backing is another loop device: an LV over its partition.
    const lvLoop = JSON.parse(execFileSync('losetup', ['--json', '--list', '-O', 'NAME,BACK-FILE'], { encoding: 'utf8' })).loopdevices
      .find((l: { 'back-file': string }) => /^\/dev\/loop\d+$/.test(l['back-file'] ?? '') && loopsUnder(ws.dir).includes(l['back-file']))?.name as string;
    t.ok(lvLoop, `the run's LV loop device: ${lvLoop}`);
    const stacked = execFileSync('losetup', ['-r', '-f', '--show', lvLoop], { encoding: 'utf8' }).trim();
    t.teardown(() => spawnSync('losetup', ['-d', stacked]));
    const cfg = join(ws.dir, 'alias', 'stacked.cfg');
    writeFileSync(cfg, `name = "alias2"\nmemory = 256\ndisk = [ "phy:${stacked},xvda1,w" ]\n`);
    const r = xen2kvm(ws, ['inspect', cfg]);
    t.equal(r.code, 2, r.stderr);
    t.match(r.stderr, new RegExp(`another xen2kvm run \\(pid ${child.pid}, run \\S+ started [^)]*\\) is working on ${stacked}`));
    t.match(r.stderr, new RegExp(`through ${lvLoop}`), 'it says through which devices');
    // Two disks of one config that are one disk.
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    spawnSync('losetup', ['-d', stacked]);
    t.equal(xen2kvm(ws, ['cleanup']).code, 0);
    const twice = join(ws.dir, 'alias', 'twice.cfg');
    const loop = execFileSync('losetup', ['-r', '-f', '--show', g.images[0]], { encoding: 'utf8' }).trim();
    writeFileSync(twice, `name = "alias3"\nmemory = 256\ndisk = [ "file:${g.images[0]},xvda,w", "phy:${loop},xvdb,w" ]\n`);
    const two = xen2kvm(ws, ['inspect', twice, '--force']);
    spawnSync('losetup', ['-d', loop]);
    t.equal(two.code, 2);
    t.match(two.stderr, new RegExp(`${loop} is the same disk as ${g.images[0]}`));
    nothingLeft(t);
  });

  t.test('stderr closed early (EPIPE): the run still undoes everything', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'epipe'), { name: 'epipe' });
    const r = spawnSync('sh', ['-c', `"${bin}" convert "${g.config}" -v -o "${join(ws.dir, 'out-epipe')}" 2>&1 | head -1; sleep 1`], { encoding: 'utf8', env: ws.env, timeout: 120_000 });
    t.equal(r.status, 0);
    // The run went on without a reader; wait for it to end.
    for (let i = 0; i < 100 && spawnSync('pgrep', ['-f', `convert ${g.config}`]).status === 0; i++) await new Promise((res) => setTimeout(res, 200));
    nothingLeft(t);
    const j = onlyGuest(xen2kvm(ws, ['inspect', g.config, '--json']).stdout);
    t.notOk(j.problems.some((p: { code: string }) => p.code.startsWith('pending:') || p.code === 'interrupted-conversion'), 'and finished the conversion');
  });

  t.test('SIGHUP (the terminal went away): undone, exit 129', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'hup'), { name: 'hup' });
    const child = await startPaused(ws, ['convert', g.config, '-o', join(ws.dir, 'out-hup')], 'mounted');
    child.kill('SIGHUP');
    const code = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
    t.equal(code, 129);
    nothingLeft(t);
  });

  t.test('a killed run\'s leftovers are named; cleanup says what it could not undo and what holds it', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'dead'), { name: 'dead' });
    const child = await startPaused(ws, ['convert', g.config, '-o', join(ws.dir, 'out-dead'), '--attach', 'loop'], 'mounted');
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    const again = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out-dead')]);
    t.equal(again.code, 2);
    t.match(again.stderr, new RegExp(`a xen2kvm run that is no longer running \\(pid ${child.pid}, run \\S+ started `));
    t.match(again.stderr, /Run "xen2kvm cleanup"/);
    t.notMatch(again.stderr, /shut the guest down/i);
    // Something holds one of its loop devices: cleanup cannot detach it, and says why.
    const held = loopsUnder(ws.dir)[0];
    const holder = execFileSync('losetup', ['-r', '-f', '--show', held], { encoding: 'utf8' }).trim();
    const c = xen2kvm(ws, ['cleanup']);
    t.equal(c.code, 1, 'cleanup could not undo everything');
    t.match(c.stderr, new RegExp(`could not undo loop device ${held} .*still attached: held by ${holder} \\(a loop device on it\\)`));
    t.notMatch(c.stderr + c.stdout, new RegExp(`undone: loop device ${held} `), 'never "undone" for what stayed');
    spawnSync('losetup', ['-d', holder]);
    await new Promise((res) => setTimeout(res, 300));
    const c2 = xen2kvm(ws, ['cleanup']);
    t.equal(c2.code, 0, c2.stderr);
    nothingLeft(t);
  });

  t.test('environment errors: exit 1 with the cause, before any guest is touched', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'env'), { name: 'envg' });
    const before = sha256(g.images[0]);
    const cases: [string[], RegExp][] = [
      [['convert', '--all', '--xen-dir', join(ws.dir, 'no-such-dir')], /does not exist: there are no Xen guest configs/],
      [['convert', '--all', '--xen-dir', g.images[0]], /is a file, not the directory of Xen guest configs/],
      [['inspect', g.config, '--report', join(ws.dir, 'missing/dir/r.json')], /--report .* cannot be written: its folder .* does not exist/],
      [['convert', g.config, '--report', join(ws.dir, 'missing/dir/r.json')], /--report .* cannot be written/],
      [['convert', g.config, '-o', '/proc/x2k-out'], /is inside \/proc, a kernel filesystem/],
      [['convert', g.config, '-o', '/sys/kernel/x2k'], /is inside \/sys, a kernel filesystem/],
    ];
    for (const [args, expected] of cases) {
      const r = spawnSync(bin, args, { encoding: 'utf8', env: ws.env, timeout: 60_000 });
      t.equal(r.status, 1, `${args.join(' ')}: exit 1 (${r.stderr.trim().split('\n')[0]})`);
      t.match(r.stderr, expected);
      t.notMatch(r.stderr, /attaching|internal error/, 'checked before attaching');
    }
    t.equal(sha256(g.images[0]), before);
    t.notOk(existsSync(join(ws.dir, 'missing')), 'no folder was made for the report');
    nothingLeft(t);
  });

  t.test('a guest filesystem full to the last reserved block: refused untouched, exit 1', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'full'), { name: 'full', layout: 'flat' });
    // Fill the root filesystem as root would (reserved blocks too).
    const mnt = join(ws.dir, 'full-mnt');
    mkdirSync(mnt);
    execFileSync('mount', ['-o', 'loop', g.images[0], mnt]);
    spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=1M'], { stdio: 'ignore' });
    spawnSync('sh', ['-c', `i=0; while head -c 4096 /dev/zero > "${mnt}/f$i" 2>/dev/null; do i=$((i+1)); done`]);
    execFileSync('umount', [mnt]);
    const before = sha256(g.images[0]);
    const r = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out-full'), '--boot-dir', join(ws.dir, 'boot-full')]);
    t.equal(r.code, 1, r.stderr);
    t.match(r.stderr, /the guest filesystem holding \/\S* is too full for this conversion: .* needed/);
    t.match(r.stderr, /Nothing was changed/);
    t.notMatch(r.stderr, /internal error/);
    t.equal(sha256(g.images[0]), before, 'not a byte written');
    t.equal(xen2kvm(ws, ['convert', '--dry-run', g.config]).code, 0, 'a dry run still shows what would change');
    nothingLeft(t);
  });

  t.test('an exception nobody caught still undoes the run (exit 70)', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'crash'), { name: 'crash' });
    const r = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out-crash')], { XEN2KVM_CRASH_AT: 'mounted' });
    t.equal(r.code, 70, r.stderr);
    t.match(r.stderr, /internal error: .*undoing what this run set up/);
    nothingLeft(t);
  });
}
