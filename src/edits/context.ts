// The context every guest edit reads: the guest, its facts, the kernel chosen
// for KVM, the Xen → KVM device map and the conversion settings. Pure.
import type { GuestFacts } from '../guest/inspect.js';
import type { FamilyTraits, InitrdDialect } from '../guest/family.js';
import { menuOf } from '../guest/bootloader.js';
import type { KernelFacts } from '../guest/kernels.js';
import { splitArgs } from '../formats/cmdline.js';
import { readVar, setVar } from '../formats/shell-vars.js';
import { planDevices } from '../xen/devmap.js';
import { kvmCmdline, remapXenDevice } from '../xen/kvm-cmdline.js';
import type { XenGuest } from '../xen/types.js';
import type { EditContext } from './types.js';
import type { Warning } from '../errors.js';

export interface ContextSettings {
  machine?: string;
  hvmVirtio?: boolean;
  serialSpeed: number;
  clockFix: boolean;
  warn: (w: Warning) => void;
  boot?: EditContext['boot'];
  host?: EditContext['host'];
  /** The guest's family (src/families/): what the shared edits ask instead of testing a distribution. */
  family: FamilyTraits;
}

export function buildEditContext(guest: XenGuest, facts: GuestFacts, kernel: KernelFacts, s: ContextSettings): EditContext {
  return {
    guest, facts, kernel, family: s.family,
    deviceMap: planDevices(guest, { machine: s.machine ?? 'pc', hvmVirtio: !!s.hvmVirtio }),
    macs: guest.nics.map((n) => n.mac ?? ''),
    serialSpeed: s.serialSpeed, clockFix: s.clockFix, arch: facts.arch, warn: s.warn,
    boot: s.boot ?? 'disk', host: s.host ?? { devices: [], mounts: [], leaks: [] }, netNames: s.family.netNaming(facts),
  };
}

/** A Xen disk name (/dev/xvdXN, hdXN, sdXN) renamed per the device map; anything else as it is; a disk the map lacks is a warning. */
export function remapDevice(dev: string, ctx: EditContext, where: string): string {
  return remapXenDevice(dev, ctx.deviceMap, ctx.warn, where);
}

/** The guest's kernel command line for KVM (xen/kvm-cmdline.ts: the one function every boot path uses). Idempotent. */
export function kvmKernelArgs(args: string[], ctx: EditContext, where: string, console = true): string[] {
  return kvmCmdline(args, ctx, where, console);
}

/**
 * A shell-variable file's kernel-argument variable (GRUB_CMDLINE_LINUX, SUSE's
 * DEFAULT_APPEND …) made right for KVM by kvmKernelArgs; `console: false` for one that
 * only adds to another. An absent variable counts as empty. Idempotent.
 */
export function kvmArgsVar(text: string, key: string, ctx: EditContext, path: string, console = true): string {
  const cur = readVar(text, key);
  const args = splitArgs(cur?.value ?? '');
  const next = kvmKernelArgs(args, ctx, `${path} line ${(cur?.line ?? 0) + 1} (${key})`, console);
  return next.join(' ') === args.join(' ') ? text : setVar(text, key, next.join(' '));
}

/** The guest's grub legacy menu, as a one-element list for FileEdit.paths (none for other boot loaders). */
export async function grubMenuPaths(_fs: unknown, ctx: EditContext): Promise<string[]> {
  return menuOf(ctx.facts.bootloader, 'grub-legacy');
}

/** Does this guest need the RHEL 5.0–5.3 timing arguments (no kvm-clock)? Its family says. */
export function needsClockFix(ctx: EditContext): boolean {
  return ctx.clockFix && ctx.family.needsClockFix(ctx.facts.os);
}

/** The timing arguments for an architecture (Red Hat's KVM guest timing guide). */
export function clockArgs(arch: EditContext['arch']): string[] {
  return arch === 'x86_64' ? ['divider=10', 'notsc'] : ['divider=10', 'clocksource=acpi_pm'];
}

/** The guest's initrd tool in its family's dialect, or undefined (no tool, or one its family does not use). */
export function initrdDialect(ctx: EditContext): InitrdDialect | undefined {
  return ctx.facts.initrdTool === 'none' ? undefined : ctx.family.initrd[ctx.facts.initrdTool];
}

/** Where the chosen kernel's initrd is (or will be). */
export function initrdPath(ctx: EditContext): string {
  if (ctx.kernel.initrd) return ctx.kernel.initrd;
  return (initrdDialect(ctx) ?? Object.values(ctx.family.initrd)[0])?.output(ctx.kernel.version) ?? `/boot/initrd-${ctx.kernel.version}.img`;
}
