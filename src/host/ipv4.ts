// IPv4 arithmetic for network planning (pure).

export interface Ipv4Net {
  address: string;
  prefix: number;
}

export function parseCidr(text: string): Ipv4Net {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text.trim());
  if (!m || m[1].split('.').some((o) => Number(o) > 255) || Number(m[2]) > 30 || Number(m[2]) < 8) {
    throw new Error(`"${text}" is not an IPv4 address with a prefix from /8 to /30 (e.g. 192.168.100.1/24)`);
  }
  return { address: m[1], prefix: Number(m[2]) };
}

export const toInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0) >>> 0;
export const toIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

export function netmask(prefix: number): string {
  return toIp(prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
}

export function prefixOf(mask: string): number {
  return toInt(mask).toString(2).replace(/0+$/, '').length;
}

/** Network and broadcast addresses of a net. */
export function bounds(net: Ipv4Net): { network: number; broadcast: number } {
  const mask = toInt(netmask(net.prefix));
  const network = (toInt(net.address) & mask) >>> 0;
  return { network, broadcast: (network | (~mask >>> 0)) >>> 0 };
}

/** A DHCP range in the upper half of the net, leaving the lower half (and the host's address) for static use. */
export function dhcpRange(net: Ipv4Net): { start: string; end: string } {
  const { network, broadcast } = bounds(net);
  const size = broadcast - network + 1;
  const start = network + Math.floor(size / 2);
  const end = broadcast - 1;
  const self = toInt(net.address);
  return { start: toIp(self === start ? start + 1 : start), end: toIp(self === end ? end - 1 : end) };
}

export function overlaps(a: Ipv4Net, b: Ipv4Net): boolean {
  const x = bounds(a);
  const y = bounds(b);
  return x.network <= y.broadcast && y.network <= x.broadcast;
}
