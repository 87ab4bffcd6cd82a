// What the RHEL releases share (RHEL, CentOS, Oracle Linux, Scientific Linux, and
// Fedora): ifcfg network scripts pinned by HWADDR, yum's kernel hints, kernel-xen.
import type { FamilyTraits } from '../guest/family.js';
import type { OsInfo } from '../guest/release.js';

/** The Red Hat releases detectOs names (it reads /etc/redhat-release, /etc/centos-release, os-release ID/ID_LIKE). */
export const isRedHat = (os: OsInfo) => os.family === 'rhel';

export const RHEL_COMMON: Pick<FamilyTraits, 'network' | 'xenFlavour' | 'kernelHint' | 'needsClockFix' | 'netNaming'> = {
  network: { dir: '/etc/sysconfig/network-scripts', file: /^ifcfg-(eth\d+)$/, macKey: 'HWADDR' },
  xenFlavour: /xen/,
  kernelHint: { install: '"yum install kernel" (RHEL/CentOS/Fedora)', update: '"yum update kernel"', minimum: 'RHEL 5.3' },
  needsClockFix: () => false,
  // Under systemd (RHEL 7, Fedora) an ifcfg-ethN with HWADDR= keeps its name (RHEL's udev rule renames by it); one without does not.
  netNaming: (facts) => (facts.initSystem === 'systemd' && facts.network.unpinned.some((n) => /^eth\d+$/.test(n)) ? 'ifnames-off' : 'keep'),
};
