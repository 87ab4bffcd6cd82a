// SUSE's /etc/sysconfig/bootloader: perl-Bootloader (update-bootloader, run by
// every kernel package) writes DEFAULT_APPEND into the menu entry of each kernel an
// update installs, and XEN_KERNEL_APPEND into those of Xen kernels. Left alone, the
// next `zypper update` would add an entry with console=xvc0 and the Xen disk names,
// and no serial console. DEFAULT_APPEND gets the KVM command line (the console on
// tty0 + ttyS0, Xen-only words out, by-id Xen disk names renamed); XEN_KERNEL_APPEND
// (read for Xen kernel entries) loses its Xen-only words and its disks are renamed,
// as everywhere else in the guest: no console is added to it.
// LOADER_TYPE is read, not changed: with "none" no tool rewrites the menu, and the
// file then changes nothing at a kernel update (the edit still keeps it consistent).
import { readVar } from '../../formats/shell-vars.js';
import { kvmArgsVar } from '../context.js';
import type { EditContext, FileEdit } from '../types.js';

export function suseBootloaderVars(text: string, ctx: EditContext, path = '/etc/sysconfig/bootloader'): string {
  let out = text;
  // Only the variables the file sets (SLES 12 on keeps its arguments in /etc/default/grub instead).
  if (readVar(out, 'DEFAULT_APPEND')) out = kvmArgsVar(out, 'DEFAULT_APPEND', ctx, path);
  if (readVar(out, 'XEN_KERNEL_APPEND')) out = kvmArgsVar(out, 'XEN_KERNEL_APPEND', ctx, path, false);
  return out;
}

export const sysconfigBootloader: FileEdit = {
  kind: 'file',
  id: 'sysconfig-bootloader',
  describe: 'DEFAULT_APPEND with the serial console, so SUSE\'s boot loader tools keep it at the next kernel update',
  paths: async () => ['/etc/sysconfig/bootloader'],
  apply: (text, ctx, path) => suseBootloaderVars(text, ctx, path),
};
