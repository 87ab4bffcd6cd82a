// The context every guest edit reads: the guest, its facts, the kernel chosen
// for KVM, the Xen → KVM device map and the conversion settings. Pure.
import type { GuestFacts } from '../guest/inspect.js';
import type { KernelFacts } from '../guest/kernels.js';
import { planDevices } from '../xen/devmap.js';
import type { XenGuest } from '../xen/types.js';
import type { EditContext } from './types.js';

export interface ContextSettings {
  machine?: string;
  hvmVirtio?: boolean;
  serialSpeed: number;
  clockFix: boolean;
  warn: (message: string) => void;
}

export function buildEditContext(guest: XenGuest, facts: GuestFacts, kernel: KernelFacts, s: ContextSettings): EditContext {
  return {
    guest, facts, kernel,
    deviceMap: planDevices(guest, { machine: s.machine ?? 'pc', hvmVirtio: !!s.hvmVirtio }),
    macs: guest.nics.map((n) => n.mac ?? ''),
    serialSpeed: s.serialSpeed, clockFix: s.clockFix, arch: facts.arch, warn: s.warn,
  };
}

/** The guest's grub legacy menu, as a one-element list for FileEdit.paths (none for other boot loaders). */
export async function grubMenuPaths(_fs: unknown, ctx: EditContext): Promise<string[]> {
  return ctx.facts.bootloader.kind === 'grub-legacy' && ctx.facts.bootloader.config ? [ctx.facts.bootloader.config] : [];
}

/** Does this guest need the RHEL 5.0–5.3 timing arguments (no kvm-clock)? */
export function needsClockFix(ctx: EditContext): boolean {
  const os = ctx.facts.os;
  return ctx.clockFix && os.family === 'rhel' && os.major === 5 && os.minor <= 3;
}

/** The timing arguments for an architecture (Red Hat's KVM guest timing guide). */
export function clockArgs(arch: EditContext['arch']): string[] {
  return arch === 'x86_64' ? ['divider=10', 'notsc'] : ['divider=10', 'clocksource=acpi_pm'];
}

/** Where the chosen kernel's initrd is (or will be). */
export function initrdPath(ctx: EditContext): string {
  if (ctx.kernel.initrd) return ctx.kernel.initrd;
  return ctx.facts.initrdTool === 'dracut' ? `/boot/initramfs-${ctx.kernel.version}.img`
    : ctx.facts.initrdTool === 'update-initramfs' ? `/boot/initrd.img-${ctx.kernel.version}` : `/boot/initrd-${ctx.kernel.version}.img`;
}
