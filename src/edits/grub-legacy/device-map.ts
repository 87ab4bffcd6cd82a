// grub's device.map names the BIOS disks: `(hd0) /dev/xvda` becomes
// `(hd0) /dev/vda`, other disks as the Xen → KVM device map says. GRUB legacy
// keeps it in /boot/grub, GRUB 2 on RHEL 7 in /boot/grub2 — both are read by the
// guest's own boot loader tools at its next kernel update.
import { renameGuestDevice } from '../../xen/devmap.js';
import type { EditContext, FileEdit } from '../types.js';
import { mapLines } from '../types.js';
import { warning } from '../../errors.js';

export function remapDeviceMap(text: string, ctx: EditContext, path = '/boot/grub/device.map'): string {
  return mapLines(text, (line, i) => {
    const m = /^(\s*\((?:hd|fd)\d+\)\s+)(\/dev\/\S+)(.*)$/.exec(line);
    if (!m) return line;
    const renamed = renameGuestDevice(ctx.deviceMap, m[2]);
    if (renamed === undefined) {
      ctx.warn(warning('device-not-a-disk', `${path} line ${i + 1}: ${m[2]} is none of the guest's disks; left as it is`));
      return line;
    }
    return `${m[1]}${renamed}${m[3]}`;
  });
}

export const deviceMap: FileEdit = {
  kind: 'file',
  id: 'device-map',
  describe: 'grub device.map on the virtio disk names ((hd0) /dev/vda)',
  paths: async () => ['/boot/grub/device.map', '/boot/grub2/device.map'],
  apply: remapDeviceMap,
};
