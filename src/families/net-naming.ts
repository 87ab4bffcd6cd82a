// When udev would rename the guest's NIC under virtio, so net.ifnames=0 is needed —
// shared by the families whose udev applies its predictable names under systemd.
import type { FamilyTraits } from '../guest/family.js';

/** Under systemd, a network configuration that names ethN (or none: DHCP on the first NIC) needs net.ifnames=0, or the virtio NIC becomes ens3. */
export const ethNamesUnderSystemd: FamilyTraits['netNaming'] = (facts) =>
  (facts.initSystem === 'systemd' && (facts.network.names.length === 0 || facts.network.names.some((n) => /^eth\d+$/.test(n))) ? 'ifnames-off' : 'keep');
