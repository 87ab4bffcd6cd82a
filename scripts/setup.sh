#!/usr/bin/env bash
# Installs what xen2kvm needs on Debian 12, as root: the Debian tools it calls, then
# the npm packages (which also builds dist/). `scripts/setup.sh --test` adds what the
# tests need besides (a VM kernel and qemu, debootstrap, xen-tools, sshd, Ansible).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  libvirt-clients   # virsh, virt-xml-validate
  libxml2-utils     # xmllint, which virt-xml-validate runs
  util-linux        # losetup, mount, blkid
  fdisk             # sfdisk
  e2fsprogs         # mkfs.ext3, debugfs, tune2fs
  lvm2              # pvs, vgs, lvs, vgchange
  kpartx            # the device-mapper attach strategy
  cpio              # initrd reading and building in tests
  busybox-static    # a chroot-able userland for test guest images; the test VM's initramfs
  xz-utils zstd     # compressed initrds
  qemu-utils        # qemu-img, qemu-nbd (qcow2 disks)
  kmod              # modprobe (nbd; the test VM's module list)
  libvirt-daemon-system # libvirtd: convert --define, host-prep's networks
  dnsmasq-base      # libvirt networks with DHCP
  iproute2          # bridges for libvirt networks
  btrfs-progs       # btrfs guests (subvolumes) and their test images
  mdadm             # guests on md RAID (assembled read-only)
  cryptsetup-bin    # guests on LUKS (opened with --key)
  xfsprogs          # CentOS 7 sample guests (xfs /boot and root)
)
# Only for the tests (--test): the VM tier, the boot proof, the fleet demo. (`--sandbox vm`
# needs qemu-system-x86 and linux-image-amd64 too.)
TEST_PACKAGES=(
  qemu-system-x86   # the VM test tier (device-mapper strategy)
  linux-image-amd64 # the test VM's kernel, which has device-mapper
  debootstrap       # the real Debian 11/12/13 guests of scripts/boot-proof (scripts/images/debian-guest)
  xen-tools         # xen-create-image: the boot proof's xen-tools guests (scripts/images/xen-tools-guest)
  iputils-ping      # the boot proof pings each booted guest at its DHCP address
  ansible-core      # ansible/ playbooks (estate migration) and scripts/fleet-demo
  python3-apt       # Ansible's apt module (install.yml) on the demo's KVM host, this machine
  ansible-lint      # test/ansible: the role and playbooks pass ansible-lint --profile production
  openssh-server    # scripts/fleet-demo's sshd (loopback only): the Xen and KVM hosts it drives
  openssh-client    # ssh: Ansible's connection, dd | ssh disk transfers
  sshfs             # ansible/inspect.yml reads Xen hosts' image files read-only over sshfs
  pv                # the role's bandwidth limit (xen2kvm_copy_bandwidth_mbit; fleet-demo --link-mbit)
  chromium          # test/ansible/report-html.test.ts loads the migration report's HTML page, headless
)
case "${1:-}" in
  '') ;;
  --test) PACKAGES+=("${TEST_PACKAGES[@]}") ;;
  *) echo "usage: scripts/setup.sh [--test]" >&2; exit 2 ;;
esac

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
else
  echo "setup: not root or no apt-get; install these Debian packages yourself: ${PACKAGES[*]}" >&2
fi

npm ci --no-audit --no-fund
