// The host's kernel settings for KVM guests, in one sysctl.d file: bridged
// traffic not filtered by the host's iptables (the guests keep their own
// firewalls, as under Xen), swappiness (the seed sets 0), hugepages. Pure.

export interface SysctlSettings {
  swappiness: number;
  hugepages?: number;
}

export function renderSysctl(s: SysctlSettings): string {
  const lines = [
    '# Written by xen2kvm host-prep: settings for KVM guests moved from Xen.',
    '# Bridged guest traffic is not passed through the host\'s iptables (as under Xen).',
    'net.bridge.bridge-nf-call-ip6tables = 0',
    'net.bridge.bridge-nf-call-iptables = 0',
    'net.bridge.bridge-nf-call-arptables = 0',
    '# Keep guest memory out of swap.',
    `vm.swappiness = ${s.swappiness}`,
  ];
  if (s.hugepages !== undefined) lines.push('# Hugepages for the guests: their memory / Hugepagesize + 6 pages each.', `vm.nr_hugepages = ${s.hugepages}`);
  return `${lines.join('\n')}\n`;
}

/** Hugepagesize in KiB from /proc/meminfo text, and MemTotal. */
export function readMeminfo(text: string): { hugepageKiB: number; memTotalKiB: number } {
  const hp = /^Hugepagesize:\s+(\d+)\s+kB/m.exec(text);
  const total = /^MemTotal:\s+(\d+)\s+kB/m.exec(text);
  return { hugepageKiB: hp ? Number(hp[1]) : 2048, memTotalKiB: total ? Number(total[1]) : 0 };
}

/** The seed's rule: each guest's memory in hugepages, rounded up, plus 6 pages per guest. */
export function hugepagesFor(guestMemoryMiB: number[], hugepageKiB: number): number {
  return guestMemoryMiB.reduce((n, mib) => n + Math.ceil((mib * 1024) / hugepageKiB) + 6, 0);
}
