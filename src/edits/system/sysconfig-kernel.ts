// /etc/sysconfig/kernel: DEFAULTKERNEL=kernel-xen makes the next `yum update`
// put the Xen kernel back as the default (RHBZ#1176801); it becomes `kernel`.
import type { FileEdit } from '../types.js';
import { mapLines } from '../types.js';

export function defaultKernelPackage(text: string): string {
  return mapLines(text, (line) => line.replace(/^(\s*DEFAULTKERNEL=)(["']?)kernel(-PAE)?-xen\w*\2\s*$/, (_, k: string, q: string, pae: string | undefined) => `${k}${q}kernel${pae ?? ''}${q}`));
}

export const sysconfigKernel: FileEdit = {
  kind: 'file',
  id: 'sysconfig-kernel',
  describe: 'DEFAULTKERNEL=kernel, so updates keep a KVM-bootable default',
  paths: async () => ['/etc/sysconfig/kernel'],
  apply: (text) => defaultKernelPackage(text),
};
