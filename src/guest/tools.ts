// What a guest has for its own boot and network set-up, read from its files:
// GRUB 2's tools (update-grub / grub-mkconfig / grub2-mkconfig, grub-install and
// its i386-pc modules) and the interface names its network configuration uses.
import type { RootFs } from '../tree/fs.js';

export interface Grub2Tools {
  /** /etc/default/grub exists (grub-mkconfig reads it). */
  defaults: boolean;
  /** argv that regenerates grub.cfg in the guest (it is given `-o CFG` when it is grub-mkconfig). */
  mkconfig?: string;
  /** The guest's grub-install, when GRUB for BIOS (i386-pc) is installed. */
  install?: string;
}

export interface NetworkFacts {
  /** ifupdown (/etc/network/interfaces), netplan, Red Hat ifcfg files, or none found. */
  tools: ('ifupdown' | 'netplan' | 'ifcfg')[];
  /** Interface names the configuration brings up (eth0 …). */
  names: string[];
  /** Of those, the ones nothing pins to a MAC (an ifcfg file without HWADDR=): udev may rename them. */
  unpinned: string[];
}

async function firstPresent(fs: RootFs, paths: string[]): Promise<string | undefined> {
  for (const p of paths) if ((await fs.kind(p)) === 'file' || (await fs.linkTarget(p)) !== undefined) return p;
  return undefined;
}

export async function grub2Tools(fs: RootFs): Promise<Grub2Tools> {
  const mkconfig = await firstPresent(fs, ['/usr/sbin/grub-mkconfig', '/usr/sbin/grub2-mkconfig', '/sbin/grub2-mkconfig', '/sbin/grub-mkconfig']);
  const install = await firstPresent(fs, ['/usr/sbin/grub-install', '/usr/sbin/grub2-install', '/sbin/grub2-install', '/sbin/grub-install']);
  const i386 = (await fs.kind('/usr/lib/grub/i386-pc')) === 'dir' || (await fs.kind('/usr/lib/grub2/i386-pc')) === 'dir';
  return {
    defaults: await fs.isFile('/etc/default/grub'),
    ...(mkconfig ? { mkconfig } : {}),
    ...(install && i386 ? { install } : {}),
  };
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
  const ifcfg = (await fs.list('/etc/sysconfig/network-scripts')).filter((f) => /^ifcfg-/.test(f) && f !== 'ifcfg-lo');
  if (ifcfg.length) tools.push('ifcfg');
  add(ifcfg.map((f) => f.slice('ifcfg-'.length)));
  const unpinned: string[] = [];
  for (const f of ifcfg) {
    const text = (await fs.readText(`/etc/sysconfig/network-scripts/${f}`)) ?? '';
    if (!/^\s*HWADDR=["']?[0-9A-Fa-f:]{17}/m.test(text)) unpinned.push(f.slice('ifcfg-'.length));
  }
  return { tools, names, unpinned };
}
