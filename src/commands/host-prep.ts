// `xen2kvm host-prep`: the seed post's host half — bridge, networks, Xen off,
// sysctl, hugepages — as previewable, reversible edits of the host's files.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { listed } from './table.js';
import { newRunId } from '../tree/manifest.js';
import { applyEdits, type EditOutcome } from '../tree/runner.js';
import { atomicWrite } from '../tree/files.js';
import { UserError, warning, type Warning } from '../errors.js';
import { jsonDocument, jsonText } from '../report/contract.js';
import { rootFs } from '../tree/fs.js';
import { renderDomainXml } from '../host/domain-xml.js';
import { parseCidr, type Ipv4Net } from '../host/ipv4.js';
import { freeBridgeName, readNetworkXml, readdressNetworkXml, renderNetworkXml } from '../host/network-xml.js';
import { withHugepages } from '../host/domain-edit.js';
import { nmcliCommands } from '../host/netconfig.js';
import { configuredAddresses, detectNetStyle, HOST_EDITS, natClash, type HostContext } from '../host/prep.js';
import { hugepagesFor, readMeminfo } from '../host/sysctl.js';
import { defineNetwork, libvirtReachable, setLibvirtUri, networkBridges, networkExists, networkXml, validateXml } from '../host/virsh.js';
import { log } from '../log.js';
import { run } from '../run.js';
import { loadGuest } from './options.js';

interface HostPrepArgs {
  connect?: string;
  'host-root': string;
  'dry-run'?: boolean;
  'show-diff'?: boolean;
  bridge?: string;
  'bridge-port': string;
  'hostonly-network'?: string;
  'hostonly-address'?: string;
  'nat-address'?: string;
  swappiness: number;
  'bridge-nf-off'?: boolean;
  'hugepages-for'?: string[];
  'output-dir': string;
  meminfo: string;
  json?: boolean;
}

const cidr = (opt: string, v: string | undefined): Ipv4Net | undefined => {
  if (v === undefined) return undefined;
  try {
    return parseCidr(v);
  } catch (e) {
    throw new UserError(`--${opt}: ${(e as Error).message}`);
  }
};

export const hostPrepCommand: CommandModule<object, HostPrepArgs> = {
  ...listed('host-prep'),
  builder: (y) =>
    y
      .option('host-root', { type: 'string', default: '/', describe: 'The host\'s root directory (to prepare a host image or test tree)' })
      .option('connect', { alias: 'c', type: 'string', describe: 'libvirt URI for the networks, as virsh -c (default: $LIBVIRT_DEFAULT_URI, else qemu:///system)' })
      .option('dry-run', { alias: 'n', type: 'boolean', describe: 'Show the diffs; change nothing' })
      .option('show-diff', { type: 'boolean', describe: 'Print the diff of every change' })
      .option('bridge', { type: 'string', describe: 'Make a bridge of this name for the guests (e.g. br0)' })
      .option('bridge-port', { type: 'string', default: 'eth0', describe: 'The host interface the bridge takes over' })
      .option('hostonly-network', { type: 'string', describe: 'Name of a host-only libvirt network to create (e.g. hostonly)' })
      .option('hostonly-address', { type: 'string', describe: 'The host\'s address on it, with prefix (e.g. 192.168.100.1/24)' })
      .option('nat-address', { type: 'string', describe: 'Move the default NAT network to this address/prefix' })
      .option('swappiness', { type: 'number', default: 10, describe: 'vm.swappiness (10, as tuned\'s virtual-host profile; the seed\'s 0 means OOM kills before any swapping on kernels since 3.5)' })
      .option('bridge-nf-off', { type: 'boolean', describe: 'The seed\'s net.bridge.bridge-nf-call-* = 0: bridged guest traffic skips the host\'s iptables (needs br_netfilter; not on hosts that filter bridges on purpose)' })
      .option('hugepages-for', { type: 'string', array: true, describe: 'Xen configs of the guests to back with hugepages' })
      .option('output-dir', { alias: 'o', type: 'string', default: './xen2kvm-out', describe: 'Where those guests\' domain XML is (NAME.xml gets <hugepages/>)' })
      .option('meminfo', { type: 'string', default: '/proc/meminfo', describe: 'Where to read Hugepagesize and MemTotal' })
      .example('$0 host-prep --bridge br0 --bridge-port eth0 --hostonly-network hostonly --hostonly-address 192.168.100.1/24 --dry-run', 'See what preparing this host would change')
      .example('$0 host-prep --hugepages-for /etc/xen/test1 /etc/xen/test2', 'Reserve hugepages for two guests') as never,
  handler: async (a) => {
    setLibvirtUri(a.connect);
    const root = resolve(a['host-root']);
    if (!existsSync(root)) throw new UserError(`--host-root ${root} does not exist`);
    if ((a['hostonly-network'] === undefined) !== (a['hostonly-address'] === undefined)) throw new UserError('--hostonly-network and --hostonly-address go together');
    if (!Number.isInteger(a.swappiness) || a.swappiness < 0 || a.swappiness > 100) throw new UserError('--swappiness takes 0 to 100');
    const fs = rootFs(root);
    const dryRun = !!a['dry-run'];
    const warnings: Warning[] = [];
    const actions: string[] = [];
    const style = await detectNetStyle(fs);
    // libvirt itself holds the networks when it runs here; otherwise its files are edited (the seed's way).
    const live = root === '/' && (await libvirtReachable());

    // Hugepages: the seed's rule, checked against the host's memory.
    let hugepages: number | undefined;
    const hugeGuests = [];
    if (a['hugepages-for']?.length) {
      for (const cfg of a['hugepages-for']) hugeGuests.push(await loadGuest(cfg));
      const mem = readMeminfo(readFileSync(a.meminfo, 'utf8'));
      hugepages = hugepagesFor(hugeGuests.map((g) => g.maxmemMiB), mem.hugepageKiB);
      const needKiB = hugepages * mem.hugepageKiB;
      if (mem.memTotalKiB && needKiB > mem.memTotalKiB * 0.9) {
        warnings.push(warning('hugepages-exceed-memory', `the guests need ${Math.ceil(needKiB / 1024)} MiB of hugepages but the host has ${Math.floor(mem.memTotalKiB / 1024)} MiB of memory in all; they will not all start`));
      }
    }

    // Networks: a host-only network, and the default NAT network moved if asked or if it clashes.
    const hostonly = a['hostonly-network'] ? { name: a['hostonly-network'], net: cidr('hostonly-address', a['hostonly-address'])! } : undefined;
    let nat = cidr('nat-address', a['nat-address']);
    const defaultXml = live ? await networkXml('default') : await fs.readText('/etc/libvirt/qemu/networks/default.xml');
    const defaultNet = defaultXml ? readNetworkXml(defaultXml).net : undefined;
    if (!nat && defaultNet) {
      const clash = natClash(defaultNet, [...(await configuredAddresses(fs)), ...(root === '/' ? await liveAddresses() : []), ...(hostonly ? [hostonly.net] : [])]);
      if (clash) {
        const next = [122, 123, 124, 150, 200].map((n) => ({ address: `192.168.${n}.1`, prefix: 24 })).find((c) => !natClash(c, [clash]) && !(hostonly && natClash(c, [hostonly.net])));
        if (next) {
          nat = next;
          warnings.push(warning('nat-network-moved', `the default NAT network (${defaultNet.address}/${defaultNet.prefix}) clashes with ${clash.address}/${clash.prefix} on this host; moved to ${next.address}/${next.prefix}`));
        }
      }
    }
    if (hostonly && defaultNet && natClash(hostonly.net, [nat ?? defaultNet])) throw new UserError(`--hostonly-address ${hostonly.net.address}/${hostonly.net.prefix} overlaps the default NAT network; choose another range`);

    const ctx: HostContext = {
      style,
      ...(a.bridge ? { bridge: { name: a.bridge, port: a['bridge-port'] } } : {}),
      ...(hostonly ? { hostonly } : {}),
      ...(nat ? { nat } : {}),
      networkFiles: !live,
      swappiness: a.swappiness,
      bridgeNfOff: !!a['bridge-nf-off'],
      ...(hugepages !== undefined ? { hugepages } : {}),
      hugetlbfsFstab: !existsSync(join(root, 'lib/systemd/system/dev-hugepages.mount')) && !existsSync(join(root, 'usr/lib/systemd/system/dev-hugepages.mount')),
      ...(process.env.XEN2KVM_TEST_UUID ? { newUuid: process.env.XEN2KVM_TEST_UUID } : {}),
    };
    if (a.bridge && style === 'networkmanager') {
      warnings.push(warning('bridge-by-hand', `this host uses NetworkManager; make the bridge with:\n  ${nmcliCommands(a.bridge, a['bridge-port']).join('\n  ')}`));
    } else if (a.bridge && style === 'unknown') {
      warnings.push(warning('bridge-by-hand', `no network configuration xen2kvm knows was found under ${root}; make the bridge ${a.bridge} on ${a['bridge-port']} yourself`));
    }

    const { outcomes } = await applyEdits(fs, HOST_EDITS, ctx, {
      dryRun, runId: newRunId(), label: 'host',
      runInGuest: async () => undefined,
      ...((a['show-diff'] || dryRun) && !a.json ? { onDiff: (d: string) => process.stdout.write(d) } : {}),
    });

    // Every network XML passes libvirt's schema before it is used.
    for (const o of outcomes.filter((x) => /network/.test(x.id) && x.changed)) {
      for (const f of o.files.filter((p) => p.endsWith('.xml') && !p.includes('/autostart/'))) {
        const text = dryRun ? undefined : await fs.readText(f);
        if (text) await validateXml(text, 'network');
      }
    }
    if (live) {
      if (hostonly && !(await networkExists(hostonly.name))) {
        const xml = renderNetworkXml({ name: hostonly.name, uuid: randomUUID(), bridge: freeBridgeName(await networkBridges()), net: hostonly.net });
        await validateXml(xml, 'network');
        if (dryRun) actions.push(`would define, autostart and start the network ${hostonly.name}:\n${xml}`);
        else actions.push(...(await defineNetwork(hostonly.name, xml, true)));
      }
      if (nat && defaultXml && readNetworkXml(defaultXml).net?.address !== nat.address) {
        const xml = readdressNetworkXml(defaultXml, nat);
        await validateXml(xml, 'network');
        if (dryRun) actions.push(`would redefine the default network on ${nat.address}/${nat.prefix}`);
        else {
          actions.push(...(await defineNetwork('default', xml, false)));
          warnings.push(warning('network-restart', 'the default network was redefined; restart it to use the new range: virsh net-destroy default && virsh net-start default'));
        }
      }
    }

    // Guests backed by hugepages: <memoryBacking><hugepages/> in their domain XML.
    for (const g of hugeGuests) {
      const file = join(resolve(a['output-dir']), `${g.name}.xml`);
      const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
      const next = current ? withHugepages(current, file) : renderDomainXml(g, { hugepages: true }).xml;
      if (next === current) continue;
      await validateXml(next, 'domain');
      if (dryRun) actions.push(`would back ${g.name} with hugepages in ${file}`);
      else {
        mkdirSync(resolve(a['output-dir']), { recursive: true });
        atomicWrite(file, next, 0o644);
        actions.push(`${g.name}: <memoryBacking><hugepages/></memoryBacking> in ${file}`);
      }
    }

    process.stdout.write(a.json
      ? jsonText(jsonDocument('host-prep', { hostRoot: root, dryRun, style, libvirtd: live, ...(hugepages !== undefined ? { hugepages } : {}), edits: outcomes.map(({ diff: _d, ...o }) => o), actions }, { warnings }))
      : formatHostPrep(outcomes, actions, dryRun, root));
    // Warnings on stderr, after the result.
    for (const w of warnings) log.warn(w.message);
    log.verbose('done');
  },
};

/** The IPv4 addresses this host has now (ip -j addr), except loopback and libvirt's own bridges. */
async function liveAddresses(): Promise<Ipv4Net[]> {
  const r = await run('ip', ['-j', '-4', 'addr', 'show'], { allowFailure: true }).catch(() => undefined);
  if (!r || r.exitCode !== 0) return [];
  const links = JSON.parse(r.stdout) as { ifname: string; addr_info?: { local: string; prefixlen: number }[] }[];
  return links.filter((l) => l.ifname !== 'lo' && !/^virbr/.test(l.ifname)).flatMap((l) => (l.addr_info ?? []).map((a) => ({ address: a.local, prefix: a.prefixlen })));
}

function formatHostPrep(outcomes: EditOutcome[], actions: string[], dryRun: boolean, root: string): string {
  const width = Math.max(...outcomes.map((o) => o.id.length));
  const out = [`${dryRun ? 'Dry run — nothing was written. ' : ''}Host ${root}:`];
  for (const o of outcomes) {
    const state = o.changed ? (dryRun ? 'would change' : 'changed') : 'unchanged';
    out.push(`  ${state.padEnd(12)} ${o.id.padEnd(width)}  ${o.changed ? o.files.join(', ') : o.describe}`);
  }
  for (const act of actions) out.push(`  ${act}`);
  if (!outcomes.some((o) => o.changed) && actions.length === 0) out.push('Nothing to do: the host is prepared.');
  return `${out.join('\n')}\n`;
}
