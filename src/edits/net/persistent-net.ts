// udev's 70-persistent-net.rules binds interface names to the NIC driver and MAC;
// rules for Xen's netfront (DRIVERS=="vif") would make the virtio NIC eth1.
// Those rules (and the comment line udev writes above each) go.
import type { FileEdit } from '../types.js';

export function dropXenNetRules(text: string): string {
  const lines = text.split('\n');
  const drop = new Set<number>();
  lines.forEach((l, i) => {
    if (/^\s*SUBSYSTEM=="net"/.test(l) && /DRIVERS=="(vif|xen-netfront|xennet)"/.test(l)) {
      drop.add(i);
      if (i > 0 && /^\s*#/.test(lines[i - 1]) && !/^# This file/.test(lines[i - 1])) drop.add(i - 1);
    }
  });
  return lines.filter((_, i) => !drop.has(i)).join('\n');
}

export const persistentNet: FileEdit = {
  kind: 'file',
  id: 'persistent-net',
  describe: 'Xen NIC entries removed from 70-persistent-net.rules',
  paths: async () => ['/etc/udev/rules.d/70-persistent-net.rules'],
  apply: (text) => dropXenNetRules(text),
};
