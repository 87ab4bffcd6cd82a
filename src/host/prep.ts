// The host-side edits of `xen2kvm host-prep`, as edits over the host's root, so
// they follow the same rules as guest edits: pure renderers, atomic writes,
// backups, idempotence, diffs and dry-run.
import { randomUUID } from 'node:crypto';
import { kernelVersionOf, parseGrubLegacy } from '../formats/grub-legacy.js';
import type { RootFs } from '../tree/fs.js';
import { compareVersions } from '../guest/kernels.js';
import { planChkconfig } from '../tree/rc-links.js';
import type { Edit, TreeOp } from '../tree/types.js';
import { mapLines } from '../tree/types.js';
import { bridgeIfcfg, debianBridge, isBridgePort, portIfcfg } from './netconfig.js';
import { freeBridgeName, readNetworkXml, readdressNetworkXml, renderNetworkXml } from './network-xml.js';
import { overlaps, type Ipv4Net } from './ipv4.js';
import { renderSysctl } from './sysctl.js';

export type NetStyle = 'ifcfg' | 'ifupdown' | 'networkmanager' | 'unknown';

export interface HostContext {
  style: NetStyle;
  bridge?: { name: string; port: string };
  hostonly?: { name: string; net: Ipv4Net };
  /** Move the default NAT network here (asked, or because it clashes with a host address). */
  nat?: Ipv4Net;
  /** Write network XML files (libvirtd not reachable); otherwise virsh defines them. */
  networkFiles: boolean;
  swappiness: number;
  bridgeNfOff?: boolean;
  hugepages?: number;
  /** Add a hugetlbfs line to fstab (hosts without systemd's dev-hugepages.mount). */
  hugetlbfsFstab: boolean;
  /** UUID for a new network (fixed in tests). */
  newUuid?: string;
}

const NETDIR = '/etc/libvirt/qemu/networks';
const SCRIPTS = '/etc/sysconfig/network-scripts';

/** How the host configures its network. */
export async function detectNetStyle(fs: RootFs): Promise<NetStyle> {
  if ((await fs.kind(SCRIPTS)) === 'dir') return 'ifcfg';
  const nm = await fs.list('/etc/NetworkManager/system-connections');
  if (nm.some((f) => f.endsWith('.nmconnection'))) return 'networkmanager';
  if ((await fs.kind('/etc/network/interfaces')) === 'file') return 'ifupdown';
  return 'unknown';
}

/** Networks defined as files under /etc/libvirt/qemu/networks. */
export async function existingNetworks(fs: RootFs): Promise<ReturnType<typeof readNetworkXml>[]> {
  const out = [];
  for (const f of (await fs.list(NETDIR)).filter((x) => x.endsWith('.xml'))) {
    const text = await fs.readText(`${NETDIR}/${f}`);
    if (text) out.push(readNetworkXml(text));
  }
  return out;
}

const bridgePort: Edit<HostContext> = {
  kind: 'file', id: 'bridge-port', describe: 'the port interface becomes a port of the bridge (BRIDGE=, IP settings moved)',
  paths: async (_fs, c) => (c.bridge && c.style === 'ifcfg' ? [`${SCRIPTS}/ifcfg-${c.bridge.port}`] : []),
  apply: (text, c) => (isBridgePort(text, c.bridge!.name) ? text : portIfcfg(text, c.bridge!.name)),
};

const bridgeFile: Edit<HostContext> = {
  kind: 'tree', id: 'bridge', describe: 'the bridge interface (ifcfg-BR with TYPE=Bridge, or a bridge stanza in /etc/network/interfaces)',
  plan: async (fs, c) => {
    if (!c.bridge || c.style !== 'ifcfg') return [];
    const path = `${SCRIPTS}/ifcfg-${c.bridge.name}`;
    if (await fs.kind(path)) return [];
    const port = await fs.readText(`${SCRIPTS}/ifcfg-${c.bridge.port}`);
    if (port === undefined) throw new Error(`${SCRIPTS}/ifcfg-${c.bridge.port} does not exist; name the host's interface with --bridge-port`);
    return [{ op: 'create', path, text: bridgeIfcfg(port, c.bridge.name), mode: 0o644 }];
  },
};

const debianInterfaces: Edit<HostContext> = {
  kind: 'file', id: 'bridge-interfaces', describe: 'a bridge stanza in /etc/network/interfaces',
  paths: async (_fs, c) => (c.bridge && c.style === 'ifupdown' ? ['/etc/network/interfaces'] : []),
  apply: (text, c) => debianBridge(text, c.bridge!.name, c.bridge!.port),
};

const hostonlyNetwork: Edit<HostContext> = {
  kind: 'tree', id: 'hostonly-network', describe: 'a host-only libvirt network (replaces the dummy0 Xen network), autostarted',
  plan: async (fs, c) => {
    if (!c.hostonly || !c.networkFiles) return [];
    const path = `${NETDIR}/${c.hostonly.name}.xml`;
    const ops: TreeOp[] = [];
    if (!(await fs.kind(path))) {
      const used = (await existingNetworks(fs)).map((n) => n.bridge ?? '');
      ops.push({ op: 'create', path, mode: 0o600, text: renderNetworkXml({ name: c.hostonly.name, uuid: c.newUuid ?? randomUUID(), bridge: freeBridgeName(used), net: c.hostonly.net }) });
    }
    const link = `${NETDIR}/autostart/${c.hostonly.name}.xml`;
    if ((await fs.kind(`${NETDIR}/autostart`)) === 'dir' && (await fs.linkTarget(link)) === undefined) ops.push({ op: 'symlink', path: link, target: `../${c.hostonly.name}.xml` });
    return ops;
  },
};

const natNetwork: Edit<HostContext> = {
  kind: 'file', id: 'nat-network', describe: 'the default NAT network moved to an address range that clashes with nothing',
  paths: async (_fs, c) => (c.nat && c.networkFiles ? [`${NETDIR}/default.xml`] : []),
  apply: (text, c) => readdressNetworkXml(text, c.nat!),
};

const dummyOff: Edit<HostContext> = {
  kind: 'file', id: 'dummy0-off', describe: 'dummy0 (the Xen host-only network) not started at boot',
  paths: async () => [`${SCRIPTS}/ifcfg-dummy0`],
  apply: (text) => mapLines(text, (l) => l.replace(/^(\s*ONBOOT=)(["']?)yes\2\s*$/i, '$1no')),
};

const xenServicesOff: Edit<HostContext> = {
  kind: 'tree', id: 'xen-services-off', describe: 'xend, xendomains and xencommons disabled at boot',
  plan: async (fs) => {
    const ops: TreeOp[] = [];
    for (const s of ['xend', 'xendomains', 'xencommons']) ops.push(...(await planChkconfig(fs, s, false)));
    for (const wants of ['multi-user.target.wants', 'default.target.wants']) {
      for (const unit of await fs.list(`/etc/systemd/system/${wants}`)) {
        if (/^(xend|xendomains|xencommons|xen-init-dom0|xenconsoled|xenstored)\.service$/.test(unit)) {
          ops.push({ op: 'rename', from: `/etc/systemd/system/${wants}/${unit}`, to: `/etc/systemd/system/${wants}/.${unit}.disabled-by-xen2kvm` });
        }
      }
    }
    return ops;
  },
};

/** The host's grub default → the newest plain (non-Xen) kernel. Pure. */
export function hostGrubDefault(text: string): string {
  const menu = parseGrubLegacy(text);
  let best = -1;
  menu.entries.forEach((e, i) => {
    const v = e.kernel && kernelVersionOf(e.kernel.path);
    if (!v || /xen/i.test(v) || /xen\.gz/.test(e.kernel!.path)) return;
    const bv = best >= 0 ? kernelVersionOf(menu.entries[best].kernel!.path)! : undefined;
    if (bv === undefined || compareVersions(v, bv) > 0) best = i;
  });
  if (best < 0 || menu.defaultLine === undefined || menu.defaultIndex === best) return text;
  const lines = [...menu.lines];
  lines[menu.defaultLine] = lines[menu.defaultLine].replace(/^(\s*default\s*=?\s*)\S*/, `$1${best}`);
  return lines.join('\n');
}

const hostGrub: Edit<HostContext> = {
  kind: 'file', id: 'host-grub-default', describe: 'the host boots its newest non-Xen kernel',
  paths: async (fs) => {
    for (const p of ['/boot/grub/grub.conf', '/boot/grub/menu.lst']) if ((await fs.kind(p)) === 'file') return [await fs.realGuestPath(p)];
    return [];
  },
  apply: (text) => hostGrubDefault(text),
};

const sysctlText = (c: HostContext) => renderSysctl({ swappiness: c.swappiness, bridgeNfOff: !!c.bridgeNfOff, ...(c.hugepages !== undefined ? { hugepages: c.hugepages } : {}) });
const SYSCTL_D = '/etc/sysctl.d/90-xen2kvm.conf';

/** Hosts without /etc/sysctl.d (RHEL 5) keep the settings in a marked block of /etc/sysctl.conf. Pure. */
export function sysctlConfBlock(text: string, block: string): string {
  const begin = '# BEGIN xen2kvm';
  const end = '# END xen2kvm';
  const wrapped = `${begin}\n${block}${end}\n`;
  const re = new RegExp(`${begin}\\n[\\s\\S]*?${end}\\n?`);
  if (re.test(text)) return text.replace(re, wrapped);
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${wrapped}`;
}

const sysctl: Edit<HostContext> = {
  kind: 'file', id: 'sysctl', describe: 'sysctl settings (swappiness, hugepages; bridge filtering off with --bridge-nf-off) in /etc/sysctl.d/90-xen2kvm.conf',
  paths: async (fs) => ((await fs.kind('/etc/sysctl.d')) === 'dir' ? [SYSCTL_D] : ['/etc/sysctl.conf']),
  apply: (text, c, path) => (path === SYSCTL_D ? sysctlText(c) : sysctlConfBlock(text, sysctlText(c))),
  create: (c) => ({ path: SYSCTL_D, text: sysctlText(c), mode: 0o644 }),
};

const hugetlbfs: Edit<HostContext> = {
  kind: 'file', id: 'hugetlbfs', describe: 'hugetlbfs mounted at /dev/hugepages (hosts without systemd)',
  paths: async (_fs, c) => (c.hugepages !== undefined && c.hugetlbfsFstab ? ['/etc/fstab'] : []),
  apply: (text) => (/^\s*\S+\s+\S+\s+hugetlbfs\s/m.test(text) ? text : `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}hugetlbfs               /dev/hugepages          hugetlbfs defaults        0 0\n`),
};

export const HOST_EDITS: Edit<HostContext>[] = [
  // The bridge is made from the port's file before the port is reduced to a port.
  bridgeFile, bridgePort, debianInterfaces, hostonlyNetwork, natNetwork, dummyOff, xenServicesOff, hostGrub, sysctl, hugetlbfs,
];

/** Host addresses configured in the host's files (ifcfg IPADDR, interfaces address). */
export async function configuredAddresses(fs: RootFs): Promise<Ipv4Net[]> {
  const out: Ipv4Net[] = [];
  for (const f of (await fs.list(SCRIPTS)).filter((x) => x.startsWith('ifcfg-'))) {
    const t = (await fs.readText(`${SCRIPTS}/${f}`)) ?? '';
    const ip = /^IPADDR=["']?([\d.]+)/m.exec(t)?.[1];
    const mask = /^NETMASK=["']?([\d.]+)/m.exec(t)?.[1];
    const prefix = /^PREFIX=["']?(\d+)/m.exec(t)?.[1];
    if (ip) out.push({ address: ip, prefix: prefix ? Number(prefix) : mask ? mask.split('.').reduce((n, o) => n + Number(o).toString(2).replace(/0/g, '').length, 0) : 24 });
  }
  const ifaces = (await fs.readText('/etc/network/interfaces')) ?? '';
  for (const m of ifaces.matchAll(/^\s*address\s+([\d.]+)(?:\/(\d+))?/gm)) out.push({ address: m[1], prefix: m[2] ? Number(m[2]) : 24 });
  return out;
}

/** Does the default NAT network clash with a host address? */
export function natClash(defaultNet: Ipv4Net | undefined, hostNets: Ipv4Net[]): Ipv4Net | undefined {
  if (!defaultNet) return undefined;
  return hostNets.find((h) => overlaps(h, defaultNet));
}
