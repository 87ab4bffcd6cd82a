// libvirt network XML: the host-only network (no forwarding) and the default NAT
// network, as the seed post writes them by hand. Pure.
import { xmlRoot } from '../formats/xml-writer.js';
import { attr, kid, kids, parseXml, text, type El } from '../formats/xml.js';
import { dhcpRange, netmask, prefixOf, type Ipv4Net } from './ipv4.js';

export interface NetworkSpec {
  name: string;
  uuid: string;
  bridge: string;
  forward?: 'nat';
  net: Ipv4Net;
}

export function renderNetworkXml(spec: NetworkSpec): string {
  const n = xmlRoot('network');
  n.ele('name').txt(spec.name);
  n.ele('uuid').txt(spec.uuid);
  if (spec.forward) n.ele('forward', { mode: spec.forward });
  n.ele('bridge', { name: spec.bridge, stp: 'on', delay: '0' });
  const range = dhcpRange(spec.net);
  n.ele('ip', { address: spec.net.address, netmask: netmask(spec.net.prefix) }).ele('dhcp').ele('range', { start: range.start, end: range.end });
  return n.serialize();
}

/** The network's IPv4 <ip> (a network may also have an IPv6 one, before or after it). */
function ipv4Of(root: El): El | undefined {
  return kids(root, 'ip').find((ip) => (attr(ip, 'family') ?? 'ipv4') === 'ipv4' && /^\d+\.\d+\.\d+\.\d+$/.test(attr(ip, 'address') ?? ''));
}

/** What an existing network XML says: name, bridge, IPv4 address. */
export function readNetworkXml(xml: string): { name?: string; bridge?: string; net?: Ipv4Net; uuid?: string } {
  let root: El;
  try {
    root = parseXml(xml).root;
  } catch {
    return {}; // not well-formed: nothing known about it
  }
  const name = text(kid(root, 'name'));
  const uuid = text(kid(root, 'uuid'));
  const bridge = attr(kid(root, 'bridge'), 'name');
  const ip = ipv4Of(root);
  const prefix = attr(ip, 'prefix');
  const net = ip ? { address: attr(ip, 'address')!, prefix: prefix !== undefined ? Number(prefix) : prefixOf(attr(ip, 'netmask') ?? '255.255.255.0') } : undefined;
  return { ...(name ? { name } : {}), ...(uuid ? { uuid } : {}), ...(bridge ? { bridge } : {}), ...(net ? { net } : {}) };
}

/** The first virbrN no existing network uses. */
export function freeBridgeName(used: string[]): string {
  for (let i = 0; ; i++) if (!used.includes(`virbr${i}`)) return `virbr${i}`;
}

/** Moves a network XML's IPv4 <ip> (and its DHCP range) to a new net, keeping everything else. */
export function readdressNetworkXml(xml: string, net: Ipv4Net): string {
  const doc = parseXml(xml);
  const ip = ipv4Of(doc.root);
  if (!ip) return xml;
  ip.setAttribute('address', net.address);
  if (attr(ip, 'prefix') !== undefined) ip.setAttribute('prefix', String(net.prefix));
  else ip.setAttribute('netmask', netmask(net.prefix));
  const range = kid(kid(ip, 'dhcp'), 'range');
  if (range) {
    const r = dhcpRange(net);
    range.setAttribute('start', r.start);
    range.setAttribute('end', r.end);
  }
  return doc.toString();
}
