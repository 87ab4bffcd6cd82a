// grub.cfg's own linux lines edited in place — what boots when the guest has no
// working grub-mkconfig (or its output was refused), and what a dry run shows:
// every kernel's arguments made right for KVM, and a serial terminal at the top.
// After a good grub-mkconfig there is nothing left to do here.
import { menuOf } from '../../guest/bootloader.js';
import { fileCr } from '../../formats/lines.js';
import { cfgLinuxLines, hasSerialTerminal, serialCommand } from './cmdline-state.js';
import type { EditContext, FileEdit } from '../types.js';

export function grub2Cfg(text: string, ctx: EditContext, path: string): string {
  let out = cfgLinuxLines(text, ctx, path);
  if (!hasSerialTerminal(out)) {
    const lines = out.split('\n');
    // After the header comments.
    let at = 0;
    while (at < lines.length && /^\s*#/.test(lines[at])) at++;
    const cr = fileCr(text);
    lines.splice(at, 0, `${serialCommand(ctx.serialSpeed)}${cr}`, `terminal_input serial console${cr}`, `terminal_output serial console${cr}`);
    out = lines.join('\n');
  }
  return out;
}

export const grub2CfgEdit: FileEdit = {
  kind: 'file',
  id: 'grub2-cfg',
  describe: 'grub.cfg linux lines edited directly (where grub-mkconfig did not run or left them): serial console, Xen arguments dropped, vda',
  paths: async (_fs, ctx) => menuOf(ctx.facts.bootloader, 'grub2'),
  apply: grub2Cfg,
};
