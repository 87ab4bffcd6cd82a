// Warm (pre-copy) migration's transfer scripts: blocks.sh (runs on the Xen host and the KVM
// host) under busybox sh, dash and bash, with and without a Python; sync-disk.sh (the KVM
// host's side) through a stand-in ssh that runs the "Xen host's" commands here, under the
// shell being tested. After a pre-copy, changes to the disk, and the final sync, the copy
// must equal the disk byte for byte; a damaged transfer, a disk that changed size and a
// missing pre-copy must each fail with DEST absent; a bandwidth limit must hold.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync, closeSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t from 'tap';

const root = resolve(import.meta.dirname, '../..');
const files = join(root, 'ansible/roles/xen2kvm/files');
const blocks = join(files, 'blocks.sh');
const shells: [string, string[]][] = [['busybox sh', ['/bin/busybox', 'sh']], ['dash', ['/bin/dash']], ['bash --posix', ['/bin/bash', '--posix']]];
const hasPv = spawnSync('pv', ['--version']).status === 0;

const dir = mkdtempSync(join(tmpdir(), 'x2k-warm-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

// A stand-in ssh: drops its options and the target, runs the command under $XEN_SH with
// $XEN_PATH first on PATH and X2K_BLOCKS_NO_PYTHON set from $XEN_NO_PYTHON (the Xen host's
// own Python, or none).
const bin = join(dir, 'bin');
mkdirSync(bin);
writeFileSync(join(bin, 'ssh'), `#!/bin/bash
while [ $# -gt 0 ]; do case $1 in -p|-o|-i) shift 2 ;; -*) shift ;; *) break ;; esac; done
shift
PATH=\${XEN_PATH:+$XEN_PATH:}$PATH X2K_BLOCKS_NO_PYTHON=\${XEN_NO_PYTHON:-} exec \${XEN_SH:-sh} -c "$*"
`);
chmodSync(join(bin, 'ssh'), 0o755);
// a Xen host whose dd damages the first 512 bytes of any read from a disk's start (a bad cable)
const damaged = join(dir, 'damaged-bin');
mkdirSync(damaged);
writeFileSync(join(damaged, 'dd'), `#!/bin/sh
skip=0; for a in "$@"; do case $a in skip=*) skip=\${a#skip=} ;; esac; done
[ "$skip" = 0 ] || exec /bin/dd "$@"
/bin/dd "$@" | { /bin/dd bs=512 count=1 iflag=fullblock of=/dev/null 2>/dev/null; head -c 512 /dev/zero; cat; }
`);
chmodSync(join(damaged, 'dd'), 0o755);

const BS = 65536;
const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
function poke(file: string, block: number, offset = 7) { // change a few bytes of one block
  const fd = openSync(file, 'r+');
  writeSync(fd, randomBytes(8), 0, 8, block * BS + offset);
  closeSync(fd);
}
function sync(mode: 'precopy' | 'final', disk: string, dest: string, env: Record<string, string>, extra: string[] = [], mbit = '0') {
  const r = spawnSync('/bin/bash', [join(files, 'sync-disk.sh'), mode, 'xen', '22', '', '', blocks, disk, String(statSync(disk).size), dest, String(BS), mbit, ...extra], {
    encoding: 'utf8', timeout: 300_000, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env },
  });
  let json: Record<string, unknown> = {};
  try { json = JSON.parse(r.stdout.trim().split('\n').pop() ?? ''); } catch { /* left empty: the test says so */ }
  return { code: r.status, out: r.stdout, err: r.stderr, json };
}

for (const [label, sh] of shells) {
  for (const python of [true, false]) {
    t.test(`Xen host: ${label}, ${python ? 'with' : 'without'} a Python`, { skip: existsSync(sh[0]) ? false : `${sh[0]} is not installed` }, async (t) => {
      const xen = { XEN_SH: sh.join(' '), XEN_NO_PYTHON: python ? '' : '1' };
      const here = mkdtempSync(join(dir, 'case-'));
      const disk = join(here, 'xen.img');
      writeFileSync(disk, randomBytes(48 * BS + 1000)); // 48 blocks and a short last one

      t.test('blocks.sh sums: the sums of every block (or run of 16), the size, the whole disk\'s checksum', async (t) => {
        const r = spawnSync(sh[0], [...sh.slice(1), blocks, 'sums', disk, String(BS), '16', String(statSync(disk).size)], {
          encoding: 'utf8', env: { ...process.env, X2K_BLOCKS_NO_PYTHON: python ? '' : '1' },
        });
        t.equal(r.status, 0, r.stderr);
        const lines = r.stdout.trim().split('\n');
        const data = readFileSync(disk);
        const per = python ? 1 : 16;
        t.equal(lines[0], `blocks ${BS} ${per}`);
        const sums = lines.slice(1, -2);
        t.equal(sums.length, Math.ceil(data.length / (per * BS)));
        t.equal(sums[0], md5(data.subarray(0, per * BS)), 'the first sum is of the first block(s)');
        t.equal(sums[sums.length - 1], md5(data.subarray((sums.length - 1) * per * BS)), 'the last covers the short end');
        t.equal(lines.at(-2), `size ${data.length}`);
        t.equal(lines.at(-1), `whole md5 ${md5(data)}`, 'the whole disk\'s md5 on every path');
      });

      t.test('blocks.sh sums-of: one sum per SPAN blocks from each START, for the closer look', async (t) => {
        const r = spawnSync(sh[0], [...sh.slice(1), blocks, 'sums-of', disk, String(BS), '4'], {
          encoding: 'utf8', input: '0 8\n44 8\n', env: { ...process.env, X2K_BLOCKS_NO_PYTHON: python ? '' : '1' },
        });
        t.equal(r.status, 0, r.stderr);
        const data = readFileSync(disk);
        t.same(r.stdout.trim().split('\n'), [0, 4, 44, 48].map((i) => `${i} ${md5(data.subarray(i * BS, (i + 4) * BS))}`), 'the last span is the short end of the disk');
      });

      t.test('pre-copy, blocks changed while it "runs", final sync: the copy equals the disk', async (t) => {
        const dest = join(here, 'kvm/xvda.img');
        let r = sync('precopy', disk, dest, xen, ['1', '0']);
        t.equal(r.code, 0, r.err);
        t.match(r.json, { mode: 'precopy', bytes: 48 * BS + 1000, sent: 48 * BS + 1000, passes: 1 });
        t.ok(existsSync(`${dest}.xen2kvm-warm`), 'the pre-copy is kept beside DEST');
        t.notOk(existsSync(dest), 'DEST is not there before the final sync');
        for (const b of [0, 1, 2, 17, 31, 48]) poke(disk, b, b === 48 ? 100 : 7); // 48: the short last block
        r = sync('final', disk, dest, xen);
        t.equal(r.code, 0, r.err);
        t.equal(sha256(dest), sha256(disk), 'equal byte for byte');
        t.match(r.json, { mode: 'warm', blocks: 6, sent: 6 * BS, algorithm: 'md5', checksum: md5(readFileSync(disk)) });
        t.match(r.json, { steps: { sums: Number, look: Number, send: Number, verify: Number } }, 'the time of each step');
        t.same(readdirSync(join(here, 'kvm')), ['xvda.img'], 'nothing else left on the KVM side');
      });

      t.test('a second pre-copy pass when asked; then nothing changed, nothing sent', async (t) => {
        const dest = join(here, 'kvm2/xvda.img');
        let r = sync('precopy', disk, dest, xen, ['2', '0']);
        t.equal(r.code, 0, r.err);
        t.match(r.json, { passes: 2, sent: 48 * BS + 1000 }, 'the second pass found nothing to send');
        r = sync('final', disk, dest, xen);
        t.equal(r.code, 0, r.err);
        t.match(r.json, { blocks: 0, sent: 0 });
        t.equal(sha256(dest), sha256(disk));
      });
    });
  }
}

t.test('the KVM host keeps sums per block, per 16 and per 4 in one pass (a Python)', async (t) => {
  const disk = join(dir, 'levels.img');
  writeFileSync(disk, randomBytes(37 * BS + 10));
  const r = spawnSync('/bin/sh', [blocks, 'sums', disk, String(BS), '16', '-', join(dir, 'l16'), '16', join(dir, 'l4'), '4'], { encoding: 'utf8', env: { ...process.env, X2K_BLOCKS_NO_WHOLE: '1' } });
  t.equal(r.status, 0, r.stderr);
  const data = readFileSync(disk);
  const per = (n: number) => [`blocks ${BS} ${n}`, ...Array.from({ length: Math.ceil(data.length / (n * BS)) }, (_, k) => md5(data.subarray(k * n * BS, (k + 1) * n * BS))), `size ${data.length}`, 'whole none -'];
  t.same(r.stdout.trim().split('\n'), per(1));
  t.same(readFileSync(join(dir, 'l16'), 'utf8').trim().split('\n'), per(16));
  t.same(readFileSync(join(dir, 'l4'), 'utf8').trim().split('\n'), per(4));
  const ranges = spawnSync('/bin/sh', [blocks, 'diff-of', '/dev/stdin', join(dir, 'l4')], { encoding: 'utf8', input: `8 ${'0'.repeat(32)}\n12 ${per(4)[4]}\n36 x\n` });
  t.equal(ranges.stdout, '8 4\n36 2\n', 'diff-of: the spans that differ, clipped to the disk (37 blocks and a short one)');
});

t.test('the copy\'s md5: resumed after the first block the sync changed, or read whole without a python3', async (t) => {
  const disk = join(dir, 'resume.img');
  writeFileSync(disk, randomBytes(200 * BS + 300)); // states kept every 64 blocks: 0, 64, 128, 192
  for (const [label, env, changed] of [
    ['resumed at block 128', {}, [130, 199, 200]],
    ['resumed at block 0', {}, [3, 150]],
    ['nothing changed', {}, []],
    ['no python3 on the KVM host', { X2K_SYNC_PYTHON: 'no-such-python' }, [70]],
  ] as [string, Record<string, string>, number[]][]) {
    const dest = join(dir, `resume-${label.replace(/\W+/g, '-')}/xvda.img`);
    const xen = { XEN_SH: 'dash', XEN_NO_PYTHON: '1', ...env };
    t.equal(sync('precopy', disk, dest, xen).code, 0, label);
    for (const b of changed) poke(disk, b, b === 200 ? 100 : 7);
    const r = sync('final', disk, dest, xen);
    t.equal(r.code, 0, `${label}: ${r.err}`);
    t.match(r.json, { blocks: changed.length, checksum: md5(readFileSync(disk)) }, label);
    t.equal(sha256(dest), sha256(disk), label);
  }
  // a resumer that dies at once: the sync fails, saying so, and does not wait for it forever
  const dead = join(dir, 'dead-python');
  writeFileSync(dead, '#!/bin/sh\necho "no memory left" >&2\nexit 1\n');
  chmodSync(dead, 0o755);
  const dest = join(dir, 'resume-dead/xvda.img');
  const xen = { XEN_SH: 'dash', XEN_NO_PYTHON: '1', X2K_SYNC_PYTHON: dead };
  t.equal(sync('precopy', disk, dest, xen).code, 0);
  poke(disk, 5);
  const r = sync('final', disk, dest, xen);
  t.equal(r.code, 1, r.err);
  t.match(r.err, /checksumming the copy .* failed: no memory left/);
  t.notOk(existsSync(dest), 'no DEST');
});

t.test('failures leave no DEST', async (t) => {
  const disk = join(dir, 'f.img');
  writeFileSync(disk, randomBytes(20 * BS));
  const env = { XEN_SH: 'dash', XEN_NO_PYTHON: '1' };

  t.test('a damaged transfer fails the final checksum (exit 4)', async (t) => {
    const dest = join(dir, 'dmg/xvda.img');
    const bad = { ...env, XEN_PATH: damaged };
    t.equal(sync('precopy', disk, dest, bad).code, 0);
    poke(disk, 5);
    const r = sync('final', disk, dest, bad);
    t.equal(r.code, 4, r.err);
    t.match(r.err, /checksum mismatch for .*f\.img after the final sync/);
    t.notOk(existsSync(dest));
  });

  t.test('the disk changed size since the pre-copy (exit 4: copy it cold)', async (t) => {
    const dest = join(dir, 'grown/xvda.img');
    t.equal(sync('precopy', disk, dest, env).code, 0);
    writeFileSync(disk, randomBytes(BS), { flag: 'a' });
    const r = sync('final', disk, dest, env);
    t.equal(r.code, 4, r.err);
    t.match(r.err, /the size of .* changed since the pre-copy/);
    t.notOk(existsSync(dest));
  });

  t.test('a final sync with no pre-copy', async (t) => {
    const r = sync('final', disk, join(dir, 'none/xvda.img'), env);
    t.equal(r.code, 1);
    t.match(r.err, /there is no pre-copy of/);
  });

  t.test('blocks.sh diff says when the sizes differ (exit 3); without a Python the size must be given', async (t) => {
    const a = join(dir, 'a.sums'); const b = join(dir, 'b.sums');
    writeFileSync(a, `blocks ${BS} 1\nx\nsize 1\nwhole md5 x\n`);
    writeFileSync(b, `blocks ${BS} 1\nx\nsize 2\nwhole md5 x\n`);
    const r = spawnSync('/bin/dash', [blocks, 'diff', a, b], { encoding: 'utf8' });
    t.equal(r.status, 3);
    t.match(r.stderr, /the disk is 1 bytes, the copy 2/);
    const s = spawnSync('/bin/dash', [blocks, 'sums', disk, String(BS)], { encoding: 'utf8', env: { ...process.env, X2K_BLOCKS_NO_PYTHON: '1' } });
    t.not(s.status, 0);
    t.match(s.stderr, /without a Python the disk's size in bytes must be given/);
  });
});

t.test('the bandwidth limit holds (pv -L)', { skip: hasPv ? false : 'pv is not installed (scripts/setup.sh --test installs it)' }, async (t) => {
  const disk = join(dir, 'slow.img');
  writeFileSync(disk, randomBytes(2 * 1024 * 1024));
  const env = { XEN_SH: 'dash', XEN_NO_PYTHON: '' };
  let t0 = Date.now();
  const r = sync('precopy', disk, join(dir, 'slow/xvda.img'), env, ['1', '0'], '8'); // 8 Mbit/s = 1 MB/s
  t.equal(r.code, 0, r.err);
  t.ok(Date.now() - t0 >= 1500, `2 MiB at 8 Mbit/s took ${Date.now() - t0} ms`);
  t0 = Date.now();
  const p = spawnSync('/bin/bash', [join(files, 'pull-disk.sh'), 'xen', '22', '', '', disk, String(statSync(disk).size), join(dir, 'slow/cold.img'), '8'], {
    encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env },
  });
  t.equal(p.status, 0, p.stderr);
  t.ok(Date.now() - t0 >= 1500, `pull-disk.sh: 2 MiB at 8 Mbit/s took ${Date.now() - t0} ms`);
  t.match(JSON.parse(p.stdout.trim()), { mode: 'cold', sent: 2 * 1024 * 1024 });
  t.equal(sha256(join(dir, 'slow/cold.img')), sha256(disk));
});
