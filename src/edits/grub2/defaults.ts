// /etc/default/grub, which grub-mkconfig reads: the kernel arguments made right
// for KVM (console=hvc0 → tty0 + ttyS0, Xen-only ones dropped, xvda → vda,
// net.ifnames=0 where eth0 must keep its name) and GRUB itself on the serial
// line (GRUB_TERMINAL="serial console", GRUB_SERIAL_COMMAND).
import { menuOf } from '../../guest/bootloader.js';
import { splitArgs } from '../../formats/cmdline.js';
import { readVar, setVar } from '../../formats/shell-vars.js';
import { kvmKernelArgs } from '../context.js';
import { serialCommand } from './cmdline-state.js';
import type { EditContext, FileEdit } from '../types.js';

export function grubDefaults(text: string, ctx: EditContext, path = '/etc/default/grub'): string {
  let out = text;
  const where = (key: string) => `${path} line ${(readVar(out, key)?.line ?? 0) + 1} (${key})`;
  const linux = readVar(out, 'GRUB_CMDLINE_LINUX');
  const args = splitArgs(linux?.value ?? '');
  const next = kvmKernelArgs(args, ctx, where('GRUB_CMDLINE_LINUX'));
  if (next.join(' ') !== args.join(' ')) out = setVar(out, 'GRUB_CMDLINE_LINUX', next.join(' '));
  // The default-entry arguments lose what only Xen understands; the console lives in GRUB_CMDLINE_LINUX.
  const def = readVar(out, 'GRUB_CMDLINE_LINUX_DEFAULT');
  if (def) {
    const dargs = splitArgs(def.value);
    const dnext = kvmKernelArgs(dargs, ctx, where('GRUB_CMDLINE_LINUX_DEFAULT'), false);
    if (dnext.join(' ') !== dargs.join(' ')) out = setVar(out, 'GRUB_CMDLINE_LINUX_DEFAULT', dnext.join(' '));
  }
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
