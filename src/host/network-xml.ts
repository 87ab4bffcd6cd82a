// libvirt network XML: the host-only network (no forwarding) and the default NAT
// network, as the seed post writes them by hand. Pure.
import { create } from 'xmlbuilder2';
import { dhcpRange, netmask, prefixOf, type Ipv4Net } from './ipv4.js';

export interface NetworkSpec {
  name: string;
  uuid: string;
  bridge: string;
  forward?: 'nat';
  net: Ipv4Net;
}

export function renderNetworkXml(spec: NetworkSpec): string {
  const n = create().ele('network');
  n.ele('name').txt(spec.name);
  n.ele('uuid').txt(spec.uuid);
  if (spec.forward) n.ele('forward', { mode: spec.forward });
  n.ele('bridge', { name: spec.bridge, stp: 'on', delay: '0' });
  const range = dhcpRange(spec.net);
  n.ele('ip', { address: spec.net.address, netmask: netmask(spec.net.prefix) }).ele('dhcp').ele('range', { start: range.start, end: range.end });
  return `${n.end({ prettyPrint: true, headless: true, indent: '  ' })}\n`;
}

/** What an existing network XML says: name, bridge, address. */
export function readNetworkXml(xml: string): { name?: string; bridge?: string; net?: Ipv4Net; uuid?: string } {
  const name = /<name>([^<]*)<\/name>/.exec(xml)?.[1];
  const uuid = /<uuid>([^<]*)<\/uuid>/.exec(xml)?.[1];
  const bridge = /<bridge\b[^>]*\bname=['"]([^'"]+)['"]/.exec(xml)?.[1];
  const ip = /<ip\b[^>]*\baddress=['"]([\d.]+)['"][^>]*?(?:\bnetmask=['"]([\d.]+)['"]|\bprefix=['"](\d+)['"])/.exec(xml);
  const net = ip ? { address: ip[1], prefix: ip[3] ? Number(ip[3]) : prefixOf(ip[2] ?? '255.255.255.0') } : undefined;
  return { ...(name ? { name } : {}), ...(uuid ? { uuid } : {}), ...(bridge ? { bridge } : {}), ...(net ? { net } : {}) };
}

/** The first virbrN no existing network uses. */
export function freeBridgeName(used: string[]): string {
  for (let i = 0; ; i++) if (!used.includes(`virbr${i}`)) return `virbr${i}`;
}

/** Moves a network XML's <ip> (and DHCP range) to a new net, keeping everything else. */
export function readdressNetworkXml(xml: string, net: Ipv4Net): string {
  const range = dhcpRange(net);
  let out = xml.replace(/(<ip\b[^>]*\baddress=['"])[\d.]+(['"])/, `$1${net.address}$2`);
  out = out.replace(/(<ip\b[^>]*\bnetmask=['"])[\d.]+(['"])/, `$1${netmask(net.prefix)}$2`).replace(/(<ip\b[^>]*\bprefix=['"])\d+(['"])/, `$1${net.prefix}$2`);
  out = out.replace(/(<range\b[^>]*\bstart=['"])[\d.]+(['"])/, `$1${range.start}$2`).replace(/(<range\b[^>]*\bend=['"])[\d.]+(['"])/, `$1${range.end}$2`);
  return out;
}
