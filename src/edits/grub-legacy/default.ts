// Kernel choice: grub legacy's default= points at the kernel chosen for KVM (the
// newest in the menu that is not Xen-only and has virtio). The seed post does
// this by hand: "Change the line default=X, where X is the kernel".
import { entryIndex, parseGrubLegacy } from '../../formats/grub-legacy.js';
import { fileCr } from '../../formats/lines.js';
import { grubMenuPaths } from '../context.js';
import type { EditContext, FileEdit } from '../types.js';
import { warning } from '../../errors.js';

export function setGrubDefault(text: string, ctx: EditContext): string {
  const menu = parseGrubLegacy(text);
  const index = entryIndex(text, ctx.kernel.version);
  if (index < 0) throw new Error(`grub.conf has no entry for kernel ${ctx.kernel.version}`);
  const lines = [...menu.lines];
  if (menu.defaultLine !== undefined) {
    const m = /^(\s*default\s*=?\s*)([^\s#]*)([^\r]*)(\r?)$/.exec(lines[menu.defaultLine])!;
    if (m[2] === String(index)) return text;
    if (m[2] === 'saved') ctx.warn(warning('grub-default-saved', `grub.conf line ${menu.defaultLine + 1}: default=saved boots whichever entry was saved last (the Xen kernel); it is now default=${index}`));
    lines[menu.defaultLine] = `${m[1]}${index}${m[3]}${m[4]}`;
  } else {
    const first = Math.min(...[...menu.globals.values(), menu.entries[0]?.titleLine ?? lines.length]);
    lines.splice(first, 0, `default=${index}${fileCr(text)}`);
  }
  return lines.join('\n');
}

export const grubDefault: FileEdit = {
  kind: 'file',
  id: 'grub-default',
  describe: 'boot the kernel chosen for KVM by default (grub default=)',
  paths: grubMenuPaths,
  apply: setGrubDefault,
};
