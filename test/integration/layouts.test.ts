// Inspection of layouts beyond RHEL 5, on images built by scripts/images/layouts.ts:
// btrfs subvolumes, GPT with a separate /usr (CoreOS), Ubuntu 10.04 and Arch
// release files, LUKS (refused without a key; opened with one where dm-crypt
// exists: the VM tier), md RAID1 (where the md driver exists: the VM tier). Each
// inspection leaves the image's bytes and the host as they were.
import { spawnSync } from 'node:child_process';
import { onlyGuest } from '../helpers/contract.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildBtrfsGuest, buildPhonyGuest, buildGptUsrGuest, buildLuksGuest, buildMdGuest, buildReleaseGuest } from '../../scripts/images/layouts.js';
import { buildRhel5Guest } from '../../scripts/images/build.js';
import { dmTables, haveDeviceMapper, hostTierOnly, isRoot, strategies, loopsUnder, mountsUnder, sha256, workspace, xen2kvm } from '../helpers/system.js';

const tap = t;
type Tap = Parameters<Parameters<typeof tap.test>[0]>[0];

/** md arrays can be made here: the md driver is loaded or loads. */
function haveMd(): boolean {
  if (!existsSync('/proc/mdstat')) spawnSync('modprobe', ['md_mod']);
  if (existsSync('/proc/mdstat')) spawnSync('modprobe', ['raid1']);
  return existsSync('/proc/mdstat') && spawnSync('sh', ['-c', 'command -v mdadm']).status === 0;
}

/** dm-crypt is here (device-mapper, and the crypt target loads). */
function haveDmCrypt(): boolean {
  if (!haveDeviceMapper()) return false;
  spawnSync('modprobe', ['dm-crypt']);
  const r = spawnSync('dmsetup', ['targets'], { encoding: 'utf8' });
  return /\bcrypt\b/.test(r.stdout ?? '');
}

if (!isRoot) {
  t.fail('the integration tests need root (loop devices, mounts)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());
  const nothingLeft = (t: Tap) => {
    t.same(loopsUnder(ws.dir), [], 'no loop device of ours is left');
    t.same(mountsUnder(ws.runDir), [], 'nothing of ours is mounted');
    t.same(dmTables(/^x2k-/), [], 'no LUKS mapping of ours is left');
  };
  const inspect = (t: Tap, config: string, extra: string[] = []) => {
    const r = xen2kvm(ws, ['inspect', config, '--json', ...extra]);
    t.equal(r.code, 0, r.stderr);
    return onlyGuest(r.stdout);
  };

  t.test('btrfs: / in subvolume @, /home in @home (Ubuntu 22.04)', hostTierOnly, async (t) => {
    const g = await buildBtrfsGuest(ws.dir);
    const before = sha256(g.images[0]);
    const j = inspect(t, g.config);
    t.match(j.os, { family: 'debian', distro: 'ubuntu', version: '22.04' });
    t.equal(j.arch, 'x86_64', 'from /bin/sh\'s ELF header');
    t.match(j.filesystems, [{ name: '/dev/xvda1', fstype: 'btrfs', label: 'ubuntu' }]);
    t.same(j.mountpoints, [{ mountpoint: '/', device: '/dev/xvda1' }, { mountpoint: '/home', device: '/dev/xvda1' }], 'both mount points, as virt-inspector lists them');
    const text = xen2kvm(ws, ['inspect', g.config]);
    t.match(text.stderr, /mounted \/, \/home/, 'both subvolumes mounted as fstab says');
    t.equal(sha256(g.images[0]), before, 'not a byte of the image changed');
    nothingLeft(t);
  });

  t.test('GPT with /usr on its own partition, no fstab (CoreOS)', hostTierOnly, async (t) => {
    const g = await buildGptUsrGuest(ws.dir);
    const j = inspect(t, g.config);
    t.match(j.os, { distro: 'coreos', version: '2512.3.0' });
    t.same(j.filesystems.map((f: { mountpoint?: string; label?: string }) => [f.label, f.mountpoint]).sort(), [['ROOT', '/'], ['USR-A', '/usr']]);
    t.equal(j.arch, 'x86_64', '/bin/sh through the /usr partition');
    nothingLeft(t);
  });

  t.test('Ubuntu 10.04 (lsb-release) and Arch release files', hostTierOnly, async (t) => {
    const u = await buildReleaseGuest(ws.dir, 'ubuntu1004', { 'etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=10.04\nDISTRIB_CODENAME=lucid\nDISTRIB_DESCRIPTION="Ubuntu 10.04.4 LTS"\n', 'etc/debian_version': 'squeeze/sid\n' });
    t.match(inspect(t, u.config).os, { family: 'debian', distro: 'ubuntu', version: '10.04', description: 'Ubuntu 10.04.4 LTS' });
    const a = await buildReleaseGuest(ws.dir, 'arch1', { 'etc/os-release': 'NAME="Arch Linux"\nPRETTY_NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\n', 'etc/arch-release': '' });
    t.match(inspect(t, a.config).os, { family: 'arch', distro: 'archlinux', description: 'Arch Linux' }); // libguestfs's name
    nothingLeft(t);
  });

  // What virt-inspector says of libguestfs's phony guests (distro, arch, mount points); xen2kvm must agree.
  const VIRT_INSPECTOR: Record<string, { distro: string; arch: string; product?: RegExp }> = {
    fedora: { distro: 'fedora', arch: 'x86_64', product: /Fedora release 14/ },
    debian: { distro: 'debian', arch: 'x86_64' },
    ubuntu: { distro: 'ubuntu', arch: 'x86_64', product: /Ubuntu 10\.10/ },
    archlinux: { distro: 'archlinux', arch: 'x86_64' },
  };
  for (const [distro, want] of Object.entries(VIRT_INSPECTOR)) {
    t.test(`libguestfs-style phony ${distro}: inspection agrees with virt-inspector`, hostTierOnly, async (t) => {
      const g = await buildPhonyGuest(join(ws.dir, 'phony'), distro as 'fedora');
      const j = inspect(t, g.config);
      t.equal(j.os.distro, want.distro, 'libguestfs\'s distro name');
      t.equal(j.arch, want.arch, 'the architecture from /bin/ls, the binary libguestfs reads');
      if (want.product) t.match(j.os.description, want.product);
      t.same(j.mountpoints, [{ mountpoint: '/', device: '/dev/xvda1' }]);
      nothingLeft(t);
    });
  }

  t.test('LUKS: refused without a key, naming the device and --key', async (t) => {
    const g = await buildLuksGuest(ws.dir);
    const before = sha256(g.images[0]);
    const r = xen2kvm(ws, ['inspect', g.config]);
    t.equal(r.code, 2);
    t.match(r.stderr, /\/dev\/xvda1 is a LUKS-encrypted container \(UUID [0-9a-f-]+\)/);
    t.match(r.stderr, /--key \/dev\/xvda1:file:\/path\/to\/keyfile/);
    t.notMatch(r.stderr, /Filesystems found: none/, 'not the misleading "pass every disk"');
    if (haveDmCrypt()) {
      const j = inspect(t, g.config, ['--key', `/dev/xvda1:file:${g.keyFile}`]);
      t.match(j.os, { distro: 'fedora', version: '38' });
      t.match(j.filesystems, [{ name: /^\/dev\/mapper\/luks-/, fstype: 'ext4', mountpoint: '/' }]);
      t.match(j.notes, [/LUKS container \/dev\/xvda1 opened read-only/]);
      const wrong = xen2kvm(ws, ['inspect', g.config, '--key', 'all:key:not-the-key']);
      t.equal(wrong.code, 1);
      t.match(wrong.stderr, /did not open it \(wrong key\?\)/);
    } else {
      const r2 = xen2kvm(ws, ['inspect', g.config, '--key', `/dev/xvda1:file:${g.keyFile}`]);
      t.equal(r2.code, 1, 'with a key but no dm-crypt: a clear failure');
      t.match(r2.stderr, /no dm-crypt/);
    }
    t.equal(sha256(g.images[0]), before, 'not a byte of the image changed');
    nothingLeft(t);
  });

  t.test('md RAID1 across two disks (Debian installer layout)', { skip: haveMd() ? false : 'no md driver in this kernel: run in the VM tier' }, async (t) => {
    const g = await buildMdGuest(ws.dir);
    const before = g.images.map(sha256);
    const j = inspect(t, g.config);
    t.match(j.os, { distro: 'debian', major: 12 });
    t.match(j.filesystems, [{ name: '/dev/md/0', fstype: 'ext4', mountpoint: '/' }]);
    t.match(j.notes, [/md array 0 \(raid1, \/dev\/xvda1 \+ \/dev\/xvdb1\) assembled read-only/]);
    t.same(g.images.map(sha256), before, 'read-only assembly: not a byte changed');
    t.notMatch(spawnSync('cat', ['/proc/mdstat'], { encoding: 'utf8' }).stdout, /md1[0-2]\d : active/, 'the array was stopped');
    nothingLeft(t);
  });

  for (const strategy of strategies()) {
    t.test(`a root LV extended after swap (two segments), --attach ${strategy}`, async (t) => {
      const g = await buildRhel5Guest(join(ws.dir, `ext-${strategy}`), { name: `ext${strategy}`, extendRootMiB: 32 });
      const r = xen2kvm(ws, ['inspect', g.config, '--json', '--attach', strategy]);
      if (strategy === 'kpartx') {
        t.equal(r.code, 0, r.stderr);
        const j = onlyGuest(r.stdout);
        t.ok(j.filesystems.some((f: { name: string; mountpoint?: string }) => f.name === '/dev/VolGroup00/LogVol00' && f.mountpoint === '/'), 'every LV of an activated VG, linear or not, contiguous or not: the root is found');
      } else {
        t.equal(r.code, 2);
        t.match(r.stderr, /cannot map VolGroup00\/LogVol00 \(its extents are not one contiguous run on one PV\) with loop devices/);
        t.match(r.stderr, /Use --attach kpartx/);
      }
      nothingLeft(t);
    });
  }

  t.test('rollback on a guest never converted changes no byte', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(ws.dir, { name: 'never' });
    const before = sha256(g.images[0]);
    const r = xen2kvm(ws, ['rollback', g.config]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /nothing to roll back/);
    t.equal(sha256(g.images[0]), before, 'not mounted read-write: ext3 mount count and "last mounted" unchanged');
    nothingLeft(t);
  });
}
