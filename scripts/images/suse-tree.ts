// A SUSE Linux Enterprise Server 11 SP4 PV guest as vm-install and YaST made it,
// file by file: /etc/SuSE-release; kernel-xen and kernel-default 3.0.101-63 side
// by side in /boot (vmlinuz-VER, vmlinux-VER.gz, initrd-VER without .img,
// config, System.map, symvers) with the flavour links vmlinuz → -default,
// vmlinuz-xen → -xen, initrd, initrd-xen; GRUB legacy's /boot/grub/menu.lst (YaST's
// identifier comments, the -xen entry the default, root= and resume= by SUSE's
// /dev/disk/by-id/xen-* names, console=xvc0) and device.map; /etc/sysconfig/
// bootloader (LOADER_TYPE, DEFAULT_APPEND, XEN_KERNEL_APPEND) and /etc/sysconfig/
// kernel (INITRD_MODULES, DOMU_INITRD_MODULES); sysvinit's inittab with agetty on
// xvc0; securetty; udev's 70-persistent-net.rules as SUSE's write_net_rules writes
// it (DRIVERS=="?*", the MAC); /etc/sysconfig/network/ifcfg-eth0; fstab by by-id
// names. Layout: xvda1 swap, xvda2 / (ext3, /boot inside), as YaST proposes.
//
// Stand-ins, since we have no SUSE binaries: the kernels and modules (small
// ELF-looking files; real config-VER and modules.dep layout), init, agetty, and
// SUSE's mkinitrd (share/suse/mkinitrd: its options, INITRD_MODULES, the root
// device check). The userland is busybox, so the contained chroot runs.
import { chmodSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { writeNewc, type CpioEntry } from './cpio-write.js';
import { busyboxUserland, installStandIn, link, standIn, write, VIRTIO_MODULE_DEPS } from './rhel5-tree.js';

export const SLES11_VERSION = '3.0.101-63';
export const SLES11_KERNEL = `${SLES11_VERSION}-default`;
export const SLES11_XEN_KERNEL = `${SLES11_VERSION}-xen`;

const DEFAULT_MODULES: Record<string, string[]> = {
  ...VIRTIO_MODULE_DEPS,
  'kernel/drivers/acpi/processor.ko': [],
  'kernel/drivers/acpi/thermal.ko': ['kernel/drivers/acpi/processor.ko'],
  'kernel/drivers/acpi/fan.ko': [],
  'kernel/fs/mbcache.ko': [],
  'kernel/fs/jbd/jbd.ko': [],
  'kernel/fs/ext3/ext3.ko': ['kernel/fs/jbd/jbd.ko', 'kernel/fs/mbcache.ko'],
};

const XEN_MODULES: Record<string, string[]> = {
  'updates/xenblk.ko': [],
  'updates/xennet.ko': [],
  'kernel/fs/mbcache.ko': [],
  'kernel/fs/jbd/jbd.ko': [],
  'kernel/fs/ext3/ext3.ko': ['kernel/fs/jbd/jbd.ko', 'kernel/fs/mbcache.ko'],
};

function kernelConfig(k: string, xen: boolean): string {
  const opts = xen
    ? ['CONFIG_X86_64=y', 'CONFIG_64BIT=y', 'CONFIG_MODULES=y', 'CONFIG_X86_64_XEN=y', 'CONFIG_XEN=y', 'CONFIG_XEN_BLKDEV_FRONTEND=m', 'CONFIG_XEN_NETDEV_FRONTEND=m', 'CONFIG_XEN_CONSOLE=y', 'CONFIG_EXT3_FS=m']
    : ['CONFIG_X86_64=y', 'CONFIG_64BIT=y', 'CONFIG_MODULES=y', 'CONFIG_PARAVIRT_GUEST=y', 'CONFIG_VIRTIO=m', 'CONFIG_VIRTIO_RING=m', 'CONFIG_VIRTIO_PCI=m', 'CONFIG_VIRTIO_BLK=m', 'CONFIG_VIRTIO_NET=m',
      'CONFIG_EXT3_FS=m', 'CONFIG_SERIAL_8250=y', 'CONFIG_SERIAL_8250_CONSOLE=y'];
  return `#\n# Automatically generated make config: don't edit\n# Linux/x86_64 ${k} Kernel Configuration\n#\n${opts.join('\n')}\n`;
}

/** The initrd mkinitrd made for a kernel under Xen: the -xen one with xenblk/xennet, the -default one with INITRD_MODULES only (no virtio). */
function xenInitrd(k: string, mods: Record<string, string[]>, rootdev: string): Buffer {
  const entries: CpioEntry[] = [{ name: '.', type: 'dir' }, { name: 'config', type: 'dir' }];
  for (const m of Object.keys(mods).filter((m) => !/virtio/.test(m))) entries.push({ name: `lib/modules/${k}/${m}`, type: 'file', data: standIn(`${m} (${k})`, 1024) });
  entries.push({ name: 'config/mount.sh', type: 'file', data: Buffer.from(`rootdev=${rootdev}\nrootfstype=ext3\n`) });
  entries.push({ name: 'init', type: 'file', mode: 0o755, data: Buffer.from('#!/bin/bash\n# SUSE mkinitrd init (stand-in)\n') });
  return gzipSync(writeNewc(entries), { level: 9 });
}

const ROOT_ID = '/dev/disk/by-id/xen-xvda-part2';
const SWAP_ID = '/dev/disk/by-id/xen-xvda-part1';
const TITLE = 'SUSE Linux Enterprise Server 11 SP4 - 3.0.101-63';

function menuLst(onlyXen: boolean): string {
  const entry = (title: string, k: string, extra: string) => `###Don't change this comment - YaST2 identifier: Original name: linux###
title ${title}
    root (hd0,1)
    kernel /boot/vmlinuz-${k} root=${ROOT_ID} resume=${SWAP_ID} splash=silent showopts${extra}
    initrd /boot/initrd-${k}
`;
  return `# Modified by YaST2. Last modification on Tue Mar 15 10:42:17 UTC 2016
# THIS FILE WILL BE PARTIALLY OVERWRITTEN by perl-Bootloader
# Configure custom boot parameters for updated kernels in /etc/sysconfig/bootloader

default 0
timeout 8
##YaST - activate

${entry(`${TITLE} (xen)`, SLES11_XEN_KERNEL, ' console=xvc0')}${onlyXen ? '' : `\n${entry(TITLE, SLES11_KERNEL, '')}`}
###Don't change this comment - YaST2 identifier: Original name: failsafe###
title Failsafe -- ${TITLE} (xen)
    root (hd0,1)
    kernel /boot/vmlinuz-${SLES11_XEN_KERNEL} root=${ROOT_ID} showopts ide=nodma apm=off noresume edd=off powersaved=off nohz=off highres=off processor.max_cstate=1 nomodeset x11failsafe console=xvc0
    initrd /boot/initrd-${SLES11_XEN_KERNEL}
`;
}

export interface SlesTreeOptions {
  root: string;
  macs: string[];
  hostname: string;
  /** Only kernel-xen installed (the guest before `zypper install kernel-default`). */
  onlyXenKernel?: boolean;
}

export function writeSles11Tree(o: SlesTreeOptions): void {
  const { root } = o;
  const boot = join(root, 'boot');
  for (const d of ['bin', 'sbin', 'dev', 'proc', 'sys', 'tmp', 'root', 'boot/grub', 'usr/bin', 'usr/sbin', 'lib', 'var/lib', 'var/log', 'var/tmp', 'etc/sysconfig/network', 'etc/udev/rules.d']) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  busyboxUserland(root);
  installStandIn(root, 'suse/mkinitrd', 'sbin/mkinitrd');
  write(join(root, 'sbin/init'), standIn('sysvinit'), 0o755);
  write(join(root, 'sbin/agetty'), standIn('agetty'), 0o755);

  write(join(root, 'etc/SuSE-release'), 'SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 4\n');
  write(join(root, 'etc/HOSTNAME'), `${o.hostname}\n`);
  write(join(root, 'etc/fstab'), `${SWAP_ID} swap                 swap       defaults              0 0
${ROOT_ID} /                    ext3       acl,user_xattr        1 1
proc                 /proc                proc       defaults              0 0
sysfs                /sys                 sysfs      noauto                0 0
debugfs              /sys/kernel/debug    debugfs    noauto                0 0
devpts               /dev/pts             devpts     mode=0620,gid=5       0 0
`);
  write(join(root, 'etc/sysconfig/bootloader'), `## Path:	System/Bootloader
## Description:	Bootloader configuration
## Type:	list(grub,lilo,none)
## Default:	grub
#
# Type of bootloader in use.
# For making the change effect run bootloader configuration tool
# and configure newly selected bootloader
#
#
LOADER_TYPE="grub"

## Path:	System/Bootloader
## Description:	Bootloader configuration
## Type:	yesno
## Default:	"no"
#
# Enable UEFI Secure Boot support
SECURE_BOOT="no"

## Type:	string
## Default:	""
#
# Arguments for kernel which is used by default
DEFAULT_APPEND="resume=${SWAP_ID} splash=silent showopts console=xvc0"

## Type:	string
## Default:	""
#
# VGA mode for kernel which is used by default
DEFAULT_VGA=""

## Type:	string
## Default:	""
#
# Arguments for kernel in failsafe mode
FAILSAFE_APPEND="showopts ide=nodma apm=off noresume edd=off powersaved=off nohz=off highres=off processor.max_cstate=1 nomodeset x11failsafe"

## Type:	string
## Default:	""
#
# Arguments for the Xen kernel
XEN_KERNEL_APPEND="resume=${SWAP_ID} splash=silent showopts console=xvc0"

## Type:	string
## Default:	""
#
# Arguments for the Xen hypervisor
XEN_APPEND=""
`);
  write(join(root, 'etc/sysconfig/kernel'), `## Path:	System/Kernel
## Description:
## Type:	string
## Command:	/sbin/mkinitrd
#
# This variable contains the list of modules to be added to the initial
# ramdisk by calling the script "mkinitrd"
# (like drivers for scsi-controllers, for lvm or reiserfs)
#
INITRD_MODULES="processor thermal fan jbd ext3"

## Type:	string
## Command:	/sbin/mkinitrd
#
# This variable contains the list of modules to be added to the initial
# ramdisk that is created for unprivilegd Xen domains (domU); you may need
# drivers for virtual block and network devices in addition to filesystem
# and device-mapper modules.
#
DOMU_INITRD_MODULES="xennet xenblk"

## Type:        string
## ServiceRestart: boot.loadmodules
#
# This variable contains the list of modules to be loaded
# once the main filesystem is active
#
MODULES_LOADED_ON_BOOT=""
`);
  write(join(root, 'etc/inittab'), `#
# /etc/inittab
#
# Copyright (c) 1996-2002 SuSE Linux AG, Nuernberg, Germany.  All rights reserved.
#
# The default runlevel is defined here
id:3:initdefault:

# First script to be executed, if not booting in emergency (-b) mode
si::bootwait:/etc/init.d/boot

l0:0:wait:/etc/init.d/rc 0
l1:1:wait:/etc/init.d/rc 1
l2:2:wait:/etc/init.d/rc 2
l3:3:wait:/etc/init.d/rc 3
l6:6:wait:/etc/init.d/rc 6

# what to do in single-user mode
ls:S:wait:/etc/init.d/rc S
~~:S:respawn:/sbin/sulogin

# what to do when CTRL-ALT-DEL is pressed
ca::ctrlaltdel:/sbin/shutdown -r -t 4 now

# getty-programs for the normal runlevels
# <id>:<runlevels>:<action>:<process>
# The "id" field  MUST be the same as the last
# characters of the device (after "tty").
1:2345:respawn:/sbin/mingetty --noclear tty1
2:2345:respawn:/sbin/mingetty tty2
x0:12345:respawn:/sbin/agetty -L 9600 xvc0 xterm
`);
  write(join(root, 'etc/securetty'), '#\n# This file contains the device names of tty lines (one per line,\n# without leading /dev/) on which root is allowed to login.\n#\ntty1\ntty2\ntty3\ntty4\ntty5\ntty6\n# for devfs:\nvc/1\nvc/2\nvc/3\nvc/4\nvc/5\nvc/6\nxvc0\n');
  write(join(root, 'etc/udev/rules.d/70-persistent-net.rules'), `# This file was automatically generated by the /lib/udev/write_net_rules
# program, run by the persistent-net-generator.rules rules file.
#
# You can modify it, as long as you keep each rule on a single
# line, and change only the value of the NAME= key.

# Xen virtual device (vif)
SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="${o.macs[0]}", ATTR{type}=="1", KERNEL=="eth*", NAME="eth0"
`);
  write(join(root, 'etc/sysconfig/network/ifcfg-eth0'), "BOOTPROTO='dhcp'\nBROADCAST=''\nETHTOOL_OPTIONS=''\nIPADDR=''\nMTU=''\nNAME=''\nNETMASK=''\nNETWORK=''\nREMOTE_IPADDR=''\nSTARTMODE='auto'\nUSERCONTROL='no'\n");
  write(join(root, 'etc/sysconfig/network/ifcfg-lo'), "IPADDR=127.0.0.1\nNETMASK=255.0.0.0\nNETWORK=127.0.0.0\nBROADCAST=127.255.255.255\nSTARTMODE=onboot\nUSERCONTROL=no\nFIREWALL=no\n");

  // Both kernels, their modules and Xen-made initrds; the flavour links; GRUB legacy's files.
  const kernels: [string, Record<string, string[]>, boolean][] = [[SLES11_XEN_KERNEL, XEN_MODULES, true], ...(o.onlyXenKernel ? [] : [[SLES11_KERNEL, DEFAULT_MODULES, false] as [string, Record<string, string[]>, boolean]])];
  for (const [k, mods, xen] of kernels) {
    write(join(boot, `vmlinuz-${k}`), standIn(`vmlinuz-${k}`, 8192));
    write(join(boot, `vmlinux-${k}.gz`), gzipSync(standIn(`vmlinux-${k}`, 8192)));
    write(join(boot, `config-${k}`), kernelConfig(k, xen));
    write(join(boot, `System.map-${k}`), 'ffffffff80000000 T _text\n');
    write(join(boot, `symvers-${k}.gz`), gzipSync('0x00000000\tsome_symbol\tvmlinux\tEXPORT_SYMBOL\n'));
    write(join(boot, `initrd-${k}`), xenInitrd(k, mods, ROOT_ID));
    const moddir = join(root, 'lib/modules', k);
    for (const m of Object.keys(mods)) write(join(moddir, m), standIn(`${m} (${k})`, 1024));
    write(join(moddir, 'modules.dep'), `${Object.entries(mods).map(([m, deps]) => `${m}:${deps.length ? ` ${deps.join(' ')}` : ''}`).join('\n')}\n`);
  }
  const main = o.onlyXenKernel ? SLES11_XEN_KERNEL : SLES11_KERNEL;
  link(join(boot, 'vmlinuz'), `vmlinuz-${main}`);
  link(join(boot, 'initrd'), `initrd-${main}`);
  link(join(boot, 'vmlinuz-xen'), `vmlinuz-${SLES11_XEN_KERNEL}`);
  link(join(boot, 'initrd-xen'), `initrd-${SLES11_XEN_KERNEL}`);
  write(join(boot, 'message'), standIn('gfxboot message', 2048));
  write(join(boot, 'grub/menu.lst'), menuLst(!!o.onlyXenKernel), 0o600);
  write(join(boot, 'grub/device.map'), '(hd0)\t/dev/xvda\n');
  for (const f of ['stage1', 'stage2', 'e2fs_stage1_5']) write(join(boot, 'grub', f), standIn(`grub ${f}`, 512));
}
