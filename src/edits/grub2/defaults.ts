// /etc/default/grub, which grub-mkconfig reads: the kernel arguments made right
// for KVM (console=hvc0 → tty0 + ttyS0, Xen-only ones dropped, xvda → vda,
// net.ifnames=0 where eth0 must keep its name) and GRUB itself on the serial
// line (GRUB_TERMINAL="serial console", GRUB_SERIAL_COMMAND).
import { menuOf } from '../../guest/bootloader.js';
import { readVar, setVar } from '../../formats/shell-vars.js';
import { kvmArgsVar } from '../context.js';
import { serialCommand } from './cmdline-state.js';
import type { EditContext, FileEdit } from '../types.js';

export function grubDefaults(text: string, ctx: EditContext, path = '/etc/default/grub'): string {
  let out = kvmArgsVar(text, 'GRUB_CMDLINE_LINUX', ctx, path);
  // The default-entry arguments lose what only Xen understands; the console lives in GRUB_CMDLINE_LINUX.
  if (readVar(out, 'GRUB_CMDLINE_LINUX_DEFAULT')) out = kvmArgsVar(out, 'GRUB_CMDLINE_LINUX_DEFAULT', ctx, path, false);
  const terminal = readVar(out, 'GRUB_TERMINAL');
  if (!terminal || !/\bserial\b/.test(terminal.value)) out = setVar(out, 'GRUB_TERMINAL', 'serial console');
  const serial = readVar(out, 'GRUB_SERIAL_COMMAND');
  if (!serial || !serial.value.includes(`--speed=${ctx.serialSpeed}`)) out = setVar(out, 'GRUB_SERIAL_COMMAND', serialCommand(ctx.serialSpeed));
  return out;
}

export const grub2Defaults: FileEdit = {
  kind: 'file',
  id: 'grub2-defaults',
  describe: '/etc/default/grub: serial console (console=ttyS0) instead of hvc0, Xen-only arguments dropped, GRUB on the serial line',
  paths: async (_fs, ctx) => (menuOf(ctx.facts.bootloader, 'grub2').length > 0 ? ['/etc/default/grub'] : []),
  apply: (text, ctx, path) => grubDefaults(text, ctx, path),
};
