// Builds sample Xen guests from scratch — disk images and Xen configs — for the
// tests, the benchmarks and `xen2kvm demo`. No mounting: filesystems are made with
// `mke2fs -d` straight from a staging tree, at partition or LV offsets; guest LVM
// metadata is written with activation disabled, so this works without device-mapper.
import { chmodSync, copyFileSync, cpSync, existsSync, readdirSync, mkdtempSync, openSync, closeSync, readSync, rmSync, truncateSync, writeFileSync, writeSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withCleanup, type CleanupStack } from '../../src/cleanup.js';
import { lvmArgs, lvmEnv, scanGuestLvm } from '../../src/lvm/lvm.js';
import { run } from '../../src/run.js';
import { grubBootSector, RHEL5_KERNEL, writeRhel5Tree } from './rhel5-tree.js';
import { DEBIAN_UUID, writeDebianTree, type DebianRelease } from './debian-tree.js';
import { BOOT_UUID, CENTOS, writeCentosTree, type CentosRelease } from './rhel-tree.js';

export const MiB = 1024 * 1024;

export interface SampleGuest {
  name: string;
  /** The Xen config (`/etc/xen/NAME` style). */
  config: string;
  /** Disk images, in vdev order. */
  images: string[];
  macs: string[];
  /** Where each filesystem of the first image starts (for tests that read the files back). */
  filesystems?: { mountpoint: string; offset: number; type: string; subvol?: string }[];
}

export interface SampleOptions {
  name?: string;
  /** `lvm`: MBR with /boot + an LVM PV (VolGroup00) — the seed's layout; `flat`: partitionless xvda1 root + xvda2 swap. */
  layout?: 'lvm' | 'flat';
  vgName?: string;
  /** Size of the whole image (lvm layout) in MiB. */
  sizeMiB?: number;
  /** Size of the root LV in MiB; by default it takes what is left of the VG. */
  rootMiB?: number;
  macs?: string[];
  /** Leave out the non-Xen kernel (a guest that only Xen can boot). */
  onlyXenKernel?: boolean;
  /** No boot loader in the MBR (a guest pygrub booted from the start). */
  emptyMbr?: boolean;
  /** Extend the root LV by this many MiB after the swap LV was made: a root LV in two segments (as `lvextend` leaves it). */
  extendRootMiB?: number;
  /**
   * `flat` layout only: the guest boots dom0's kernel (kernel= and ramdisk= in the config, no kernel or
   * boot loader in its /boot, the kernel's modules in its /lib/modules), as xen-tools without pygrub and
   * older Xen hosts make them. The kernel (RHEL 5's non-Xen one, standing in for a pvops dom0 kernel) and
   * its Xen-only ramdisk go to DIR/xenroot/boot, the Xen host's files.
   */
  dom0Kernel?: boolean;
  /** Changes the staged root (and /boot) tree before the filesystems are made: hostile or odd guests for tests. */
  tweak?: (root: string, boot: string) => void;
}

export async function mkext3(image: string, stage: string, offset: number, sizeBytes: number, label?: string): Promise<void> {
  await run('mke2fs', ['-q', '-F', '-t', 'ext3', '-b', '4096', '-I', '128', ...(label ? ['-L', label] : []), '-d', stage, ...(offset ? ['-E', `offset=${offset}`] : []), image, `${Math.floor(sizeBytes / 1024)}k`]);
}

/** Writes a swap signature for a region of `image` (mkswap on a scratch file, then its first page copied in). */
export async function mkswapAt(image: string, offset: number, sizeBytes: number, scratch: string, uuid?: string): Promise<void> {
  const tmp = join(scratch, 'swap.tmp');
  writeFileSync(tmp, '');
  truncateSync(tmp, sizeBytes);
  await run('mkswap', [...(uuid ? ['-U', uuid] : []), tmp]);
  const page = Buffer.alloc(64 * 1024);
  const fd = openSync(tmp, 'r');
  readSync(fd, page, 0, page.length, 0);
  closeSync(fd);
  const out = openSync(image, 'r+');
  writeSync(out, page, 0, page.length, offset);
  closeSync(out);
  rmSync(tmp);
}

function seedConfig(name: string, disks: string[], macs: string[]): string {
  return `name = "${name}"
uuid = "4a07fde8-f244-2a6d-9603-85ff2179a9bb"
maxmem = 512
memory = 512
vcpus = 2
bootloader = "/usr/bin/pygrub"
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "restart"
vfb = [ "type=vnc,vncunused=1,keymap=en-us" ]
disk = [ ${disks.map((d) => `"${d}"`).join(', ')} ]
vif = [ ${macs.map((m, i) => `"mac=${m},bridge=xenbr${i}"`).join(', ')} ]
`;
}

/** Builds one sample RHEL 5.3 PV guest in `dir`. */
export async function buildRhel5Guest(dir: string, opts: SampleOptions = {}): Promise<SampleGuest> {
  const name = opts.name ?? 'test1';
  const macs = opts.macs ?? ['00:16:3e:1a:d0:96', '00:16:3e:1a:d0:97'];
  const layout = opts.layout ?? 'lvm';
  const vg = opts.vgName ?? 'VolGroup00';
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'xen2kvm-sample-'));
  try {
    const root = join(scratch, 'root');
    const boot = join(scratch, 'boot');
    if (layout === 'flat') {
      writeRhel5Tree({ root, boot: root, rootSpec: '/dev/xvda1', swapSpec: '/dev/xvda2', macs, hostname: `${name}.example.com` });
      let boots = 'bootloader = "/usr/bin/pygrub"';
      if (opts.dom0Kernel) {
        const xenBoot = join(dir, 'xenroot', 'boot');
        mkdirSync(xenBoot, { recursive: true });
        // (Its own initrd, which has no virtio — as a Xen host's ramdisk has none.)
        for (const f of [`vmlinuz-${RHEL5_KERNEL}`, `initrd-${RHEL5_KERNEL}.img`]) copyFileSync(join(root, 'boot', f), join(xenBoot, f));
        for (const f of readdirSync(join(root, 'boot'))) rmSync(join(root, 'boot', f), { recursive: true, force: true });
        rmSync(join(root, 'etc/grub.conf'), { force: true });
        boots = `kernel = "/boot/vmlinuz-${RHEL5_KERNEL}"\nramdisk = "/boot/initrd-${RHEL5_KERNEL}.img"\nroot = "/dev/xvda1 ro"\nextra = "console=xvc0 elevator=noop"`;
      }
      const rootImg = join(dir, `${name}-root.img`);
      const swapImg = join(dir, `${name}-swap.img`);
      for (const f of [rootImg, swapImg]) rmSync(f, { force: true });
      writeFileSync(rootImg, '');
      truncateSync(rootImg, 160 * MiB);
      await mkext3(rootImg, root, 0, 160 * MiB, '/');
      writeFileSync(swapImg, '');
      truncateSync(swapImg, 32 * MiB);
      await run('mkswap', [swapImg]);
      const config = join(dir, name);
      writeFileSync(config, seedConfig(name, [`file:${rootImg},xvda1,w`, `file:${swapImg},xvda2,w`], macs).replace('bootloader = "/usr/bin/pygrub"', boots));
      return { name, config, images: [rootImg, swapImg], macs };
    }

    writeRhel5Tree({ root, boot, rootSpec: `/dev/${vg}/LogVol00`, swapSpec: `/dev/${vg}/LogVol01`, bootSpec: 'LABEL=/boot', macs, hostname: `${name}.example.com`, ...(opts.onlyXenKernel ? { onlyXenKernel: true } : {}) });
    opts.tweak?.(root, boot);
    const image = join(dir, `${name}.img`);
    const total = (opts.sizeMiB ?? 257) * MiB;
    const bootStart = 1 * MiB;
    const bootSize = 64 * MiB;
    const pvStart = bootStart + bootSize;
    const pvSize = total - pvStart;
    rmSync(image, { force: true });
    writeFileSync(image, '');
    truncateSync(image, total);
    if (!opts.emptyMbr) {
      const fd = openSync(image, 'r+');
      writeSync(fd, grubBootSector(), 0, 440, 0);
      closeSync(fd);
    }
    await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', image], {
      input: `label: dos\nstart=${bootStart / 512}, size=${bootSize / 512}, type=83, bootable\nstart=${pvStart / 512}, size=${pvSize / 512}, type=8e\n`,
    });
    await mkext3(image, boot, bootStart, bootSize, '/boot');
    const lvs = await withCleanup((stack) => makeVg(image, pvStart, pvSize, vg, [['LogVol00', opts.rootMiB ?? (opts.extendRootMiB ? 96 : undefined)], ['LogVol01', 32]], stack, opts.extendRootMiB ? ['LogVol00', opts.extendRootMiB] : undefined));
    const rootLv = lvs.find((l) => l.lvName === 'LogVol00')!;
    const swapLv = lvs.find((l) => l.lvName === 'LogVol01')!;
    await mkext3(image, root, pvStart + rootLv.offsetBytes, rootLv.sizeBytes);
    await mkswapAt(image, pvStart + swapLv.offsetBytes, swapLv.sizeBytes, scratch);
    const config = join(dir, name);
    writeFileSync(config, seedConfig(name, [`tap:aio:${image},xvda,w`], macs));
    return { name, config, images: [image], macs };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Writes LVM metadata (PV, VG, LVs) into a region of a file, with activation off.
 * LVs are [name, MiB] with one `undefined` size meaning "the rest", created last.
 */
async function makeVg(file: string, offset: number, size: number, vg: string, lvs: [string, number | undefined][], stack: CleanupStack, extend?: [string, number]) {
  const r = await run('losetup', ['--find', '--show', '--offset', String(offset), '--sizelimit', String(size), file]);
  const loop = r.stdout.trim();
  stack.push(`losetup -d ${loop}`, async () => {
    await run('losetup', ['-d', loop]);
  });
  const args = lvmArgs([loop], 'global { activation = 0 }');
  const noActivation: string[] = [];
  const env = lvmEnv();
  await run('lvm', ['pvcreate', '-ff', '-y', ...args, ...noActivation, loop], { env });
  await run('lvm', ['vgcreate', ...args, ...noActivation, '-s', '32M', vg, loop], { env });
  const ordered = [...lvs.filter(([, s]) => s !== undefined), ...lvs.filter(([, s]) => s === undefined)];
  for (const [lv, mib] of ordered) {
    await run('lvm', ['lvcreate', ...args, ...noActivation, '-an', '-Zn', '-y', ...(mib ? ['-L', `${mib}M`] : ['-l', '100%FREE']), '-n', lv, vg], { env });
  }
  // Put the named-first LVs back in the order asked (root first on disk, as anaconda does, is not needed).
  const scan = await scanGuestLvm([loop]);
  // Extended afterwards, an LV gets a second segment after the others: its filesystem stays in the first.
  if (extend) await run('lvm', ['lvextend', ...args, '-y', '-L', `+${extend[1]}M`, `${vg}/${extend[0]}`], { env });
  return scan.extents;
}

/** A separate image holding a VG named like the guest's, to play the host's own VG in clash tests. */
export async function buildHostVg(dir: string, vg = 'VolGroup00'): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const image = join(dir, 'host-vg.img');
  rmSync(image, { force: true });
  writeFileSync(image, '');
  truncateSync(image, 64 * MiB);
  await withCleanup((stack) => makeVg(image, 0, 64 * MiB, vg, [['hostroot', 32]], stack));
  return image;
}

/**
 * A Debian or Ubuntu PV guest built file by file (scripts/images/debian-tree.ts):
 * one MBR disk, root on xvda1 (ext4) and swap on xvda2, no boot loader in the MBR
 * (pygrub read its grub.cfg under Xen).
 */
export async function buildDebianGuest(dir: string, release: DebianRelease, opts: { name?: string; macs?: string[] } = {}): Promise<SampleGuest> {
  const name = opts.name ?? release;
  const macs = opts.macs ?? ['00:16:3e:4e:0a:01'];
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'xen2kvm-sample-'));
  try {
    const root = join(scratch, 'root');
    writeDebianTree({ root, release, macs, hostname: name });
    const image = join(dir, `${name}.img`);
    const rootStart = 1 * MiB;
    const rootSize = 96 * MiB;
    const swapStart = rootStart + rootSize;
    const swapSize = 16 * MiB;
    rmSync(image, { force: true });
    writeFileSync(image, '');
    truncateSync(image, swapStart + swapSize);
    await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', image], {
      input: `label: dos\nstart=${rootStart / 512}, size=${rootSize / 512}, type=83, bootable\nstart=${swapStart / 512}, size=${swapSize / 512}, type=82\n`,
    });
    await run('mke2fs', ['-q', '-F', '-t', 'ext4', '-b', '4096', '-U', DEBIAN_UUID, '-d', root, '-E', `offset=${rootStart}`, image, `${rootSize / 1024}k`]);
    await mkswapAt(image, swapStart, swapSize, scratch);
    const config = join(dir, name);
    writeFileSync(config, `name = "${name}"\nmemory = 512\nvcpus = 1\nbootloader = "/usr/bin/pygrub"\ndisk = [ "file:${image},xvda,w" ]\nvif = [ ${macs.map((m) => `"mac=${m},bridge=xenbr0"`).join(', ')} ]\non_reboot = "restart"\n`);
    return { name, config, images: [image], macs, filesystems: [{ mountpoint: '/', offset: rootStart, type: 'ext4' }] };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** An xfs filesystem made from a staging tree at a region of `image` (xfs has no mkfs -d: made on a loop device, mounted, filled, let go). */
async function mkxfsFrom(image: string, offset: number, size: number, tree: string, uuid: string | undefined, stack: CleanupStack): Promise<void> {
  const loopDev = (await run('losetup', ['--find', '--show', '--offset', String(offset), '--sizelimit', String(size), image])).stdout.trim();
  stack.push(`losetup -d ${loopDev}`, async () => {
    await run('losetup', ['-d', loopDev]);
  });
  await run('mkfsXfs', ['-q', '-f', ...(uuid ? ['-m', `uuid=${uuid}`] : []), loopDev]);
  const mnt = mkdtempSync(join(tmpdir(), 'xen2kvm-xfs-'));
  await run('mount', ['-t', 'xfs', loopDev, mnt]);
  try {
    cpSync(tree, mnt, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    if (existsSync(join(mnt, 'tmp'))) chmodSync(join(mnt, 'tmp'), 0o1777);
  } finally {
    await run('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
}

/**
 * A CentOS 6.10 or 7.9 PV guest built file by file (scripts/images/rhel-tree.ts):
 * xvda1 /boot (ext4 on 6, xfs on 7), xvda2 an LVM PV with the root and swap LVs
 * (VolGroup/lv_root ext4 on 6, centos/root xfs on 7). CentOS 6's MBR holds GRUB
 * legacy's stage1 (anaconda put it there); CentOS 7's is empty (pygrub booted it).
 */
export async function buildCentosGuest(dir: string, release: CentosRelease, opts: { name?: string; macs?: string[] } = {}): Promise<SampleGuest> {
  const name = opts.name ?? release;
  const macs = opts.macs ?? ['00:16:3e:6c:0a:01'];
  const c = CENTOS[release];
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'xen2kvm-sample-'));
  try {
    const root = join(scratch, 'root');
    const boot = join(scratch, 'boot');
    mkdirSync(boot, { recursive: true });
    writeCentosTree({ root, boot, release, macs, hostname: `${name}.example.com` });
    const image = join(dir, `${name}.img`);
    const xfs = c.fs === 'xfs';
    const bootStart = 1 * MiB;
    const bootSize = (xfs ? 304 : 64) * MiB;
    const pvStart = bootStart + bootSize;
    const rootMiB = xfs ? 320 : 160;
    const pvSize = (rootMiB + 32 + 64) * MiB;
    rmSync(image, { force: true });
    writeFileSync(image, '');
    truncateSync(image, pvStart + pvSize);
    if (release === 'centos6') {
      const fd = openSync(image, 'r+');
      writeSync(fd, grubBootSector(), 0, 440, 0);
      closeSync(fd);
    }
    await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', image], {
      input: `label: dos\nstart=${bootStart / 512}, size=${bootSize / 512}, type=83, bootable\nstart=${pvStart / 512}, size=${pvSize / 512}, type=8e\n`,
    });
    const filesystems = await withCleanup(async (stack) => {
      const lvs = await makeVg(image, pvStart, pvSize, c.vg, [[c.root, rootMiB], [c.swap, 32]], stack);
      const rootLv = lvs.find((l) => l.lvName === c.root)!;
      const swapLv = lvs.find((l) => l.lvName === c.swap)!;
      if (xfs) {
        await mkxfsFrom(image, bootStart, bootSize, boot, BOOT_UUID, stack);
        await mkxfsFrom(image, pvStart + rootLv.offsetBytes, rootLv.sizeBytes, root, undefined, stack);
      } else {
        await run('mke2fs', ['-q', '-F', '-t', 'ext4', '-b', '4096', '-U', BOOT_UUID, '-d', boot, '-E', `offset=${bootStart}`, image, `${bootSize / 1024}k`]);
        await run('mke2fs', ['-q', '-F', '-t', 'ext4', '-b', '4096', '-d', root, '-E', `offset=${pvStart + rootLv.offsetBytes}`, image, `${rootLv.sizeBytes / 1024}k`]);
      }
      await mkswapAt(image, pvStart + swapLv.offsetBytes, swapLv.sizeBytes, scratch);
      return [{ mountpoint: '/', offset: pvStart + rootLv.offsetBytes, type: c.fs }, { mountpoint: '/boot', offset: bootStart, type: c.fs }];
    });
    const config = join(dir, name);
    writeFileSync(config, `name = "${name}"\nmemory = 1024\nvcpus = 1\nbootloader = "/usr/bin/pygrub"\ndisk = [ "file:${image},xvda,w" ]\nvif = [ ${macs.map((m) => `"mac=${m},bridge=xenbr0"`).join(', ')} ]\non_reboot = "restart"\n`);
    return { name, config, images: [image], macs, filesystems };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
