// The files of a RHEL 5.3 paravirtualized guest as the seed post found it, laid
// out file by file: kernels el5 and el5xen with configs, modules and initrds;
// grub.conf defaulting to the Xen kernel with console=xvc0 (menu.lst and
// /etc/grub.conf linking to it); device.map on xvda; modprobe.conf with xennet /
// xenblk; inittab with the xvc0 getty; securetty; kudzu in rc.d; sysconfig/kernel;
// ifcfg files with the MACs; SELinux enforcing; a busybox userland so chroot works,
// and a mkinitrd stand-in. Binaries we cannot have (kernels, modules) are stand-ins.
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeNewc, type CpioEntry } from './cpio-write.js';
import { packageRoot } from '../../src/paths.js';

export const RHEL5_KERNEL = '2.6.18-128.1.16.el5';
export const RHEL5_XEN_KERNEL = '2.6.18-128.1.16.el5xen';

export interface Rhel5TreeOptions {
  /** Host paths of the root and /boot staging trees (the same for a guest without a /boot partition). */
  root: string;
  boot: string;
  /** fstab / grub root device spec and the swap device spec. */
  rootSpec: string;
  swapSpec: string;
  /** fstab line for /boot, when /boot is its own filesystem. */
  bootSpec?: string;
  macs: string[];
  hostname: string;
  /** Install only the el5xen kernel (the guest before `yum install kernel`). */
  onlyXenKernel?: boolean;
}

export const BUSYBOX_APPLETS = ['sh', 'ash', 'ls', 'cat', 'cp', 'mv', 'rm', 'ln', 'mkdir', 'rmdir', 'chmod', 'chown', 'find', 'grep', 'egrep', 'sed', 'awk',
  'cpio', 'gzip', 'gunzip', 'zcat', 'head', 'tail', 'cut', 'tr', 'sort', 'uniq', 'wc', 'basename', 'dirname', 'mktemp', 'touch', 'echo', 'test', '[',
  'true', 'false', 'env', 'stat', 'uname', 'expr', 'readlink', 'xargs', 'sleep', 'date', 'id', 'mount', 'umount', 'vi'];

export function write(path: string, text: string | Buffer, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
}

export function link(path: string, target: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}

/**
 * The sample guests' userland: busybox as /bin/busybox with its applets (and bash)
 * linked to it, so the contained chroot and the stand-in tools run; and one of the
 * project's stand-in tools (share/FAMILY/TOOL) copied to its guest path.
 */
export function busyboxUserland(root: string, extra: string[] = []): void {
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  for (const a of [...BUSYBOX_APPLETS, ...extra]) link(join(root, 'bin', a), 'busybox');
  link(join(root, 'bin/bash'), 'busybox');
}

/** One of the project's stand-in tools (share/DIR/NAME) installed at a guest path, executable. */
export function installStandIn(root: string, share: string, guestPath: string): void {
  copyFileSync(join(packageRoot(), 'share', share), join(root, guestPath));
  chmodSync(join(root, guestPath), 0o755);
}

/** A stand-in binary: a small ELF-looking file that says what it stands for. */
export function standIn(what: string, size = 4096): Buffer {
  const b = Buffer.alloc(size);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(b, 0);
  Buffer.from(`xen2kvm sample stand-in for ${what}\n`).copy(b, 64);
  return b;
}

/** The virtio drivers of a kernel that has them, by module path, with their modules.dep dependencies. */
export const VIRTIO_MODULE_DEPS: Record<string, string[]> = {
  'kernel/drivers/virtio/virtio.ko': [],
  'kernel/drivers/virtio/virtio_ring.ko': [],
  'kernel/drivers/virtio/virtio_pci.ko': ['kernel/drivers/virtio/virtio_ring.ko', 'kernel/drivers/virtio/virtio.ko'],
  'kernel/drivers/block/virtio_blk.ko': ['kernel/drivers/virtio/virtio_ring.ko', 'kernel/drivers/virtio/virtio.ko'],
  'kernel/drivers/net/virtio_net.ko': ['kernel/drivers/virtio/virtio_ring.ko', 'kernel/drivers/virtio/virtio.ko'],
};

const MODULES_EL5: Record<string, string[]> = {
  ...VIRTIO_MODULE_DEPS,
  'kernel/drivers/md/dm-mod.ko': [],
  'kernel/fs/jbd/jbd.ko': [],
  'kernel/fs/ext3/ext3.ko': ['kernel/fs/jbd/jbd.ko'],
  'kernel/drivers/scsi/scsi_mod.ko': [],
  'kernel/drivers/ata/ata_piix.ko': ['kernel/drivers/scsi/scsi_mod.ko'],
  'kernel/drivers/net/8139cp.ko': [],
};
const MODULES_EL5XEN: Record<string, string[]> = {
  'kernel/drivers/xen/blkfront/xenblk.ko': [],
  'kernel/drivers/xen/netfront/xennet.ko': [],
  'kernel/drivers/md/dm-mod.ko': [],
  'kernel/fs/jbd/jbd.ko': [],
  'kernel/fs/ext3/ext3.ko': ['kernel/fs/jbd/jbd.ko'],
  'kernel/drivers/scsi/scsi_mod.ko': [],
};

function kernelConfig(xen: boolean): string {
  const common = ['CONFIG_X86_64=y', 'CONFIG_64BIT=y', 'CONFIG_MODULES=y', 'CONFIG_BLK_DEV_DM=m', 'CONFIG_EXT3_FS=m', 'CONFIG_JBD=m', 'CONFIG_BLK_DEV_INITRD=y'];
  const specific = xen
    ? ['CONFIG_X86_64_XEN=y', 'CONFIG_XEN=y', 'CONFIG_XEN_BLKDEV_FRONTEND=m', 'CONFIG_XEN_NETDEV_FRONTEND=m', '# CONFIG_VIRTIO is not set']
    : ['# CONFIG_X86_64_XEN is not set', 'CONFIG_VIRTIO=m', 'CONFIG_VIRTIO_RING=m', 'CONFIG_VIRTIO_PCI=m', 'CONFIG_VIRTIO_BLK=m', 'CONFIG_VIRTIO_NET=m', 'CONFIG_SERIAL_8250=y', 'CONFIG_SERIAL_8250_CONSOLE=y'];
  return `#\n# Automatically generated make config: don't edit\n# Linux kernel version: 2.6.18-128.1.16.el5${xen ? 'xen' : ''}\n#\n${[...common, ...specific].join('\n')}\n`;
}

/** An initrd as RHEL 5's mkinitrd made it under Xen: ext3, jbd, dm-mod and the scsi_hostadapter (xenblk, where the kernel has it). */
function initrd(version: string, modules: string[]): Buffer {
  const entries: CpioEntry[] = [{ name: '.', type: 'dir' }, { name: 'bin', type: 'dir' }, { name: 'lib', type: 'dir' }, { name: 'dev', type: 'dir' }, { name: 'proc', type: 'dir' }, { name: 'sys', type: 'dir' }, { name: 'sysroot', type: 'dir' }];
  const init = ['#!/bin/nash', 'mount -t proc /proc /proc'];
  for (const m of modules) {
    entries.push({ name: `lib/${m}.ko`, type: 'file', data: standIn(`${m}.ko (${version})`) });
    init.push(`echo "Loading ${m}.ko module"`, `insmod /lib/${m}.ko`);
  }
  init.push('mkrootdev -t ext3 -o defaults,ro /dev/VolGroup00/LogVol00', 'mount /sysroot', 'switchroot');
  entries.push({ name: 'init', type: 'file', mode: 0o755, data: Buffer.from(`${init.join('\n')}\n`) }, { name: 'bin/nash', type: 'file', mode: 0o755, data: standIn('nash') });
  return gzipSync(writeNewc(entries), { level: 9 });
}

function grubConf(o: Rhel5TreeOptions, bootPrefix: string): string {
  if (o.onlyXenKernel) {
    return `# grub.conf generated by anaconda\n#boot=/dev/xvda\ndefault=0\ntimeout=5\nsplashimage=(hd0,0)${bootPrefix}/grub/splash.xpm.gz\nhiddenmenu\ntitle Red Hat Enterprise Linux Server (${RHEL5_XEN_KERNEL})\n\troot (hd0,0)\n\tkernel ${bootPrefix}/vmlinuz-${RHEL5_XEN_KERNEL} ro root=${o.rootSpec} console=xvc0\n\tinitrd ${bootPrefix}/initrd-${RHEL5_XEN_KERNEL}.img\n`;
  }
  const entry = (v: string) => `title Red Hat Enterprise Linux Server (${v})
\troot (hd0,0)
\tkernel ${bootPrefix}/vmlinuz-${v} ro root=${o.rootSpec} console=xvc0
\tinitrd ${bootPrefix}/initrd-${v}.img`;
  return `# grub.conf generated by anaconda
#
# Note that you do not have to rerun grub after making changes to this file
# NOTICE:  You have a /boot partition.  This means that
#          all kernel and initrd paths are relative to /boot/, eg.
#          root (hd0,0)
#          kernel /vmlinuz-version ro root=${o.rootSpec}
#          initrd /initrd-version.img
#boot=/dev/xvda
default=1
timeout=5
splashimage=(hd0,0)${bootPrefix}/grub/splash.xpm.gz
hiddenmenu
${entry(RHEL5_KERNEL)}
${entry(RHEL5_XEN_KERNEL)}
`;
}

const INITTAB = `#
# inittab       This file describes how the INIT process should set up
#               the system in a certain run-level.
#
# Author:       Miquel van Smoorenburg, <miquels@drinkel.nl.mugnet.org>
#               Modified for RHS Linux by Marc Ewing and Donnie Barnes
#

# Default runlevel. The runlevels used by RHS are:
#   0 - halt (Do NOT set initdefault to this)
#   1 - Single user mode
#   2 - Multiuser, without NFS (The same as 3, if you do not have networking)
#   3 - Full multiuser mode
#   4 - unused
#   5 - X11
#   6 - reboot (Do NOT set initdefault to this)
#
id:3:initdefault:

# System initialization.
si::sysinit:/etc/rc.d/rc.sysinit

l0:0:wait:/etc/rc.d/rc 0
l1:1:wait:/etc/rc.d/rc 1
l2:2:wait:/etc/rc.d/rc 2
l3:3:wait:/etc/rc.d/rc 3
l4:4:wait:/etc/rc.d/rc 4
l5:5:wait:/etc/rc.d/rc 5
l6:6:wait:/etc/rc.d/rc 6

# Trap CTRL-ALT-DELETE
ca::ctrlaltdel:/sbin/shutdown -t3 -r now

# When our UPS tells us power has failed, assume we have a few minutes
# of power left.  Schedule a shutdown for 2 minutes from now.
# This does, of course, assume you have powerd installed and your
# UPS connected and working correctly.
pf::powerfail:/sbin/shutdown -f -h +2 "Power Failure; System Shutting Down"

# If power was restored before the shutdown kicked in, cancel it.
pr:12345:powerokwait:/sbin/shutdown -c "Power Restored; Shutdown Cancelled"


# Run gettys in standard runlevels
co:2345:respawn:/sbin/agetty xvc0 9600 vt100-nav
1:2345:respawn:/sbin/mingetty tty1
2:2345:respawn:/sbin/mingetty tty2
3:2345:respawn:/sbin/mingetty tty3
4:2345:respawn:/sbin/mingetty tty4
5:2345:respawn:/sbin/mingetty tty5
6:2345:respawn:/sbin/mingetty tty6

# Run xdm in runlevel 5
x:5:respawn:/etc/X11/prefdm -nodaemon
`;

const SECURETTY = `console\nvc/1\nvc/2\nvc/3\nvc/4\nvc/5\nvc/6\nvc/7\nvc/8\nvc/9\nvc/10\nvc/11\ntty1\ntty2\ntty3\ntty4\ntty5\ntty6\ntty7\ntty8\ntty9\ntty10\ntty11\nxvc0\n`;

/** An init script with a chkconfig header. */
function initScript(name: string, chkconfig: string, description: string): string {
  return `#!/bin/bash
#
# ${name}        ${description}
#
# chkconfig: ${chkconfig}
# description: ${description}
#

# Source function library.
. /etc/init.d/functions

case "$1" in
  start) echo -n $"Starting ${name}: " ;;
  stop) echo -n $"Stopping ${name}: " ;;
  *) echo $"Usage: $0 {start|stop}"; exit 1 ;;
esac
exit 0
`;
}

/** rc.d links as chkconfig makes them: S in the levels listed, K elsewhere. */
function rcLinks(root: string, name: string, levels: string, start: string, stop: string): void {
  for (let l = 0; l <= 6; l++) {
    const on = levels.includes(String(l));
    link(join(root, `etc/rc.d/rc${l}.d/${on ? 'S' : 'K'}${on ? start : stop}${name}`), `../init.d/${name}`);
  }
}

/** Writes the whole guest tree. */
export function writeRhel5Tree(o: Rhel5TreeOptions): void {
  const { root, boot } = o;
  const bootPrefix = boot === root ? '/boot' : '';
  const bootDir = boot === root ? join(root, 'boot') : boot;
  for (const d of ['bin', 'sbin', 'dev', 'proc', 'sys', 'tmp', 'root', 'home', 'mnt', 'media', 'opt', 'srv', 'selinux', 'usr/bin', 'usr/sbin', 'usr/lib', 'usr/share', 'var/lib', 'var/log', 'var/run', 'var/tmp', 'var/lock', 'lib64', 'etc/sysconfig/network-scripts', 'etc/rc.d/init.d']) {
    mkdirSync(join(root, d), { recursive: true });
  }
  chmodSync(join(root, 'tmp'), 0o1777);
  mkdirSync(join(root, 'boot'), { recursive: true });

  // busybox userland, so that chroot and the mkinitrd stand-in work
  busyboxUserland(root);
  installStandIn(root, 'rhel5/mkinitrd', 'sbin/mkinitrd');
  for (const b of ['sbin/agetty', 'sbin/mingetty', 'sbin/init', 'sbin/chkconfig', 'sbin/lvm', 'sbin/load_policy', 'usr/sbin/ntpd', 'sbin/kudzu']) write(join(root, b), standIn(b), 0o755);

  // /etc
  write(join(root, 'etc/redhat-release'), 'Red Hat Enterprise Linux Server release 5.3 (Tikanga)\n');
  write(join(root, 'etc/fstab'), [
    `${o.rootSpec.padEnd(23)} /                       ext3    defaults        1 1`,
    ...(o.bootSpec ? [`${o.bootSpec.padEnd(23)} /boot                   ext3    defaults        1 2`] : []),
    'tmpfs                   /dev/shm                tmpfs   defaults        0 0',
    'devpts                  /dev/pts                devpts  gid=5,mode=620  0 0',
    'sysfs                   /sys                    sysfs   defaults        0 0',
    'proc                    /proc                   proc    defaults        0 0',
    `${o.swapSpec.padEnd(23)} swap                    swap    defaults        0 0`,
  ].join('\n') + '\n');
  write(join(root, 'etc/inittab'), INITTAB);
  write(join(root, 'etc/securetty'), SECURETTY, 0o600);
  write(join(root, 'etc/modprobe.conf'), `${o.macs.map((_, i) => `alias eth${i} xennet`).join('\n')}\nalias scsi_hostadapter xenblk\n`);
  write(join(root, 'etc/sysconfig/kernel'), '# UPDATEDEFAULT specifies if new-kernel-pkg should make\n# new kernels the default\nUPDATEDEFAULT=yes\n\n# DEFAULTKERNEL specifies the default kernel package type\nDEFAULTKERNEL=kernel-xen\n');
  write(join(root, 'etc/sysconfig/network'), `NETWORKING=yes\nNETWORKING_IPV6=no\nHOSTNAME=${o.hostname}\n`);
  o.macs.forEach((mac, i) => write(join(root, `etc/sysconfig/network-scripts/ifcfg-eth${i}`), `# Xen Virtual Ethernet\nDEVICE=eth${i}\nBOOTPROTO=static\nHWADDR=${mac.toUpperCase()}\nIPADDR=192.168.${122 + i}.10\nNETMASK=255.255.255.0\nONBOOT=yes\n`));
  write(join(root, 'etc/selinux/config'), '# This file controls the state of SELinux on the system.\nSELINUX=enforcing\nSELINUXTYPE=targeted\n');
  write(join(root, 'etc/hosts'), `127.0.0.1\t${o.hostname} localhost.localdomain localhost\n::1\tlocalhost6.localdomain6 localhost6\n`);
  write(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nntp:x:38:38::/etc/ntp:/sbin/nologin\n');
  write(join(root, 'etc/group'), 'root:x:0:root\nntp:x:38:\n');
  write(join(root, 'etc/shadow'), 'root:$1$sample$0123456789abcdefghij.:14400:0:99999:7:::\nntp:!!:14400::::::\n', 0o400);
  write(join(root, 'etc/ntp.conf'), 'server 0.rhel.pool.ntp.org\nserver 1.rhel.pool.ntp.org\n');
  write(join(root, 'etc/rc.d/rc.local'), '#!/bin/sh\ntouch /var/lock/subsys/local\n', 0o755);
  write(join(root, 'etc/rc.d/rc.sysinit'), '#!/bin/bash\n# /etc/rc.d/rc.sysinit - run once at boot time\n', 0o755);
  write(join(root, 'etc/rc.d/rc'), '#!/bin/bash\n# rc            This file is responsible for starting/stopping services when the runlevel changes.\n', 0o755);
  write(join(root, 'etc/rc.d/init.d/functions'), '# -*-Shell-script-*-\n# functions\tThis file contains functions to be used by most or all shell scripts in /etc/init.d\n');
  write(join(root, 'etc/rc.d/init.d/kudzu'), initScript('kudzu', '345 05 95', 'kudzu detects and configures new and/or changed hardware on a system.'), 0o755);
  write(join(root, 'etc/rc.d/init.d/ntpd'), initScript('ntpd', '- 58 74', 'ntpd is the NTPv4 daemon.'), 0o755);
  write(join(root, 'etc/rc.d/init.d/network'), initScript('network', '2345 10 90', 'Activates/Deactivates all network interfaces configured to start at boot time.'), 0o755);
  rcLinks(root, 'kudzu', '345', '05', '95');
  rcLinks(root, 'ntpd', '', '58', '74');
  rcLinks(root, 'network', '2345', '10', '90');
  link(join(root, 'etc/init.d'), 'rc.d/init.d');
  for (let l = 0; l <= 6; l++) link(join(root, `etc/rc${l}.d`), `rc.d/rc${l}.d`);
  link(join(root, 'etc/rc.local'), 'rc.d/rc.local');
  link(join(root, 'etc/rc.sysinit'), 'rc.d/rc.sysinit');
  link(join(root, 'etc/grub.conf'), '../boot/grub/grub.conf');

  // kernels, their modules and initrds
  const kernels = o.onlyXenKernel ? [[RHEL5_XEN_KERNEL, MODULES_EL5XEN]] as const : [[RHEL5_KERNEL, MODULES_EL5], [RHEL5_XEN_KERNEL, MODULES_EL5XEN]] as const;
  for (const [version, modules] of kernels) {
    const xen = version === RHEL5_XEN_KERNEL;
    const mod = join(root, 'lib/modules', version);
    for (const path of Object.keys(modules)) write(join(mod, path), standIn(`${path} (${version})`));
    // RHEL 5's modules.dep lists absolute paths.
    const abs = (p: string) => `/lib/modules/${version}/${p}`;
    write(join(mod, 'modules.dep'), Object.entries(modules).map(([p, deps]) => `${abs(p)}: ${deps.map(abs).join(' ')}`.trimEnd()).join('\n') + '\n');
    write(join(bootDir, `vmlinuz-${version}`), standIn(`vmlinuz-${version}`, 64 * 1024), 0o644);
    write(join(bootDir, `System.map-${version}`), `ffffffff80200000 A _text\nffffffff80200000 T startup_64\n`);
    write(join(bootDir, `config-${version}`), kernelConfig(xen));
    write(join(bootDir, `symvers-${version}.gz`), gzipSync(Buffer.from('0x00000000\tstruct_module\tvmlinux\n')));
    write(join(bootDir, `initrd-${version}.img`), initrd(version, xen ? ['jbd', 'ext3', 'dm-mod', 'xenblk'] : ['jbd', 'ext3', 'dm-mod']));
  }
  write(join(bootDir, 'grub/grub.conf'), grubConf(o, bootPrefix), 0o600);
  link(join(bootDir, 'grub/menu.lst'), './grub.conf');
  write(join(bootDir, 'grub/device.map'), '# this device map was generated by anaconda\n(hd0)     /dev/xvda\n');
  write(join(bootDir, 'grub/splash.xpm.gz'), gzipSync(Buffer.from('/* XPM */\nstatic char * splash_xpm[] = {\n"1 1 1 1",\n"  c None",\n" "};\n')));
  for (const s of ['stage1', 'stage2', 'e2fs_stage1_5']) write(join(bootDir, 'grub', s), standIn(`grub ${s}`, 1024));
}

/** A boot sector with GRUB legacy's stage1 markers, as anaconda installed it to the MBR. */
export function grubBootSector(): Buffer {
  const b = Buffer.alloc(440);
  b[0] = 0xeb;
  b[1] = 0x48;
  b[2] = 0x90;
  Buffer.from('GRUB \0Geom\0Hard Disk\0Read\0 Error\0', 'latin1').copy(b, 0x17e);
  return b;
}

