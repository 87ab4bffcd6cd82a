// Parses one Xen `vif` entry: comma-separated key=value pairs (mac, bridge, ip,
// model, type, vifname, script, rate …).
import type { Pos, XenNic } from './types.js';
import { warning, type Warning } from '../errors.js';

export type VifParse = { ok: true; nic: XenNic; warnings: Warning[] } | { ok: false; message: string };

const MAC_RE = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/;
import { isInterfaceName, isIpAddress } from './devices.js';

const KNOWN = new Set(['mac', 'bridge', 'ip', 'model', 'type', 'vifname', 'script', 'rate', 'backend', 'gatewaydev', 'netdev', 'mtu', 'vlan', 'devid', 'accel', 'forwarddev', 'trusted', 'untrusted', 'uuid']);

/** Normalises a MAC address to lower-case, two digits per byte. */
export function normaliseMac(mac: string): string {
  return mac.split(':').map((b) => b.padStart(2, '0').toLowerCase()).join(':');
}

export function parseVifSpec(spec: string, pos: Pos): VifParse {
  const fail = (message: string): VifParse => ({ ok: false, message: `vif "${spec}": ${message}` });
  const nic: XenNic = { spec, pos };
  const warnings: Warning[] = [];
  if (spec.trim() === '') return { ok: true, nic, warnings };
  for (const raw of spec.split(',')) {
    const token = raw.trim();
    if (token === '') continue; // a trailing comma: harmless
    const eq = token.indexOf('=');
    if (eq === -1) {
      if (token === 'trusted' || token === 'untrusted') continue;
      return fail(`"${token}" is not a key=value setting`);
    }
    const key = token.slice(0, eq).trim();
    const value = token.slice(eq + 1).trim();
    switch (key) {
      case 'mac':
        if (!MAC_RE.test(value)) return fail(`malformed MAC address "${value}" (expected six hex bytes like 00:16:3e:1a:d0:96)`);
        nic.mac = normaliseMac(value);
        break;
      case 'bridge': {
        // openvswitch VLANs: br.42 (tag) or br:42:43 (trunk)
        const trunk = /^([^:.]+):([0-9]+(?::[0-9]+)*)$/.exec(value);
        const tag = /^([^:.]+)\.([0-9]+)$/.exec(value);
        const name = trunk?.[1] ?? tag?.[1] ?? value;
        if (!isInterfaceName(name)) return fail(`bridge "${value}": "${name}" is not a network interface name (1 to 15 letters, digits, _ . -)`);
        const vlans = (trunk?.[2].split(':') ?? (tag ? [tag[2]] : [])).map(Number);
        if (vlans.some((v) => v < 1 || v > 4094)) return fail(`bridge "${value}": VLAN ids run from 1 to 4094`);
        if (trunk) {
          nic.bridge = trunk[1];
          nic.vlans = trunk[2].split(':').map(Number);
          nic.vlanTrunk = true;
        } else if (tag) {
          nic.bridge = tag[1];
          nic.vlans = [Number(tag[2])];
        } else if (/[.:]/.test(value)) {
          return fail(`bridge "${value}": a VLAN after . or : must be a number`);
        } else {
          nic.bridge = value;
        }
        break;
      }
      case 'ip': {
        const ips = value.split(/\s+/).filter(Boolean);
        const badIp = ips.find((ip) => !isIpAddress(ip));
        if (badIp) return fail(`ip "${badIp}" is not an IP address`);
        nic.ip = ips;
        break;
      }
      case 'model':
        if (!/^[A-Za-z0-9_-]+$/.test(value)) return fail(`model "${value}" contains characters other than letters, digits, _ and -`);
        nic.model = value.toLowerCase();
        break;
      case 'type':
        nic.type = value;
        break;
      case 'vifname':
        nic.vifname = value;
        break;
      case 'script':
        nic.script = value;
        break;
      case 'rate': {
        const kib = parseRate(value);
        if (kib === undefined) return fail(`invalid rate "${value}" (expected e.g. 10MB/s or 100Mb/s)`);
        nic.rateKiBps = kib;
        break;
      }
      default:
        if (!KNOWN.has(key)) warnings.push(warning('vif-key-unknown', `vif "${spec}": unknown key "${key}" ignored`));
    }
  }
  return { ok: true, nic, warnings };
}

/** A Xen rate (`10MB/s`, `100Mb/s`, `1GB/s@20ms`) in KiB/s. */
export function parseRate(rate: string): number | undefined {
  const m = /^([0-9]+)([GMK]?)([Bb])\/s(?:@.*)?$/.exec(rate);
  if (!m) return undefined;
  const mult = { G: 1048576, M: 1024, K: 1, '': 1 / 1024 }[m[2] as 'G' | 'M' | 'K' | ''];
  const bytes = Number(m[1]) * mult * (m[3] === 'b' ? 1 / 8 : 1);
  return Math.max(1, Math.round(bytes));
}
