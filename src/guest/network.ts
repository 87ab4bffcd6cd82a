// The guest's network configuration, read from its files: which tools configure
// it (ifupdown, netplan, Red Hat ifcfg) and the interface names they bring up.
import type { RootFs } from '../tree/fs.js';

export interface NetworkFacts {
  /** ifupdown (/etc/network/interfaces), netplan, Red Hat or SUSE ifcfg files, or none found. */
  tools: ('ifupdown' | 'netplan' | 'ifcfg')[];
  /** Interface names the configuration brings up (eth0 …). */
  names: string[];
  /** Of those, the ones nothing pins to a MAC (an ifcfg file without HWADDR=): udev may rename them. */
  unpinned: string[];
}

/** Names in `auto`, `allow-hotplug` and `iface` stanzas of an interfaces(5) file. */
export function interfacesNames(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(?:auto|allow-hotplug|allow-auto|iface)\s+(.*)$/.exec(line);
    if (!m) continue;
    const words = m[1].trim().split(/\s+/);
    const names = /^\s*iface/.test(line) ? [words[0]] : words;
    for (const n of names) if (n && n !== 'lo' && !out.includes(n)) out.push(n);
  }
  return out;
}

/** Interface names a netplan file configures: the keys one level under `ethernets:`, and `set-name:` values. */
export function netplanNames(text: string): string[] {
  const out: string[] = [];
  const add = (n: string) => out.includes(n) || out.push(n);
  let parent = -1;
  let level = -1;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').replace(/\r$/, '');
    if (!line.trim()) continue;
    const indent = /^\s*/.exec(line)![0].length;
    if (parent >= 0 && indent <= parent) parent = level = -1;
    if (/^\s*ethernets:\s*$/.test(line)) {
      parent = indent;
      continue;
    }
    if (parent >= 0) {
      if (level < 0) level = indent;
      const key = /^\s*([A-Za-z0-9_.:-]+):\s*$/.exec(line);
      if (key && indent === level) add(key[1]);
    }
    const set = /^\s*set-name:\s*["']?([^"'\s]+)/.exec(line);
    if (set) add(set[1]);
  }
  return out;
}

export async function networkFacts(fs: RootFs): Promise<NetworkFacts> {
  const tools: NetworkFacts['tools'] = [];
  const names: string[] = [];
  const add = (list: string[]) => list.forEach((n) => names.includes(n) || names.push(n));
  const interfaces = await fs.readText('/etc/network/interfaces');
  if (interfaces !== undefined) {
    tools.push('ifupdown');
    add(interfacesNames(interfaces));
    for (const f of await fs.list('/etc/network/interfaces.d')) add(interfacesNames((await fs.readText(`/etc/network/interfaces.d/${f}`)) ?? ''));
  }
  const plans = (await fs.list('/etc/netplan')).filter((f) => /\.ya?ml$/.test(f));
  if (plans.length) tools.push('netplan');
  for (const f of plans) add(netplanNames((await fs.readText(`/etc/netplan/${f}`)) ?? ''));
  // Red Hat's network-scripts, and SUSE's /etc/sysconfig/network (sysconfig and wicked read the same ifcfg files).
  const unpinned: string[] = [];
  for (const dir of ['/etc/sysconfig/network-scripts', '/etc/sysconfig/network']) {
    const ifcfg = (await fs.list(dir)).filter((f) => /^ifcfg-[^~]+$/.test(f) && f !== 'ifcfg-lo' && !/\.(bak|orig|rpmsave|rpmnew)$/.test(f));
    if (ifcfg.length && !tools.includes('ifcfg')) tools.push('ifcfg');
    add(ifcfg.map((f) => f.slice('ifcfg-'.length)));
    for (const f of ifcfg) {
      const text = (await fs.readText(`${dir}/${f}`)) ?? '';
      if (!/^\s*HWADDR=["']?[0-9A-Fa-f:]{17}/m.test(text)) unpinned.push(f.slice('ifcfg-'.length));
    }
  }
  return { tools, names, unpinned };
}
