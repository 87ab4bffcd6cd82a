// /etc/sysconfig/grub (RHEL 5 and 6): `boot=/dev/xvda` names the disk whose MBR
// grub-install writes when the guest updates its boot loader (grubby,
// new-kernel-pkg); under KVM that disk is /dev/vda.
import { remapDevice } from '../context.js';
import type { EditContext, FileEdit } from '../types.js';
import { mapLines } from '../types.js';

export function remapSysconfigGrub(text: string, ctx: EditContext, path = '/etc/sysconfig/grub'): string {
  return mapLines(text, (line, i) => {
    const m = /^(\s*boot=)(["']?)(\/dev\/\S+?)\2(\s*)$/.exec(line);
    return m ? `${m[1]}${m[2]}${remapDevice(m[3], ctx, `${path} line ${i + 1}`)}${m[2]}${m[4]}` : line;
  });
}

export const sysconfigGrub: FileEdit = {
  kind: 'file',
  id: 'sysconfig-grub',
  describe: '/etc/sysconfig/grub boot= on the virtio disk (boot=/dev/vda)',
  paths: async () => ['/etc/sysconfig/grub'],
  apply: remapSysconfigGrub,
};
