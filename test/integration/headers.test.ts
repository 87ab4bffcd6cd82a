// Image headers that name another file (issue 21): built by
// scripts/images/hostile-headers with a guest image of the host as the target;
// every one is refused before anything opens it — loop/nbd path and --sandbox vm
// alike — and the target keeps its checksum. --allow-backing accepts a backing
// file the user names; a raw disk whose bytes look like qcow2 stays raw. Then a
// fuzz of qcow2 headers and vmdk descriptors against qemu's own reading.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildRhel5Guest } from '../../scripts/images/build.js';
import { repoRoot } from '../helpers/corpus.js';
import { hostTierOnly, isRoot, loopsUnder, sha256, workspace, xen2kvm } from '../helpers/system.js';
import { qemuInfoReferences, readReferences } from '../../src/image/header.js';

const haveQemuImg = spawnSync('sh', ['-c', 'command -v qemu-img']).status === 0;
const haveVm = spawnSync('sh', ['-c', 'command -v qemu-system-x86_64 && ls /boot/vmlinuz-*']).status === 0;

const FORMAT: Record<string, string> = { qcow2: 'qcow2', qcow: 'qcow', qed: 'qed', vmdk: 'vmdk' };
const formatOf = (file: string) => FORMAT[file.split('.').pop()!];

if (!isRoot) {
  t.fail('the integration tests need root');
} else if (!haveQemuImg) {
  t.fail('qemu-img is missing (scripts/setup.sh installs qemu-utils)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());

  t.test('every hostile header is refused before its target is opened', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'host'), { name: 'victim' });
    const target = g.images[0];
    const dir = join(ws.dir, 'hostile');
    const images = execFileSync(join(repoRoot, 'scripts/images/hostile-headers'), [dir, target], { encoding: 'utf8' }).trim().split('\n');
    // (Taken after the build: qemu-img create formats an external data file it is given.)
    const before = sha256(target);
    t.equal(images.length, 8, 'eight attacks built');
    const config = readFileSync(g.config, 'utf8');
    for (const image of images) {
      const fmt = formatOf(image);
      const cfg = join(dir, `${image}.cfg`);
      writeFileSync(cfg, config.replace(`tap:aio:${target}`, `tap:${fmt}:${join(dir, image)}`).replace(/name = "victim"/, `name = "h${images.indexOf(image)}"`));
      for (const args of [['convert', cfg], ['inspect', cfg], ['convert', '--sandbox', 'vm', cfg]]) {
        const r = xen2kvm(ws, args);
        t.equal(r.code, 2, `${args.join(' ')} ${image}: exit 2 (${r.stderr.trim().split('\n')[0]})`);
        t.match(r.stderr, /names (a backing file|an external data file|an extent file) in its header|backing file/, `${image}: the refusal says what the header names`);
        t.match(r.stderr, /qemu-img convert|--allow-backing/, `${image}: and how to get a self-contained image`);
      }
    }
    t.equal(sha256(target), before, 'the target image kept its checksum');
    t.same(loopsUnder(ws.dir), [], 'nothing attached');
  });

  t.test('a raw disk that looks like qcow2 stays raw: its header is never read', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'raw'), { name: 'rawlook' });
    const dir = join(ws.dir, 'raw', 'h');
    execFileSync(join(repoRoot, 'scripts/images/hostile-headers'), [dir, g.images[0]]);
    const disguised = join(ws.dir, 'raw', 'disguised.img');
    copyFileSync(join(dir, 'qcow2-backing.qcow2'), disguised);
    const before = sha256(g.images[0]);
    t.ok(before, 'the target, as the attacks were built');
    const r = xen2kvm(ws, ['inspect', disguised, '--json']);
    t.notMatch(r.stderr, /header|backing/, 'no header reading for a raw disk');
    t.equal(sha256(g.images[0]), before);
    t.same(loopsUnder(ws.dir), []);
  });

  t.test('--allow-backing: a backing file the user names is locked, checked and read-only', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'allow'), { name: 'allowed' });
    const base = g.images[0];
    const top = join(ws.dir, 'allow', 'top.qcow2');
    execFileSync('qemu-img', ['create', '-f', 'qcow2', '-b', base, '-F', 'raw', top]);
    const cfg = join(ws.dir, 'allow', 'top.cfg');
    writeFileSync(cfg, readFileSync(g.config, 'utf8').replace(`tap:aio:${base}`, `tap:qcow2:${top}`));
    const before = sha256(base);
    // Without it: refused, naming the file and the option.
    const no = xen2kvm(ws, ['convert', '--sandbox', 'vm', '--dry-run', cfg]);
    t.equal(no.code, 2);
    t.match(no.stderr, new RegExp(`names a backing file in its header: ${base}`));
    t.match(no.stderr, /--allow-backing/);
    // A backing file that is in use is refused like the disk itself.
    const holder = spawnSync('losetup', ['--find', '--show', '--read-only', base], { encoding: 'utf8' }).stdout.trim();
    const busy = xen2kvm(ws, ['convert', '--sandbox', 'vm', '--dry-run', '--allow-backing', base, cfg]);
    spawnSync('losetup', ['-d', holder]);
    t.equal(busy.code, 2);
    t.match(busy.stderr, new RegExp(`${base} is attached to ${holder}`));
    if (!haveVm) return;
    const yes = xen2kvm(ws, ['convert', '--sandbox', 'vm', '--dry-run', '--allow-backing', base, cfg]);
    t.equal(yes.code, 0, yes.stderr);
    t.match(yes.stdout, /would change +grub-default/, 'the guest read through its backing file');
    t.equal(sha256(base), before, 'the backing file was opened read-only');
  });

  t.test('fuzz: qcow2 headers and vmdk descriptors never send qemu to another file', hostTierOnly, async (t) => {
    const dir = join(ws.dir, 'fuzz');
    const target = join(ws.dir, 'fuzz-target.img');
    execFileSync('truncate', ['-s', '16M', target]);
    execFileSync(join(repoRoot, 'scripts/images/hostile-headers'), [dir, target]);
    execFileSync('qemu-img', ['create', '-f', 'qcow2', join(dir, 'plain.qcow2'), '16M']);
    const targetSum = sha256(target);
    let seed = 21;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const bases = ['plain.qcow2', 'qcow2-backing.qcow2', 'qcow2-data-file.qcow2'].map((f) => readFileSync(join(dir, f)).subarray(0, 65536));
    const interesting = [0, 1, 8, 72, 104, 112, 511, 512, 4096, 65535, 65536, 0x7fffffff, 0xffffffff];
    const cases: { format: string; bytes: Buffer }[] = [];
    for (let i = 0; i < 700; i++) {
      const b = Buffer.from(bases[rand(bases.length)]);
      const kind = rand(4);
      if (kind === 0) for (let k = 0; k <= rand(4); k++) b[rand(512)] = rand(256);
      else if (kind === 1) b.writeUInt32BE(interesting[rand(interesting.length)], [12, 16, 100, 104, 108][rand(5)]);
      else if (kind === 2) b.writeBigUInt64BE(BigInt(rand(16)), 72 + 8 * rand(3));
      else {
        // An extension of a chosen type and length after the header.
        b.writeUInt32BE([0x44415441, 0xe2792aca, 0x6803f857, 0][rand(4)], 104);
        b.writeUInt32BE(interesting[rand(interesting.length)] % 70000, 108);
        b.write(target, 112, 'latin1');
      }
      cases.push({ format: 'qcow2', bytes: b });
    }
    const access = ['RW', 'RDONLY', 'NOACCESS', 'rw', ' RW', 'RW\t'];
    const types = ['FLAT', 'SPARSE', 'ZERO', 'VMFS', 'VMFSSPARSE', 'VMFSRDM', 'SESPARSE', 'BOGUS'];
    const names = [`"${target}"`, '"fuzz-target.img"', `"${join(dir, 'plain.qcow2')}"`, target, '""', `'${target}'`];
    for (let i = 0; i < 400; i++) {
      const lines = ['# Disk DescriptorFile', 'version=1', 'CID=fffffffe', `parentCID=${rand(2) ? 'ffffffff' : '12345678'}`, 'createType="monolithicFlat"'];
      for (let k = 0; k <= rand(3); k++) {
        const line = `${access[rand(access.length)]} ${rand(2) ? 32768 : 'x'} ${types[rand(types.length)]}${rand(5) ? ` ${names[rand(names.length)]}` : ''}${rand(2) ? ' 0' : ''}`;
        lines.push(rand(6) === 0 ? `# ${line}` : line);
      }
      if (rand(4) === 0) lines.push(`${rand(2) ? '# ' : ''}parentFileNameHint="${target}"`);
      const text = lines.join(rand(5) === 0 ? '\r\n' : '\n');
      cases.push({ format: 'vmdk', bytes: Buffer.from(rand(10) === 0 ? text.replace('\n', '\0') : text) });
    }
    let refused = 0;
    let named = 0;
    let accepted = 0;
    let qemuRejected = 0;
    const misses: string[] = [];
    const file = join(dir, 'case');
    for (const [i, c] of cases.entries()) {
      let verdict;
      try {
        verdict = readReferences(c.format, c.bytes);
      } catch (e) {
        misses.push(`case ${i}: the parser threw ${(e as Error).message}`);
        continue;
      }
      if (!verdict.ok) {
        refused++;
        continue;
      }
      if (verdict.references.length > 0) {
        named++;
        continue;
      }
      accepted++;
      // Accepted as self-contained: qemu must agree (it may refuse to open the image at all).
      writeFileSync(file, c.bytes);
      const r = spawnSync('qemu-img', ['info', '--output=json', '-f', c.format, file], { encoding: 'utf8', timeout: 20000 });
      if (r.status !== 0) {
        qemuRejected++;
        continue;
      }
      const refs = qemuInfoReferences(JSON.parse(r.stdout), file);
      if (refs.length > 0) misses.push(`case ${i} (${c.format}): accepted, but qemu reads ${JSON.stringify(refs)}`);
    }
    const line = `header fuzz: ${cases.length} cases — ${refused} refused as unreadable, ${named} refused for naming a file, ${accepted} accepted (qemu-img could not open ${qemuRejected} of them), ${misses.length} misses`;
    t.comment(line);
    console.log(line);
    t.ok(cases.length >= 1000);
    t.same(misses, [], 'no header the parser accepts makes qemu open another file; the parser never throws');
    t.ok(named > 50 && accepted > 50, 'the fuzz reaches both verdicts');
    t.equal(sha256(target), targetSum, 'the target file kept its checksum');
  });
}
