// The host's kernel settings for KVM guests, in one sysctl.d file: swappiness
// (10, as tuned's virtual-host profile; the seed's 0 means, on kernels since 3.5,
// OOM kills before any swapping, so it is opt-in), bridged traffic kept out of the
// host's iptables only when asked (the seed does it; it needs br_netfilter loaded,
// and hosts that filter bridged traffic on purpose — Docker, Kubernetes — need it
// on), hugepages. Pure.

export interface SysctlSettings {
  swappiness: number;
  /** The seed's net.bridge.bridge-nf-call-* = 0 (opt-in: --bridge-nf-off). */
  bridgeNfOff?: boolean;
  hugepages?: number;
}

export function renderSysctl(s: SysctlSettings): string {
  const lines = [
    '# Written by xen2kvm host-prep: settings for KVM guests moved from Xen.',
    ...(s.bridgeNfOff ? [
      '# Bridged guest traffic is not passed through the host\'s iptables (as under Xen; --bridge-nf-off).',
      'net.bridge.bridge-nf-call-ip6tables = 0',
      'net.bridge.bridge-nf-call-iptables = 0',
      'net.bridge.bridge-nf-call-arptables = 0',
    ] : []),
    '# Swap guest memory only under pressure.',
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
