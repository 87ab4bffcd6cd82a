// Shared by the GRUB 2 edits: is a grub.cfg already right for KVM (every linux
// line's arguments settled, a serial terminal), and does it hold anything of the
// host's (its loop or mapper devices, its root UUID)?
import { splitArgs } from '../../formats/cmdline.js';
import { kvmKernelArgs } from '../context.js';
import type { EditContext } from '../types.js';

export const LINUX_LINE = /^(\s*)(linux|linux16|linuxefi)(\s+)(\S+)([^\r]*?)(\r?)$/;

/** Every linux line of a grub.cfg, made right for KVM (pure; warnings go to ctx.warn only when `warn`). */
export function cfgLinuxLines(text: string, ctx: EditContext, path: string, warn = true): string {
  const quiet: EditContext = warn ? ctx : { ...ctx, warn: () => undefined };
  return text.split('\n').map((line, i) => {
    const m = LINUX_LINE.exec(line);
    if (!m) return line;
    const args = splitArgs(m[5]);
    const next = kvmKernelArgs(args, quiet, `${path} line ${i + 1}`);
    if (next.join(' ') === args.join(' ')) return line;
    return `${m[1]}${m[2]}${m[3]}${m[4]}${next.length ? ` ${next.join(' ')}` : ''}${m[6]}`;
  }).join('\n');
}

/** A grub.cfg that already boots every kernel the KVM way on a serial terminal. */
export function cfgSettled(text: string, ctx: EditContext, path: string): boolean {
  return cfgLinuxLines(text, ctx, path, false) === text && hasSerialTerminal(text);
}

export function hasSerialTerminal(text: string): boolean {
  return /^\s*terminal_output\s+[^\n]*\bserial\b/m.test(text);
}

/** Host things found in a guest file: loop / mapper / nbd device paths, and the strings the context names. */
export function hostLeaks(text: string, ctx: EditContext): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/\/dev\/(?:loop\d+\S*|mapper\/loop\S*|nbd\d+\S*)/g)) found.add(m[0]);
  for (const s of ctx.host.leaks) if (s && text.includes(s)) found.add(s);
  return [...found];
}

/** GRUB's serial command for a speed (grub.cfg, GRUB_SERIAL_COMMAND). */
export function serialCommand(speed: number): string {
  return `serial --unit=0 --speed=${speed} --word=8 --parity=no --stop=1`;
}
