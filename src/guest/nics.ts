// The guest's own idea of its NICs: HWADDR in ifcfg-ethN. It should match the
// MACs the domain keeps; where the Xen config had no mac=, the guest's HWADDR
// is the MAC to keep (better than a derived one).
import type { RootFs } from '../tree/fs.js';
import { warning, type Warning } from '../errors.js';
import type { FamilyTraits } from './family.js';

/** ethN → the MAC its configuration pins it to (lower-case), where the family keeps one file per NIC (ifcfg-ethN, HWADDR=). */
export async function ifcfgMacs(fs: RootFs, where: FamilyTraits['network']): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const key = new RegExp(`^\\s*${where.macKey}=["']?([0-9A-Fa-f:]{17})["']?\\s*$`, 'm');
  for (const f of await fs.list(where.dir)) {
    const m = where.file.exec(f);
    const n = m?.[1] && /^eth(\d+)$/.exec(m[1]);
    if (!n) continue;
    const hw = key.exec((await fs.readText(`${where.dir}/${f}`)) ?? '');
    if (hw) out.set(Number(n[1]), hw[1].toLowerCase());
  }
  return out;
}

/** MACs for the domain (config first, else the guest's HWADDR) and warnings for mismatches. Pure. */
export function reconcileMacs(configMacs: (string | undefined)[], guestMacs: Map<number, string>): { macs: (string | undefined)[]; warnings: Warning[] } {
  const warnings: Warning[] = [];
  const macs = configMacs.map((mac, i) => {
    const hw = guestMacs.get(i);
    if (!mac && hw) return hw;
    if (mac && hw && mac !== hw) warnings.push(warning('mac-mismatch', `eth${i}: the Xen config gives MAC ${mac} but the guest's ifcfg-eth${i} says HWADDR=${hw}; the guest will not bring eth${i} up until they agree`));
    return mac;
  });
  return { macs, warnings };
}
