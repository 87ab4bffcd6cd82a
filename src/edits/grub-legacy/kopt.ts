// Debian and Ubuntu with GRUB legacy (Debian ≤ 5, Ubuntu ≤ 9.04): their update-grub
// rewrites every kernel line of menu.lst from the magic comments `# kopt=…` (all
// kernels) and `# defoptions=…` (the default entries) on each kernel upgrade. Left
// alone, the next upgrade under KVM would bring console=hvc0 and xvda back; so they
// get the same arguments as the menu's kernel lines.
import { splitArgs } from '../../formats/cmdline.js';
import { grubMenuPaths, kvmKernelArgs } from '../context.js';
import type { EditContext, FileEdit } from '../types.js';

export function magicComments(text: string, ctx: EditContext, path = '/boot/grub/menu.lst'): string {
  return text.split('\n').map((line, i) => {
    const m = /^(#\s*(kopt|defoptions)=)([^\r]*?)(\r?)$/.exec(line);
    if (!m) return line;
    const args = splitArgs(m[3]);
    const next = kvmKernelArgs(args, ctx, `${path} line ${i + 1}`, m[2] === 'kopt');
    return next.join(' ') === args.join(' ') ? line : `${m[1]}${next.join(' ')}${m[4]}`;
  }).join('\n');
}

export const grubKopt: FileEdit = {
  kind: 'file',
  id: 'grub-kopt',
  describe: 'Debian GRUB legacy: the # kopt= / # defoptions= lines update-grub rebuilds menu.lst from',
  paths: grubMenuPaths,
  apply: (text, ctx, path) => magicComments(text, ctx, path),
};
