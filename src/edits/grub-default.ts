// Kernel choice: grub legacy's default= points at the kernel chosen for KVM (the
// newest in the menu that is not Xen-only and has virtio). The seed post does
// this by hand: "Change the line default=X, where X is the kernel".
import { kernelVersionOf, parseGrubLegacy } from '../guest/grub-legacy.js';
import type { EditContext, FileEdit } from './types.js';

/** The guest's grub legacy menu, as a one-element list for FileEdit.paths (none for other boot loaders). */
export async function grubMenuPaths(_fs: unknown, ctx: EditContext): Promise<string[]> {
  return ctx.facts.bootloader.kind === 'grub-legacy' && ctx.facts.bootloader.config ? [ctx.facts.bootloader.config] : [];
}

/** Index of the menu entry that boots `version`, or -1. */
export function entryIndex(text: string, version: string): number {
  return parseGrubLegacy(text).entries.findIndex((e) => e.kernel && kernelVersionOf(e.kernel.path) === version);
}

export function setGrubDefault(text: string, ctx: EditContext): string {
  const menu = parseGrubLegacy(text);
  const index = entryIndex(text, ctx.kernel.version);
  if (index < 0) throw new Error(`grub.conf has no entry for kernel ${ctx.kernel.version}`);
  const lines = [...menu.lines];
  if (menu.defaultLine !== undefined) {
    const m = /^(\s*default\s*=?\s*)(\S*)(.*)$/.exec(lines[menu.defaultLine])!;
    if (m[2] === String(index)) return text;
    lines[menu.defaultLine] = `${m[1]}${index}${m[3]}`;
  } else {
    const first = Math.min(...[...menu.globals.values(), menu.entries[0]?.titleLine ?? lines.length]);
    lines.splice(first, 0, `default=${index}`);
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
