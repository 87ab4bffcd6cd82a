// Guest images of the layouts inspection must understand beyond RHEL 5: btrfs
// subvolumes (Ubuntu's @ and @home), a GPT disk with /usr on its own partition
// (CoreOS's shape: ROOT + USR-A, no fstab), Ubuntu 10.04 (lsb-release only) and
// Arch release files, LUKS (a real LUKS1 container, encrypted here with its
// volume key), and md RAID1 (needs the md driver: the VM tier). The userland is a
// few files — enough for inspection, which reads files; no binaries are run.
import { createCipheriv } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, symlinkSync, truncateSync, writeFileSync, writeSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/run.js';

const MiB = 1024 * 1024;

export interface LayoutGuest {
  name: string;
  config: string;
  images: string[];
  /** A key file, for LUKS guests. */
  keyFile?: string;
}

type Tree = Record<string, string | { link: string } | { dir: true }>;

function writeTree(root: string, tree: Tree): void {
  for (const [path, v] of Object.entries(tree)) {
    const p = join(root, path);
    mkdirSync(join(p, '..'), { recursive: true });
    if (typeof v === 'string') writeFileSync(p, v);
    else if ('link' in v) symlinkSync(v.link, p);
    else mkdirSync(p, { recursive: true });
  }
}

function emptyImage(path: string, size: number): void {
  rmSync(path, { force: true });
  writeFileSync(path, '');
  truncateSync(path, size);
}

function config(name: string, disks: string[]): string {
  return `name = "${name}"\nmemory = 512\nvcpus = 1\nbootloader = "/usr/bin/pygrub"\ndisk = [ ${disks.map((d) => `"${d}"`).join(', ')} ]\nvif = [ "mac=00:16:3e:3c:00:01,bridge=xenbr0" ]\n`;
}

/** A minimal Linux userland: /etc, a shell (the host's busybox, so the ELF header is real), kernel files. */
function userland(extra: Tree, kernel = '5.15.0-91-generic'): Tree {
  return {
    'bin': { link: 'usr/bin' },
    'sbin': { link: 'usr/sbin' },
    'usr/bin/busybox': '',
    'usr/sbin': { dir: true },
    [`boot/vmlinuz-${kernel}`]: 'kernel',
    [`boot/config-${kernel}`]: 'CONFIG_X86_64=y\nCONFIG_VIRTIO_BLK=y\nCONFIG_VIRTIO_PCI=y\nCONFIG_VIRTIO_NET=y\n',
    'etc/hostname': 'guest\n',
    ...extra,
  };
}

function withShell(root: string): void {
  // The guest's /bin/sh is a real x86_64 ELF (the host's busybox-static), for the arch check.
  rmSync(join(root, 'usr/bin/busybox'), { force: true });
  copyFileSync('/bin/busybox', join(root, 'usr/bin/busybox'));
  symlinkSync('busybox', join(root, 'usr/bin/sh'));
}

async function mkext4(image: string, stage: string, offset: number, size: number, label?: string): Promise<void> {
  await run('mke2fs', ['-q', '-F', '-t', 'ext4', ...(label ? ['-L', label] : []), '-d', stage, ...(offset ? ['-E', `offset=${offset}`] : []), image, `${Math.floor(size / 1024)}k`]);
}

/** A partitionless ext4 guest with the given release files (Ubuntu 10.04's lsb-release, Arch's). */
export async function buildReleaseGuest(dir: string, name: string, release: Tree): Promise<LayoutGuest> {
  mkdirSync(dir, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), 'x2k-layout-'));
  try {
    writeTree(stage, userland({ 'etc/fstab': '/dev/xvda1 / ext4 defaults 0 1\n', ...release }));
    withShell(stage);
    const image = join(dir, `${name}.img`);
    emptyImage(image, 64 * MiB);
    await mkext4(image, stage, 0, 64 * MiB);
    const cfg = join(dir, name);
    writeFileSync(cfg, config(name, [`file:${image},xvda1,w`]));
    return { name, config: cfg, images: [image] };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * A guest made the way libguestfs's phony test guests are (its test-data/phony-guests:
 * release files written by hand, /bin/ls a real binary copied from the host, no
 * shell, kernels without a config): virt-inspector names such guests by their
 * release files and its architecture by /bin/ls — so must xen2kvm.
 */
export async function buildPhonyGuest(dir: string, distro: 'fedora' | 'debian' | 'ubuntu' | 'archlinux'): Promise<LayoutGuest> {
  const release: Record<typeof distro, Tree> = {
    fedora: { 'etc/redhat-release': 'Fedora release 14 (Phony)\n', 'etc/fedora-release': 'Fedora release 14 (Phony)\n' },
    debian: { 'etc/debian_version': '5.0.1\n' },
    ubuntu: { 'etc/debian_version': '5.0.1\n', 'etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=10.10\nDISTRIB_CODENAME=maverick\nDISTRIB_DESCRIPTION="Ubuntu 10.10 (Phony Pony)"\n' },
    archlinux: { 'etc/arch-release': '' },
  };
  mkdirSync(dir, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), 'x2k-phony-'));
  try {
    writeTree(stage, { 'bin': { dir: true }, 'etc/fstab': '/dev/xvda1 / ext4 defaults 0 1\n', 'boot/vmlinuz-2.6.34-0.16.phony': 'kernel', ...release[distro] });
    copyFileSync('/bin/ls', join(stage, 'bin/ls'));
    const image = join(dir, `phony-${distro}.img`);
    emptyImage(image, 32 * MiB);
    await mkext4(image, stage, 0, 32 * MiB);
    const cfg = join(dir, `phony-${distro}`);
    writeFileSync(cfg, config(`phony-${distro}`, [`file:${image},xvda1,w`]));
    return { name: `phony-${distro}`, config: cfg, images: [image] };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Ubuntu 22.04 on btrfs, / in subvolume @ and /home in @home (the Ubuntu installer's layout), on an MBR partition. */
export async function buildBtrfsGuest(dir: string, name = 'btrfs1'): Promise<LayoutGuest> {
  mkdirSync(dir, { recursive: true });
  const image = join(dir, `${name}.img`);
  emptyImage(image, 300 * MiB);
  await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', image], { input: 'label: dos\nstart=2048, type=83\n' });
  const loop = (await run('losetup', ['--find', '--show', '--offset', String(MiB), image])).stdout.trim();
  const mnt = mkdtempSync(join(tmpdir(), 'x2k-btrfs-'));
  try {
    await run('mkfsBtrfs', ['-q', '-f', '-L', 'ubuntu', loop]);
    const uuid = (await run('blkid', ['-s', 'UUID', '-o', 'value', loop])).stdout.trim();
    await run('mount', ['-t', 'btrfs', loop, mnt]);
    try {
      await run('btrfs', ['subvolume', 'create', join(mnt, '@')]);
      await run('btrfs', ['subvolume', 'create', join(mnt, '@home')]);
      writeTree(join(mnt, '@'), userland({
        'etc/os-release': 'PRETTY_NAME="Ubuntu 22.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n',
        'etc/fstab': `# / was on /dev/xvda1 during installation\nUUID=${uuid} /     btrfs defaults,subvol=@     0 1\nUUID=${uuid} /home btrfs defaults,subvol=@home 0 2\n`,
        'home': { dir: true },
      }));
      withShell(join(mnt, '@'));
      writeTree(join(mnt, '@home'), { 'ubuntu/.profile': '# ~/.profile\n' });
    } finally {
      await run('umount', [mnt]);
    }
  } finally {
    await run('losetup', ['-d', loop]);
    rmSync(mnt, { recursive: true, force: true });
  }
  const cfg = join(dir, name);
  writeFileSync(cfg, config(name, [`file:${image},xvda,w`]));
  return { name, config: cfg, images: [image] };
}

/** CoreOS's shape: GPT, ROOT (ext4, /etc but no fstab, /usr empty) and USR-A (the OS, mounted at /usr from the kernel command line). */
export async function buildGptUsrGuest(dir: string, name = 'coreos1'): Promise<LayoutGuest> {
  mkdirSync(dir, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), 'x2k-gpt-'));
  try {
    const root = join(stage, 'root');
    const usr = join(stage, 'usr');
    writeTree(root, {
      'bin': { link: 'usr/bin' }, 'sbin': { link: 'usr/sbin' }, 'lib64': { link: 'usr/lib64' }, 'usr': { dir: true },
      'etc/os-release': { link: '../usr/lib/os-release' },
      'etc/coreos/update.conf': 'GROUP=stable\n',
      'etc/hostname': 'coreos1\n',
    });
    writeTree(usr, {
      'lib/os-release': 'NAME="Container Linux by CoreOS"\nID=coreos\nVERSION_ID=2512.3.0\nPRETTY_NAME="Container Linux by CoreOS 2512.3.0 (Oklo)"\n',
      'bin/busybox': '', 'sbin': { dir: true }, 'share/coreos/release': 'COREOS_RELEASE_VERSION=2512.3.0\n',
    });
    copyFileSync('/bin/busybox', join(usr, 'bin/busybox'));
    symlinkSync('busybox', join(usr, 'bin/sh'));
    const image = join(dir, `${name}.img`);
    emptyImage(image, 200 * MiB);
    await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', image], {
      input: 'label: gpt\nstart=2048, size=131072, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="USR-A"\nstart=133120, size=131072, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="ROOT"\n',
    });
    await mkext4(image, usr, 2048 * 512, 131072 * 512, 'USR-A');
    await mkext4(image, root, 133120 * 512, 131072 * 512, 'ROOT');
    const cfg = join(dir, name);
    writeFileSync(cfg, config(name, [`file:${image},xvda,w`]));
    return { name, config: cfg, images: [image] };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * Fedora on LUKS: an MBR partition holding a LUKS1 container (aes-xts-plain64)
 * whose payload is an ext4 root. The container is made by cryptsetup luksFormat
 * (no device-mapper needed); the payload is encrypted here, sector by sector,
 * with the volume key — as dm-crypt would, so any kernel with dm-crypt opens it.
 */
export async function buildLuksGuest(dir: string, name = 'luks1'): Promise<LayoutGuest> {
  mkdirSync(dir, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), 'x2k-luks-'));
  try {
    const keyFile = join(dir, `${name}.key`);
    writeFileSync(keyFile, 'xen2kvm test key\n', { mode: 0o600 });
    const part = join(stage, 'part.img');
    const partSize = 24 * MiB;
    emptyImage(part, partSize);
    await run('cryptsetup', ['luksFormat', '--batch-mode', '--type', 'luks1', '--cipher', 'aes-xts-plain64', '--key-size', '512', '--iter-time', '100', '--key-file', keyFile, part]);
    const dump = (await run('cryptsetup', ['luksDump', '--dump-master-key', '--batch-mode', '--key-file', keyFile, part])).stdout;
    const key = Buffer.from(/MK dump:\s*([0-9a-f\s]+?)\n(?!\s)/.exec(`${dump}\nX`)?.[1].replace(/\s+/g, '') ?? '', 'hex');
    const payload = Number(/Payload offset:\s*(\d+)/.exec((await run('cryptsetup', ['luksDump', part])).stdout)?.[1]) * 512;
    const luksUuid = (await run('cryptsetup', ['luksUUID', part])).stdout.trim();
    if (key.length !== 64 || !payload) throw new Error('could not read the LUKS volume key or payload offset');
    const root = join(stage, 'root');
    writeTree(root, userland({
      'etc/os-release': 'NAME="Fedora Linux"\nVERSION_ID=38\nID=fedora\nPRETTY_NAME="Fedora Linux 38 (Server Edition)"\n',
      'etc/crypttab': `luks-${luksUuid} UUID=${luksUuid} none discard\n`,
      'etc/fstab': `/dev/mapper/luks-${luksUuid} / ext4 defaults 1 1\n`,
    }, '6.2.9-300.fc38.x86_64'));
    withShell(root);
    const plain = join(stage, 'plain.img');
    emptyImage(plain, partSize - payload);
    await mkext4(plain, root, 0, partSize - payload, 'fedora');
    // aes-xts-plain64: each 512-byte sector, IV = its number (64-bit little-endian) from the payload's start.
    const src = openSync(plain, 'r');
    const dst = openSync(part, 'r+');
    const sector = Buffer.alloc(512);
    const iv = Buffer.alloc(16);
    for (let n = 0; n * 512 < partSize - payload; n++) {
      readSync(src, sector, 0, 512, n * 512);
      iv.fill(0);
      iv.writeBigUInt64LE(BigInt(n), 0);
      const c = createCipheriv('aes-256-xts', key, iv);
      const out = Buffer.concat([c.update(sector), c.final()]);
      writeSync(dst, out, 0, 512, payload + n * 512);
    }
    closeSync(src);
    closeSync(dst);
    const image = join(dir, `${name}.img`);
    emptyImage(image, partSize + MiB);
    await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', image], { input: 'label: dos\nstart=2048, type=83\n' });
    const out = openSync(image, 'r+');
    const inp = openSync(part, 'r');
    const buf = Buffer.alloc(MiB);
    for (let off = 0; off < partSize; off += MiB) {
      readSync(inp, buf, 0, MiB, off);
      writeSync(out, buf, 0, MiB, MiB + off);
    }
    closeSync(inp);
    closeSync(out);
    const cfg = join(dir, name);
    writeFileSync(cfg, config(name, [`file:${image},xvda,w`]));
    return { name, config: cfg, images: [image], keyFile };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Two disks, each one partition, members of an md RAID1 holding an ext4 root (Debian's installer's layout). Needs the md driver. */
export async function buildMdGuest(dir: string, name = 'md1'): Promise<LayoutGuest> {
  mkdirSync(dir, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), 'x2k-md-'));
  const images = [join(dir, `${name}-a.img`), join(dir, `${name}-b.img`)];
  const loops: string[] = [];
  const md = '/dev/md99';
  try {
    writeTree(stage, userland({
      'etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
      'etc/fstab': '/dev/md0 / ext4 errors=remount-ro 0 1\n',
      'etc/mdadm/mdadm.conf': 'ARRAY /dev/md/0 metadata=1.2 name=debian:0\n',
    }, '6.1.0-18-amd64'));
    withShell(stage);
    for (const img of images) {
      emptyImage(img, 64 * MiB);
      await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', img], { input: 'label: dos\nstart=2048, type=fd\n' });
      loops.push((await run('losetup', ['--find', '--show', '--offset', String(MiB), img])).stdout.trim());
    }
    await run('mdadm', ['--create', md, '--run', '--quiet', '--level=1', '--raid-devices=2', '--metadata=1.2', '--homehost=debian', '--name=0', '--assume-clean', ...loops]);
    try {
      const size = Number((await run('blockdev', ['--getsize64', md])).stdout.trim());
      await run('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', stage, md, `${Math.floor(size / 1024)}k`]);
    } finally {
      await run('mdadm', ['--stop', md]);
    }
  } finally {
    for (const l of loops) await run('losetup', ['-d', l]).catch(() => undefined);
    rmSync(stage, { recursive: true, force: true });
  }
  const cfg = join(dir, name);
  writeFileSync(cfg, config(name, [`file:${images[0]},xvda,w`, `file:${images[1]},xvdb,w`]));
  return { name, config: cfg, images };
}
