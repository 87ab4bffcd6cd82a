// SUSE sample guests from scratch (scripts/images/suse-tree.ts has their files):
// SLES 11 SP4 on ext3 as vm-install made it, and SLES 12 SP5 / openSUSE Leap 15.5 on
// btrfs with snapper's subvolumes as YaST makes them. No guest tool runs here; btrfs
// is made on a loop device at the partition's offset (no partition scanning needed).
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withCleanup } from '../../src/cleanup.js';
import { run } from '../../src/run.js';
import { MiB, mkext3, mkswapAt, type SampleGuest } from './build.js';
import { writeSles11Tree } from './suse-tree.js';
import { SNAPPER_SUBVOLUMES, SUSE_ROOT_UUID, SUSE_SWAP_UUID, writeSuseGrub2Tree, type SuseGrub2Release } from './suse-grub2-tree.js';

/**
 * A SLES 11 SP4 PV guest as vm-install made it (scripts/images/suse-tree.ts): one MBR
 * disk, swap on xvda1 and / (ext3, /boot inside) on xvda2, no boot loader in the MBR
 * (SUSE's domUloader.py read the kernel and initrd from the filesystem), and the
 * /etc/xen/vm/NAME config vm-install writes.
 */
export async function buildSles11Guest(dir: string, opts: { name?: string; macs?: string[]; onlyXenKernel?: boolean } = {}): Promise<SampleGuest> {
  const name = opts.name ?? 'sles11';
  const macs = opts.macs ?? ['00:16:3e:5a:11:04'];
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'xen2kvm-sample-'));
  try {
    const root = join(scratch, 'root');
    writeSles11Tree({ root, macs, hostname: name, ...(opts.onlyXenKernel ? { onlyXenKernel: true } : {}) });
    const image = join(dir, `${name}.img`);
    const swapStart = 1 * MiB;
    const swapSize = 16 * MiB;
    const rootStart = swapStart + swapSize;
    const rootSize = 96 * MiB;
    rmSync(image, { force: true });
    writeFileSync(image, '');
    truncateSync(image, rootStart + rootSize);
    await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', image], {
      input: `label: dos\nstart=${swapStart / 512}, size=${swapSize / 512}, type=82\nstart=${rootStart / 512}, size=${rootSize / 512}, type=83, bootable\n`,
    });
    await mkswapAt(image, swapStart, swapSize, scratch);
    await mkext3(image, root, rootStart, rootSize);
    const config = join(dir, name);
    writeFileSync(config, `name="${name}"
uuid="6b1f3c2a-9d4e-4f0b-8a7c-5e2d1f0a9b3c"
memory=1024
maxmem=1024
vcpus=1
on_poweroff="destroy"
on_reboot="restart"
on_crash="destroy"
localtime=0
keymap="en-us"
builder="linux"
bootloader="/usr/lib/xen/boot/domUloader.py"
bootargs="--entry=xvda2:/boot/vmlinuz-xen,/boot/initrd-xen"
extra=" xencons=tty "
disk=[ 'file:${image},xvda,w', ]
vif=[ ${macs.map((m) => `'mac=${m},bridge=br0'`).join(', ')}, ]
vfb=['type=vnc,vncunused=1']
`);
    return { name, config, images: [image], macs, filesystems: [{ mountpoint: '/', offset: rootStart, type: 'ext3' }] };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * A SLES 12 SP5 or openSUSE Leap 15.5 PV guest as YaST makes it (scripts/images/
 * suse-tree.ts): one MBR disk, swap on xvda1, btrfs on xvda2 with snapper's layout —
 * @, @/.snapshots, the root in @/.snapshots/1/snapshot as the default subvolume, and
 * @/var, @/home, … mounted by fstab — no boot loader in the MBR (pygrub).
 */
export async function buildSuseGrub2Guest(dir: string, release: SuseGrub2Release, opts: { name?: string; macs?: string[]; tweak?: (root: string) => void } = {}): Promise<SampleGuest> {
  const name = opts.name ?? release;
  const macs = opts.macs ?? ['00:16:3e:5a:15:05'];
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'xen2kvm-sample-'));
  try {
    const root = join(scratch, 'root');
    writeSuseGrub2Tree({ root, release, macs, hostname: name });
    opts.tweak?.(root);
    const image = join(dir, `${name}.img`);
    const swapStart = 1 * MiB;
    const swapSize = 16 * MiB;
    const rootStart = swapStart + swapSize;
    const rootSize = 192 * MiB;
    rmSync(image, { force: true });
    writeFileSync(image, '');
    truncateSync(image, rootStart + rootSize);
    await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', image], {
      input: `label: dos\nstart=${swapStart / 512}, size=${swapSize / 512}, type=82\nstart=${rootStart / 512}, size=${rootSize / 512}, type=83, bootable\n`,
    });
    await mkswapAt(image, swapStart, swapSize, scratch, SUSE_SWAP_UUID);
    await withCleanup(async (stack) => {
      const loopDev = (await run('losetup', ['--find', '--show', '--offset', String(rootStart), '--sizelimit', String(rootSize), image])).stdout.trim();
      stack.push(`losetup -d ${loopDev}`, async () => {
        await run('losetup', ['-d', loopDev]);
      });
      await run('mkfsBtrfs', ['-q', '-f', '-U', SUSE_ROOT_UUID, loopDev]);
      const mnt = mkdtempSync(join(tmpdir(), 'xen2kvm-btrfs-'));
      stack.push(`rmdir ${mnt}`, async () => rmSync(mnt, { recursive: true, force: true }));
      await run('mount', ['-t', 'btrfs', loopDev, mnt]);
      stack.push(`umount ${mnt}`, async () => {
        await run('umount', [mnt]);
      });
      const top = join(mnt, '@');
      const snapshot = join(top, '.snapshots/1/snapshot');
      await run('btrfs', ['-q', 'subvolume', 'create', top]);
      await run('btrfs', ['-q', 'subvolume', 'create', join(top, '.snapshots')]);
      mkdirSync(join(top, '.snapshots/1'));
      await run('btrfs', ['-q', 'subvolume', 'create', snapshot]);
      cpSync(root, snapshot, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      // Each fstab subvolume takes what the tree had at its place; the snapshot keeps the empty mount point.
      for (const s of SNAPPER_SUBVOLUMES.filter((x) => x !== '.snapshots')) {
        mkdirSync(join(top, s, '..'), { recursive: true });
        await run('btrfs', ['-q', 'subvolume', 'create', join(top, s)]);
        cpSync(join(snapshot, s), join(top, s), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
        rmSync(join(snapshot, s), { recursive: true });
        mkdirSync(join(snapshot, s));
      }
      chmodSync(join(top, 'tmp'), 0o1777);
      writeFileSync(join(top, '.snapshots/1/info.xml'), '<?xml version="1.0"?>\n<snapshot>\n  <type>single</type>\n  <num>1</num>\n  <date>2023-06-20 09:12:44</date>\n  <description>first root filesystem</description>\n</snapshot>\n');
      await run('btrfs', ['subvolume', 'set-default', snapshot]);
    });
    const config = join(dir, name);
    writeFileSync(config, `name = "${name}"\nmemory = 1024\nvcpus = 1\nbootloader = "pygrub"\ndisk = [ "file:${image},xvda,w" ]\nvif = [ ${macs.map((m) => `"mac=${m},bridge=br0"`).join(', ')} ]\non_reboot = "restart"\n`);
    return {
      name, config, images: [image], macs,
      filesystems: [{ mountpoint: '/', offset: rootStart, type: 'btrfs', subvol: '@/.snapshots/1/snapshot' }, { mountpoint: '/var', offset: rootStart, type: 'btrfs', subvol: '@/var' }],
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
