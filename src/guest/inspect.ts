// Inspection of a mounted guest: distribution, kernels (Xen-only? virtio?),
// their initrds, boot loader, init system, initrd tool — and what a conversion
// needs. Reads through a RootFs, so it works on any tree and never follows a
// guest symlink out to the host.
import { listInitrd, moduleNames, type Decompress } from '../formats/cpio.js';
import { kernelVersionOf, type GrubMenu } from '../formats/grub-legacy.js';
import { cappedDecompress } from './decompress.js';
import { BOOT_LOADERS, loaderOf } from './bootloader.js';
import type { RootFs } from '../tree/fs.js';
import { compareVersions, initrdFor, readKernelConfig, VIRTIO_MODULES, XEN_FLAVOUR, xenFlavour, type KernelFacts } from './kernels.js';
import { detectOs, type OsInfo } from './release.js';
import type { FamilyResolver, FamilyTraits } from './family.js';
import { grub2Tools, type Grub2Tools } from './grub2-tools.js';
import { networkFacts, type NetworkFacts } from './network.js';

export interface GuestProblem {
  /** Stable id, for --json consumers and recovery. */
  code: string;
  message: string;
  /** What to do about it. */
  fix: string;
  /** The guest files it concerns (a pending edit's, a Xen name's). */
  files?: string[];
}

export interface BootloaderFacts {
  kind: 'grub-legacy' | 'grub2' | 'none';
  /** Guest path of the menu file actually read (after links). */
  config?: string;
  /** Guest paths that link to it (menu.lst → ./grub.conf). */
  links?: string[];
  /** Its menu entries: title, and the kernel version each boots. */
  entries?: { title: string; version?: string }[];
}

export interface GuestFacts {
  os: OsInfo;
  /** The key of the family that takes it (src/families/), when xen2kvm converts it. */
  family?: string;
  kernels: KernelFacts[];
  bootloader: BootloaderFacts;
  initSystem: 'sysvinit' | 'upstart' | 'systemd' | 'unknown';
  initrdTool: 'mkinitrd' | 'dracut' | 'update-initramfs' | 'none';
  selinux: 'enforcing' | 'permissive' | 'disabled' | 'absent';
  /** The guest's architecture, from its kernel configs (or /lib64). */
  arch: 'x86_64' | 'i686' | 'aarch64' | 'unknown';
  /** GRUB 2's tools in the guest (update-grub / grub-mkconfig, grub-install). */
  grub2: Grub2Tools;
  /** The interface names the guest's network configuration brings up. */
  network: NetworkFacts;
  problems: GuestProblem[];
}


/** Decompresses gzip in-process, other formats through the given fallback (the `xz` / `zstd` tools); capped (guest/decompress.ts). */
export function decompressWith(external?: Decompress): Decompress {
  return cappedDecompress(external ?? (async (_data, kind) => {
    throw new Error(`${kind}-compressed initrds need the ${kind} tool`);
  }));
}

/**
 * The facts of a mounted guest. `families` picks its family once, from the release
 * files (src/families/index.ts familyOf); without it, no family is known and the
 * hints are generic.
 */
export async function inspectGuest(fs: RootFs, decompress: Decompress = decompressWith(), families?: FamilyResolver): Promise<GuestFacts> {
  const problems: GuestProblem[] = [];
  const os = detectOs({
    redhat: await fs.readText('/etc/redhat-release'),
    centos: await fs.readText('/etc/centos-release'),
    osRelease: (await fs.readText('/etc/os-release')) ?? (await fs.readText('/usr/lib/os-release')),
    debianVersion: await fs.readText('/etc/debian_version'),
    suse: await fs.readText('/etc/SuSE-release'),
    lsb: await fs.readText('/etc/lsb-release'),
    arch: (await fs.kind('/etc/arch-release')) === 'file',
  });
  const family = families?.(os);

  const { bootloader, menu } = await findBootloader(fs);
  if (menu) bootloader.entries = menu.entries.map((e) => ({ title: e.title, ...(e.kernel ? { version: kernelVersionOf(e.kernel.path) } : {}) }));
  const kernels = await findKernels(fs, menu, decompress, problems, family?.xenFlavour ?? XEN_FLAVOUR);

  const initLink = await fs.linkTarget('/sbin/init');
  const initSystem: GuestFacts['initSystem'] = initLink && /systemd/.test(initLink) ? 'systemd'
    : (await fs.kind('/lib/systemd/systemd')) && !(await fs.kind('/etc/inittab')) ? 'systemd'
      : (await fs.kind('/etc/init')) === 'dir' && (await fs.list('/etc/init')).some((f) => f.endsWith('.conf')) ? 'upstart'
        : (await fs.kind('/etc/inittab')) ? 'sysvinit' : 'unknown';
  const initrdTool: GuestFacts['initrdTool'] = (await fs.kind('/usr/sbin/update-initramfs')) ? 'update-initramfs'
    : (await fs.kind('/sbin/dracut')) || (await fs.kind('/usr/bin/dracut')) ? 'dracut'
      : (await fs.kind('/sbin/mkinitrd')) ? 'mkinitrd' : 'none';
  const selinuxText = await fs.readText('/etc/selinux/config');
  const selinuxMode = selinuxText ? /^SELINUX=(\w+)/m.exec(selinuxText)?.[1] : undefined;
  const selinux: GuestFacts['selinux'] = selinuxMode === 'enforcing' || selinuxMode === 'permissive' || selinuxMode === 'disabled' ? selinuxMode : 'absent';

  // The architecture of the guest's own binaries (ELF headers), then its kernel configs; never a guess.
  let arch: GuestFacts['arch'] = await elfArch(fs);
  if (arch === 'unknown') {
    for (const k of kernels) {
      const config = await fs.readText(`/boot/config-${k.version}`);
      if (config && /^CONFIG_X86_64=y/m.test(config)) arch = 'x86_64';
      else if (config && /^CONFIG_X86_32=y|^# CONFIG_64BIT is not set/m.test(config)) arch = 'i686';
    }
  }
  // "Is /boot mounted?" only when the guest has a separate /boot that is not (its fstab names one, and /boot is empty).
  const fstab = (await fs.readText('/etc/fstab')) ?? '';
  const separateBoot = /^\s*[^#\s]+\s+\/boot\s/m.test(fstab);
  const bootHint = separateBoot && (await fs.list('/boot')).length === 0
    ? 'the guest\'s fstab names a separate /boot that was not mounted: pass every disk of the guest (or --disk VDEV=PATH)'
    : 'a guest whose kernel lived in dom0 needs a kernel installed in the guest first (or xen2kvm domxml boots the dom0 kernel directly)';
  diagnose(kernels, bootloader, initrdTool, problems, bootHint, family);
  return { os, ...(family ? { family: family.key } : {}), kernels, bootloader, initSystem, initrdTool, selinux, arch, grub2: await grub2Tools(fs), network: await networkFacts(fs), problems };
}

/** The machine an ELF file is for, from its header (EI_CLASS and e_machine). */
export function elfMachine(head: Buffer): GuestFacts['arch'] {
  if (head.length < 20 || head.readUInt32BE(0) !== 0x7f454c46) return 'unknown';
  const little = head[5] === 1;
  const machine = little ? head.readUInt16LE(18) : head.readUInt16BE(18);
  if (machine === 0x3e && head[4] === 2) return 'x86_64';
  if (machine === 0x03 && head[4] === 1) return 'i686';
  if (machine === 0xb7 && head[4] === 2) return 'aarch64';
  return 'unknown';
}

/** The binaries whose ELF header names the architecture: libguestfs's, in its order (so both tools agree), then ours. */
const ARCH_BINARIES = ['/bin/bash', '/bin/ls', '/bin/echo', '/bin/rm', '/bin/sh', '/bin/busybox', '/sbin/init', '/usr/bin/env'];

/** The guest's architecture from the ELF header of its shell, ls, init … */
async function elfArch(fs: RootFs): Promise<GuestFacts['arch']> {
  for (const p of ARCH_BINARIES) {
    // A binary that is not a regular file says nothing about the architecture (it is not refused here).
    const head = await fs.head(p, 64).catch(() => undefined);
    if (!head) continue;
    const m = elfMachine(head);
    if (m !== 'unknown') return m;
  }
  return 'unknown';
}

async function findBootloader(fs: RootFs): Promise<{ bootloader: BootloaderFacts; menu?: GrubMenu }> {
  for (const loader of BOOT_LOADERS) {
    for (const path of loader.configs) {
      // A boot loader config that is there but not a regular file is refused (fs.isFile), never taken for no boot loader.
      if (!(await fs.isFile(path))) continue;
      const real = await fs.realGuestPath(path);
      const links: string[] = [];
      for (const other of loader.configs) {
        if (other !== real && (await fs.linkTarget(other)) !== undefined && (await fs.realGuestPath(other)) === real) links.push(other);
      }
      // Its menu entries say which kernels the boot loader lists.
      const menu = loader.parseMenu((await fs.readText(real, 16 * 1024 * 1024)) ?? '');
      return { bootloader: { kind: loader.kind, config: real, ...(links.length ? { links } : {}) }, menu };
    }
  }
  return { bootloader: { kind: 'none' } };
}

async function findKernels(fs: RootFs, menu: GrubMenu | undefined, decompress: Decompress, problems: GuestProblem[], xenName: RegExp): Promise<KernelFacts[]> {
  const boot = await fs.list('/boot');
  // Links in /boot are not kernels of their own: SUSE's flavour links (vmlinuz → vmlinuz-VER-default,
  // vmlinuz-xen → vmlinuz-VER-xen) name the kernel they point to, in the menu too.
  const linked = new Map<string, string>();
  for (const f of boot) {
    const target = /^vmlinu[xz]/.test(f) ? await fs.linkTarget(`/boot/${f}`) : undefined;
    if (target !== undefined) linked.set(f, kernelVersionOf(target.replace(/^.*\//, '/boot/')) ?? '');
  }
  const inMenu = new Map<string, number>();
  menu?.entries.forEach((e, i) => {
    const name = e.kernel?.path.replace(/^.*\//, '');
    const v = e.kernel && (linked.get(name ?? '') || kernelVersionOf(e.kernel.path));
    if (v && !inMenu.has(v)) inMenu.set(v, i);
  });
  // vmlinux-VER.gz (SUSE's compressed copy for crash dumps) is the same kernel as vmlinuz-VER.
  const versions = [...new Set(boot.filter((f) => !linked.has(f)).map((f) => /^vmlinu[xz]-(.+?)(\.gz)?$/.exec(f)?.[1]).filter((v): v is string => !!v && !/rescue/.test(v)))];
  const out: KernelFacts[] = [];
  for (const version of versions.sort(compareVersions).reverse()) {
    const { fromConfig, drivers } = await kernelDrivers(fs, version);
    // Xen-only: the config says so; without a config, a Xen flavour name without virtio does.
    const xenOnly = fromConfig ? fromConfig.xenOnly : xenFlavour(version, xenName) && !drivers.virtio_blk;
    const initrd = initrdFor(version, boot);
    const facts: KernelFacts = {
      version, image: `/boot/vmlinuz-${version}`, xenOnly, virtio: !!drivers.virtio_blk, virtioDrivers: drivers,
      inBootloader: inMenu.has(version), default: menu !== undefined && inMenu.get(version) === menu.defaultIndex,
    };
    if (!boot.includes(`vmlinuz-${version}`)) facts.image = `/boot/vmlinux-${version}`;
    if (initrd) {
      facts.initrd = `/boot/${initrd}`;
      try {
        const image = await fs.read(facts.initrd, 512 * 1024 * 1024);
        if (image) {
          const names = moduleNames(await listInitrd(image, decompress));
          facts.initrdHasVirtio = names.has('virtio_blk') || drivers.virtio_blk === 'builtin';
        }
      } catch (e) {
        problems.push({ code: 'initrd-unreadable', message: `cannot read the initrd ${facts.initrd}: ${(e as Error).message}`, fix: 'xen2kvm convert rebuilds it' });
      }
    }
    out.push(facts);
  }
  return out;
}

/** A kernel's virtio drivers (built in or modules), from its config in /boot, else the guest's /lib/modules/VER. */
export async function kernelDrivers(fs: RootFs, version: string): Promise<{ fromConfig?: ReturnType<typeof readKernelConfig>; drivers: Record<string, 'builtin' | 'module'> }> {
  const config = await fs.readText(`/boot/config-${version}`);
  const fromConfig = config ? readKernelConfig(config) : undefined;
  const modules = await moduleFiles(fs, version);
  const drivers: Record<string, 'builtin' | 'module'> = { ...(fromConfig?.drivers ?? {}) };
  // Without a config: modules.builtin names what is built in, modules.dep what is a module.
  const builtin = moduleNames(((await fs.readText(`/lib/modules/${version}/modules.builtin`, 4 * 1024 * 1024)) ?? '').split('\n').filter(Boolean));
  for (const m of VIRTIO_MODULES) {
    if (!drivers[m] && builtin.has(m)) drivers[m] = 'builtin';
    if (!drivers[m] && modules.has(m)) drivers[m] = 'module';
  }
  return { ...(fromConfig ? { fromConfig } : {}), drivers };
}

/** Module names under /lib/modules/VER, from modules.dep or a walk of kernel/. */
async function moduleFiles(fs: RootFs, version: string): Promise<Set<string>> {
  const base = `/lib/modules/${version}`;
  const dep = await fs.readText(`${base}/modules.dep`, 16 * 1024 * 1024);
  const paths: string[] = [];
  if (dep) {
    for (const line of dep.split('\n')) {
      const p = line.split(':')[0];
      if (p) paths.push(p);
    }
  } else {
    const walk = async (dir: string, depth: number) => {
      if (depth > 8) return;
      for (const name of await fs.list(dir)) {
        const p = `${dir}/${name}`;
        const k = await fs.kind(p);
        if (k === 'dir') await walk(p, depth + 1);
        else if (/\.ko(\.\w+)?$/.test(name)) paths.push(p);
      }
    };
    await walk(`${base}/kernel`, 0);
    await walk(`${base}/extra`, 0);
  }
  return moduleNames(paths);
}

/** The kernel a conversion would boot: the newest in the boot loader that is not Xen-only and has virtio. */
export function chooseKernel(kernels: KernelFacts[], bootloaderKind: BootloaderFacts['kind']): KernelFacts | undefined {
  const usable = kernels.filter((k) => !k.xenOnly && k.virtio && (bootloaderKind === 'none' || k.inBootloader));
  return usable.sort((a, b) => compareVersions(b.version, a.version))[0];
}

/** Without a family: how a kernel is installed, said generally. */
const GENERIC_KERNEL_HINT: FamilyTraits['kernelHint'] = { install: 'the distribution\'s kernel package (yum, apt-get or zypper install kernel)', update: 'the distribution\'s package tool', minimum: 'a release with virtio drivers' };

function diagnose(kernels: KernelFacts[], bootloader: BootloaderFacts, initrdTool: GuestFacts['initrdTool'], problems: GuestProblem[], bootHint: string, family: FamilyTraits | undefined): void {
  const how = family?.kernelHint ?? GENERIC_KERNEL_HINT;
  if (kernels.length === 0) {
    problems.push({ code: 'no-kernels', message: 'no kernels were found in /boot', fix: bootHint });
    return;
  }
  const chosen = chooseKernel(kernels, bootloader.kind);
  if (!chosen) {
    if (kernels.every((k) => k.xenOnly)) {
      problems.push({
        code: 'only-xen-kernels',
        message: 'only Xen kernels are installed: they cannot boot under KVM',
        fix: `install a non-Xen kernel first: boot the guest under Xen once more and run ${how.install}, then shut it down and convert`,
      });
    } else if (kernels.some((k) => !k.xenOnly && k.virtio && !k.inBootloader)) {
      problems.push({ code: 'kernel-not-in-bootloader', message: 'a KVM-capable kernel is installed but not listed in the boot loader', fix: `add it to ${loaderOf(bootloader)?.addKernelHint ?? 'the boot loader'} (e.g. reinstall the kernel package) and convert again` });
    } else {
      problems.push({ code: 'no-virtio-kernel', message: `no installed kernel has virtio drivers (${how.minimum} or later is needed)`, fix: `update the guest kernel (${how.update}) under Xen, then convert` });
    }
  } else {
    if (chosen.initrdHasVirtio === false) {
      problems.push({ code: 'initrd-without-virtio', message: `the initrd of ${chosen.version} lacks virtio_blk, so the root disk will not be found under KVM`, fix: 'xen2kvm convert rebuilds it with the virtio drivers' });
    }
    if (!chosen.initrd) problems.push({ code: 'no-initrd', message: `kernel ${chosen.version} has no initrd in /boot`, fix: 'xen2kvm convert builds one' });
    if (!chosen.default && loaderOf(bootloader)) {
      problems.push({ code: 'default-kernel-xen', message: `the boot loader's default is not ${chosen.version}, the newest kernel that runs under KVM`, fix: 'xen2kvm convert makes it the default' });
    }
  }
  if (!loaderOf(bootloader)) {
    problems.push({ code: 'no-bootloader', message: 'the guest has no boot loader menu of its own (it booted through pygrub or a dom0 kernel)', fix: 'the KVM domain boots its kernel directly (xen2kvm domxml / convert set this up)' });
  }
  if (initrdTool === 'none') problems.push({ code: 'no-initrd-tool', message: 'no initrd tool (mkinitrd, dracut, update-initramfs) in the guest', fix: 'the initrd cannot be rebuilt offline; install the tool in the guest first' });
}
