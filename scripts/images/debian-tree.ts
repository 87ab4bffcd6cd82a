// Debian and Ubuntu guests as Xen PV guests, file by file, for the tests: Debian 7
// (sysvinit: an inittab getty on hvc0, 70-persistent-net.rules, securetty),
// Debian 12 (systemd: serial-getty@hvc0 linked, ifupdown eth0, MODULES=dep and a
// resume device), Ubuntu 14.04 (upstart: /etc/init/hvc0.conf) and Ubuntu 20.04
// (systemd, netplan eth0). Paths, formats and links are the releases' own; GRUB 2's
// /etc/default/grub and a grub.cfg as grub-mkconfig writes it, with console=hvc0
// and root=/dev/xvda1 (pygrub read it under Xen, so the MBR has no boot loader).
//
// Stand-ins, since we have no binaries of these releases: the kernels and their
// modules (small ELF-looking files; real config-VER and modules.dep), /sbin/init,
// getty; update-initramfs (share/debian/update-initramfs: mkinitramfs' module
// selection, writes a real gzip newc cpio); on Ubuntu 14.04 grub-mkconfig
// (share/debian/grub-mkconfig: fails as it does when grub-probe cannot find the
// root, so the direct grub.cfg edit is exercised). The userland is busybox, so the
// contained chroot runs. The real Debian 12 guest (debootstrap, real kernel, real
// update-initramfs / dracut / grub-mkconfig / grub-install) is scripts/images/debian-guest.
import { chmodSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { writeNewc, type CpioEntry } from './cpio-write.js';
import { busyboxUserland, installStandIn, link, standIn, write, VIRTIO_MODULE_DEPS } from './rhel5-tree.js';

export type DebianRelease = 'debian7' | 'debian12' | 'ubuntu1404' | 'ubuntu2004';

interface ReleaseShape {
  kernel: string;
  init: 'sysvinit' | 'systemd' | 'upstart';
  osRelease: string;
  extra: Record<string, string>;
  modulesSetting: 'most' | 'dep' | 'list';
  mkconfig: 'none' | 'broken';
  net: 'interfaces' | 'netplan';
  persistentNet: boolean;
}

export const RELEASES: Record<DebianRelease, ReleaseShape> = {
  debian7: {
    kernel: '3.2.0-4-amd64', init: 'sysvinit', modulesSetting: 'most', mkconfig: 'none', net: 'interfaces', persistentNet: true,
    osRelease: 'PRETTY_NAME="Debian GNU/Linux 7 (wheezy)"\nNAME="Debian GNU/Linux"\nVERSION_ID="7"\nVERSION="7 (wheezy)"\nID=debian\nANSI_COLOR="1;31"\nHOME_URL="http://www.debian.org/"\n',
    extra: { 'etc/debian_version': '7.11\n' },
  },
  debian12: {
    kernel: '6.1.0-50-amd64', init: 'systemd', modulesSetting: 'dep', mkconfig: 'none', net: 'interfaces', persistentNet: false,
    osRelease: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n',
    extra: { 'etc/debian_version': '12.12\n' },
  },
  ubuntu1404: {
    kernel: '3.13.0-170-generic', init: 'upstart', modulesSetting: 'most', mkconfig: 'broken', net: 'interfaces', persistentNet: true,
    osRelease: 'NAME="Ubuntu"\nVERSION="14.04.6 LTS, Trusty Tahr"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME="Ubuntu 14.04.6 LTS"\nVERSION_ID="14.04"\n',
    extra: { 'etc/debian_version': 'jessie/sid\n', 'etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=14.04\nDISTRIB_CODENAME=trusty\nDISTRIB_DESCRIPTION="Ubuntu 14.04.6 LTS"\n' },
  },
  ubuntu2004: {
    kernel: '5.4.0-216-generic', init: 'systemd', modulesSetting: 'dep', mkconfig: 'none', net: 'netplan', persistentNet: false,
    osRelease: 'NAME="Ubuntu"\nVERSION="20.04.6 LTS (Focal Fossa)"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME="Ubuntu 20.04.6 LTS"\nVERSION_ID="20.04"\nVERSION_CODENAME=focal\n',
    extra: { 'etc/debian_version': 'bullseye/sid\n', 'etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=20.04\nDISTRIB_CODENAME=focal\nDISTRIB_DESCRIPTION="Ubuntu 20.04.6 LTS"\n' },
  },
};

/** The modules of a pvops kernel that runs on Xen and KVM (paths as in the distributions' packages), with their dependencies; shared with rhel-tree.ts. */
export const PVOPS_MODULES: Record<string, string[]> = {
  ...VIRTIO_MODULE_DEPS,
  'kernel/drivers/block/xen-blkfront.ko': [],
  'kernel/drivers/net/xen-netfront.ko': [],
  'kernel/fs/mbcache.ko': [],
  'kernel/fs/jbd2/jbd2.ko': [],
  'kernel/fs/ext4/ext4.ko': ['kernel/fs/mbcache.ko', 'kernel/fs/jbd2/jbd2.ko'],
};

const MODULES: Record<string, string[]> = {
  ...PVOPS_MODULES,
  'kernel/drivers/scsi/virtio_scsi.ko': ['kernel/drivers/virtio/virtio_ring.ko', 'kernel/drivers/virtio/virtio.ko'],
};

const KERNEL_CONFIG = ['CONFIG_X86_64=y', 'CONFIG_64BIT=y', 'CONFIG_MODULES=y', 'CONFIG_XEN=y', 'CONFIG_XEN_PVHVM=y', 'CONFIG_XEN_BLKDEV_FRONTEND=m', 'CONFIG_XEN_NETDEV_FRONTEND=m',
  'CONFIG_VIRTIO=m', 'CONFIG_VIRTIO_RING=m', 'CONFIG_VIRTIO_PCI=m', 'CONFIG_VIRTIO_BLK=m', 'CONFIG_VIRTIO_NET=m', 'CONFIG_SCSI_VIRTIO=m', 'CONFIG_EXT4_FS=m', 'CONFIG_SERIAL_8250=y', 'CONFIG_SERIAL_8250_CONSOLE=y', 'CONFIG_HVC_XEN=y'];

/** The initramfs built under Xen: xen-blkfront, xen-netfront, ext4 — no virtio. */
function xenInitramfs(version: string): Buffer {
  const entries: CpioEntry[] = [{ name: '.', type: 'dir' }, { name: 'conf', type: 'dir' }, { name: 'scripts', type: 'dir' }];
  for (const m of ['kernel/drivers/block/xen-blkfront.ko', 'kernel/drivers/net/xen-netfront.ko', 'kernel/fs/mbcache.ko', 'kernel/fs/jbd2/jbd2.ko', 'kernel/fs/ext4/ext4.ko']) {
    entries.push({ name: `lib/modules/${version}/${m}`, type: 'file', data: standIn(`${m} (${version})`, 1024) });
  }
  entries.push({ name: 'init', type: 'file', mode: 0o755, data: Buffer.from('#!/bin/sh\n# initramfs-tools init (stand-in)\n') });
  return gzipSync(writeNewc(entries), { level: 9 });
}

export const DEBIAN_UUID = '0e4c8b2a-6d1f-4f3e-a2b7-5c9d8e7f6a10';

function grubCfg(kernel: string, title: string): string {
  return `#
# DO NOT EDIT THIS FILE
#
# It is automatically generated by grub-mkconfig using templates
# from /etc/grub.d and settings from /etc/default/grub
#

### BEGIN /etc/grub.d/00_header ###
set default="0"
set timeout=5
### END /etc/grub.d/00_header ###

### BEGIN /etc/grub.d/10_linux ###
menuentry '${title}' --class debian --class gnu-linux --class gnu --class os $menuentry_id_option 'gnulinux-simple-${DEBIAN_UUID}' {
\tinsmod part_msdos
\tinsmod ext2
\tsearch --no-floppy --fs-uuid --set=root ${DEBIAN_UUID}
\techo\t'Loading Linux ${kernel} ...'
\tlinux\t/boot/vmlinuz-${kernel} root=/dev/xvda1 ro console=hvc0 quiet
\techo\t'Loading initial ramdisk ...'
\tinitrd\t/boot/initrd.img-${kernel}
}
menuentry '${title}, with Linux ${kernel} (recovery mode)' --class debian --class gnu-linux --class gnu --class os {
\tinsmod ext2
\tsearch --no-floppy --fs-uuid --set=root ${DEBIAN_UUID}
\tlinux\t/boot/vmlinuz-${kernel} root=/dev/xvda1 ro single console=hvc0
\tinitrd\t/boot/initrd.img-${kernel}
}
### END /etc/grub.d/10_linux ###
`;
}

const DEFAULT_GRUB = `# If you change this file, run 'update-grub' afterwards to update
# /boot/grub/grub.cfg.
# For full documentation of the options in this file, see:
#   info -f grub -n 'Simple configuration'

GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR=\`lsb_release -i -s 2> /dev/null || echo Debian\`
GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX="console=hvc0 xencons=hvc0"

# Uncomment to disable graphical terminal (grub-pc only)
#GRUB_TERMINAL=console
`;

export interface DebianTreeOptions {
  root: string;
  release: DebianRelease;
  macs: string[];
  hostname: string;
}

export function writeDebianTree(o: DebianTreeOptions): void {
  const { root } = o;
  const r = RELEASES[o.release];
  const k = r.kernel;
  for (const d of ['bin', 'sbin', 'dev', 'proc', 'sys', 'tmp', 'root', 'run', 'usr/bin', 'usr/sbin', 'usr/lib', 'var/lib/initramfs-tools', 'var/log', 'var/tmp', 'lib', 'etc/default', 'boot/grub']) {
    mkdirSync(join(root, d), { recursive: true });
  }
  chmodSync(join(root, 'tmp'), 0o1777);
  busyboxUserland(root, ['sha1sum']);
  installStandIn(root, 'debian/update-initramfs', 'usr/sbin/update-initramfs');
  if (r.mkconfig === 'broken') {
    installStandIn(root, 'debian/grub-mkconfig', 'usr/sbin/grub-mkconfig');
    write(join(root, 'usr/sbin/update-grub'), '#!/bin/sh\nset -e\nexec grub-mkconfig -o /boot/grub/grub.cfg "$@"\n', 0o755);
  }
  write(join(root, 'sbin/getty'), standIn('getty'), 0o755);
  write(join(root, 'etc/os-release'), r.osRelease);
  for (const [p, text] of Object.entries(r.extra)) write(join(root, p), text);
  write(join(root, 'etc/hostname'), `${o.hostname}\n`);
  write(join(root, 'etc/fstab'), `# /etc/fstab: static file system information.
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
/dev/xvda1      /               ext4    errors=remount-ro 0       1
/dev/xvda2      none            swap    sw              0       0
proc            /proc           proc    defaults        0       0
`);
  write(join(root, 'etc/default/grub'), DEFAULT_GRUB);
  const title = o.release.startsWith('ubuntu') ? 'Ubuntu' : 'Debian GNU/Linux';
  write(join(root, 'boot/grub/grub.cfg'), grubCfg(k, title));

  // The kernel (stand-in image; real config and module layout) and its Xen initramfs.
  write(join(root, `boot/vmlinuz-${k}`), standIn(`vmlinuz-${k}`, 8192));
  write(join(root, `boot/config-${k}`), `#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 ${k} Kernel Configuration\n#\n${KERNEL_CONFIG.join('\n')}\n`);
  write(join(root, `boot/System.map-${k}`), 'ffffffff81000000 T _text\n');
  write(join(root, `boot/initrd.img-${k}`), xenInitramfs(k));
  const moddir = join(root, 'lib/modules', k);
  for (const m of Object.keys(MODULES)) write(join(moddir, m), standIn(`${m} (${k})`, 1024));
  write(join(moddir, 'modules.dep'), Object.entries(MODULES).map(([m, deps]) => `${m}:${deps.length ? ` ${deps.join(' ')}` : ''}`).join('\n') + '\n');
  write(join(moddir, 'modules.builtin'), 'kernel/drivers/tty/hvc/hvc_xen.ko\n');

  // initramfs-tools, as set up under Xen.
  write(join(root, 'etc/initramfs-tools/initramfs.conf'), `#\n# initramfs.conf\n# Configuration file for mkinitramfs(8). See initramfs.conf(5).\n#\n\nMODULES=${r.modulesSetting}\n\nBUSYBOX=y\n\nCOMPRESS=gzip\n\nBOOT=local\n`);
  write(join(root, 'etc/initramfs-tools/modules'), `# List of modules that you want to include in your initramfs.\n# They will be loaded at boot time in the order below.\n#\n# Syntax:  module_name [args ...]\n#\n# You must run update-initramfs(8) to effect this change.\n#\n# Examples:\n#\n# raid1\n# sd_mod\nxen-blkfront\nxen-netfront\n`);
  mkdirSync(join(root, 'etc/initramfs-tools/conf.d'), { recursive: true });
  write(join(root, 'etc/initramfs-tools/conf.d/resume'), 'RESUME=/dev/xvda2\n');

  // The init system and its getty on Xen's console.
  if (r.init === 'sysvinit') {
    write(join(root, 'sbin/init'), standIn('sysvinit'), 0o755);
    write(join(root, 'etc/inittab'), `# /etc/inittab: init(8) configuration.
id:2:initdefault:
si::sysinit:/etc/init.d/rcS
l2:2:wait:/etc/init.d/rc 2
ca:12345:ctrlaltdel:/sbin/shutdown -t1 -a -r now
1:2345:respawn:/sbin/getty 38400 tty1
2:23:respawn:/sbin/getty 38400 tty2
hvc0:2345:respawn:/sbin/getty 38400 hvc0
`);
    write(join(root, 'etc/securetty'), '# /etc/securetty: list of terminals on which root is allowed to login.\nconsole\n\n# Xen console\nhvc0\n\n# Standard consoles\ntty1\ntty2\ntty3\ntty4\ntty5\ntty6\n');
  } else if (r.init === 'upstart') {
    write(join(root, 'sbin/init'), standIn('upstart'), 0o755);
    const job = (tty: string, speed: string) => `# ${tty} - getty
#
# This service maintains a getty on ${tty} from the point the system is
# started until it is shut down again.

start on stopped rc RUNLEVEL=[2345] and (
            not-container or
            container CONTAINER=lxc or
            container CONTAINER=lxc-libvirt)

stop on runlevel [!2345]

respawn
exec /sbin/getty -8 ${speed} ${tty}
`;
    write(join(root, 'etc/init/tty1.conf'), job('tty1', '38400'));
    write(join(root, 'etc/init/hvc0.conf'), job('hvc0', '38400'));
    write(join(root, 'etc/securetty'), '# /etc/securetty: list of terminals on which root is allowed to login.\nconsole\nhvc0\ntty1\ntty2\n');
  } else {
    write(join(root, 'lib/systemd/systemd'), standIn('systemd'), 0o755);
    link(join(root, 'sbin/init'), '/lib/systemd/systemd');
    write(join(root, 'lib/systemd/system/serial-getty@.service'), '[Unit]\nDescription=Serial Getty on %I\n\n[Service]\nExecStart=-/sbin/agetty -o \'-p -- \\\\u\' --keep-baud 115200,57600,38400,9600 %I $TERM\n');
    if (o.release === 'debian12') link(join(root, 'etc/systemd/system/getty.target.wants/serial-getty@hvc0.service'), '/lib/systemd/system/serial-getty@.service');
  }

  // The network, as the Xen NIC named it: eth0.
  if (r.net === 'interfaces') {
    write(join(root, 'etc/network/interfaces'), '# interfaces(5) file used by ifup(8) and ifdown(8)\nauto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n');
  } else {
    write(join(root, 'etc/netplan/50-cloud-init.yaml'), `# This file is generated from information provided by the datasource.\nnetwork:\n    ethernets:\n        eth0:\n            dhcp4: true\n            match:\n                macaddress: ${o.macs[0]}\n            set-name: eth0\n    version: 2\n`);
  }
  if (r.persistentNet) {
    write(join(root, 'etc/udev/rules.d/70-persistent-net.rules'), `# This file was automatically generated by the /lib/udev/write_net_rules
# program, run by the persistent-net-generator.rules rules file.
#
# You can modify it, as long as you keep each rule on a single
# line, and change only the value of the NAME= key.

# PCI device 0x0000:0x0000 (vif)
SUBSYSTEM=="net", ACTION=="add", DRIVERS=="vif", ATTR{address}=="${o.macs[0]}", ATTR{dev_id}=="0x0", ATTR{type}=="1", KERNEL=="eth*", NAME="eth0"
`);
  }
}
