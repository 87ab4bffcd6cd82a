// RHEL 5.0–5.3 have no kvm-clock, and their clock drifts under KVM. Red Hat's KVM
// guest timing guide gives them `divider=10 notsc` (x86_64) or `divider=10
// clocksource=acpi_pm` (x86); the seed post points at RHBZ#507834 for the same.
// (lpj= depends on the host's CPU, so it is left to the admin.)
import { entryIndex, parseGrubLegacy } from '../../formats/grub-legacy.js';
import { cr } from '../../formats/lines.js';
import { clockArgs, grubMenuPaths, needsClockFix } from '../context.js';
import type { EditContext, FileEdit } from '../types.js';

export function grubClockFix(text: string, ctx: EditContext): string {
  if (!needsClockFix(ctx)) return text;
  const menu = parseGrubLegacy(text);
  const index = entryIndex(text, ctx.kernel.version);
  if (index < 0) return text;
  const k = menu.entries[index].kernel!;
  const add = clockArgs(ctx.arch).filter((a) => !k.args.some((x) => x.split('=')[0] === a.split('=')[0]));
  if (add.length === 0) return text;
  const lines = [...menu.lines];
  const indent = /^\s*/.exec(lines[k.line])![0];
  lines[k.line] = `${indent}kernel ${[k.path, ...k.args, ...add].join(' ')}${cr(lines[k.line])}`;
  return lines.join('\n');
}

export const grubClock: FileEdit = {
  kind: 'file',
  id: 'grub-clock',
  describe: 'RHEL 5.0-5.3 timing arguments (divider=10 notsc) on the chosen kernel',
  paths: async (fs, ctx) => (needsClockFix(ctx) ? grubMenuPaths(fs, ctx) : []),
  apply: grubClockFix,
};
