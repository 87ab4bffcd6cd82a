// GRUB 2's environment block (/boot/grub2/grubenv, RHEL 7 / Fedora with
// GRUB_DEFAULT=saved): saved_entry must name an entry of the chosen kernel, or GRUB
// boots another one. The block is exactly 1024 bytes, padded with '#'; it stays so.
import { menuOf } from '../../guest/bootloader.js';
import type { EditContext, FileEdit } from '../types.js';

const SIZE = 1024;

export function savedEntry(env: string, ctx: EditContext): string {
  if (!env.startsWith('# GRUB Environment Block')) return env;
  const lines = env.replace(/#+$/, '').split('\n');
  const i = lines.findIndex((l) => l.startsWith('saved_entry='));
  if (i < 0) return env;
  const saved = lines[i].slice('saved_entry='.length);
  const entries = ctx.facts.bootloader.entries ?? [];
  const target = entries.find((e) => e.title === saved);
  // An entry title, or a kernel version (RHEL 8's BLS ids end with it): fine when it boots the chosen kernel.
  if (target?.version === ctx.kernel.version || (!target && saved.endsWith(ctx.kernel.version))) return env;
  const chosen = entries.find((e) => e.version === ctx.kernel.version);
  if (!chosen) return env;
  lines[i] = `saved_entry=${chosen.title}`;
  const body = lines.join('\n');
  return body.length >= SIZE ? env : body + '#'.repeat(SIZE - body.length);
}

export const grubenv: FileEdit = {
  kind: 'file',
  id: 'grubenv',
  describe: 'grubenv: saved_entry on the chosen kernel\'s menu entry (GRUB_DEFAULT=saved)',
  paths: async (fs, ctx) => {
    const [cfg] = menuOf(ctx.facts.bootloader, 'grub2');
    if (!cfg) return [];
    const dir = cfg.replace(/\/[^/]+$/, '');
    return [`${dir}/grubenv`];
  },
  apply: (text, ctx) => savedEntry(text, ctx),
};
