// The chosen kernel talks on the serial console (virsh console) and the screen:
// console=xvc0 / hvc0 become console=tty0 console=ttyS0,SPEEDn8 — with the rest of
// the one KVM command line (xen/kvm-cmdline.ts: Xen-only words dropped, root= and
// resume= renamed, net.ifnames=0 where the guest's eth0 would be renamed); grub itself
// gets a serial terminal; the splash image (no use on a serial line) is
// commented out — as the seed post's hand-edited grub.conf has it.
import { entryIndex, parseGrubLegacy } from '../../formats/grub-legacy.js';
import { cr, fileCr } from '../../formats/lines.js';
import { grubMenuPaths, kvmKernelArgs } from '../context.js';
import type { EditContext, FileEdit } from '../types.js';

export function grubSerialConsole(text: string, ctx: EditContext, path = '/boot/grub/grub.conf'): string {
  const menu = parseGrubLegacy(text);
  const index = entryIndex(text, ctx.kernel.version);
  if (index < 0) throw new Error(`grub.conf has no entry for kernel ${ctx.kernel.version}`);
  const lines = [...menu.lines];
  const k = menu.entries[index].kernel!;
  const indent = /^\s*/.exec(lines[k.line])![0];
  // The one KVM command line: console, Xen-only words dropped, devices renamed, net.ifnames=0 where udev would rename ethN.
  const newArgs = kvmKernelArgs(k.args, ctx, `${path} line ${k.line + 1}`);
  lines[k.line] = `${indent}kernel ${[k.path, ...newArgs].join(' ')}${cr(lines[k.line])}`;
  if (newArgs.join(' ') === k.args.join(' ')) lines[k.line] = menu.lines[k.line];

  const serialLine = `serial --unit=0 --speed=${ctx.serialSpeed} --word=8 --parity=no --stop=1`;
  const terminalLine = 'terminal --timeout=10 serial console';
  const serialAt = menu.globals.get('serial');
  const terminalAt = menu.globals.get('terminal');
  if (serialAt !== undefined) lines[serialAt] = `${serialLine}${cr(lines[serialAt])}`;
  if (terminalAt !== undefined) lines[terminalAt] = `${terminalLine}${cr(lines[terminalAt])}`;
  const splash = menu.globals.get('splashimage');
  if (splash !== undefined) lines[splash] = `#${lines[splash].replace(/^\s*/, '')}`;
  const missing = [serialAt === undefined ? serialLine : '', terminalAt === undefined ? terminalLine : ''].filter(Boolean);
  if (missing.length > 0) {
    // After the last global setting, before the first entry.
    const globalsEnd = Math.max(-1, ...[...menu.globals.values()].filter((i) => i < (menu.entries[0]?.titleLine ?? lines.length))) + 1;
    lines.splice(globalsEnd, 0, ...missing.map((l) => `${l}${fileCr(text)}`));
  }
  return lines.join('\n');
}

export const grubConsole: FileEdit = {
  kind: 'file',
  id: 'grub-console',
  describe: 'the chosen kernel\'s line made for KVM (console=ttyS0, Xen-only words out, vda names, net.ifnames=0 where udev would rename ethN), grub serial terminal, no splash image',
  paths: grubMenuPaths,
  apply: grubSerialConsole,
};
