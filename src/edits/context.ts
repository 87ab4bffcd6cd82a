// The context every guest edit reads: the guest, its facts, the kernel chosen
// for KVM, the Xen → KVM device map and the conversion settings. Pure.
import type { GuestFacts } from '../guest/inspect.js';
import type { KernelFacts } from '../guest/kernels.js';
import { planDevices, renameGuestDevice } from '../xen/devmap.js';
import { isXenOnlyArg, serialConsoleArgs } from '../formats/cmdline.js';
import type { XenGuest } from '../xen/types.js';
import type { EditContext } from './types.js';

export interface ContextSettings {
  machine?: string;
  hvmVirtio?: boolean;
  serialSpeed: number;
  clockFix: boolean;
  warn: (message: string) => void;
  boot?: EditContext['boot'];
  host?: EditContext['host'];
}

export function buildEditContext(guest: XenGuest, facts: GuestFacts, kernel: KernelFacts, s: ContextSettings): EditContext {
  return {
    guest, facts, kernel,
    deviceMap: planDevices(guest, { machine: s.machine ?? 'pc', hvmVirtio: !!s.hvmVirtio }),
    macs: guest.nics.map((n) => n.mac ?? ''),
    serialSpeed: s.serialSpeed, clockFix: s.clockFix, arch: facts.arch, warn: s.warn,
    boot: s.boot ?? 'disk', host: s.host ?? { devices: [], mounts: [], leaks: [] }, netNames: netNaming(facts),
  };
}

/**
 * Whether eth0 keeps its name under virtio. udev's predictable names (Debian 9+,
 * Ubuntu 15.10+, any systemd Debian without 70-persistent-net.rules; RHEL 7 and
 * Fedora for an ifcfg-ethN without HWADDR=) call a virtio NIC ens3, and a
 * configuration written for eth0 brings nothing up: net.ifnames=0 keeps the
 * kernel's names. A configuration that names no ethN needs nothing.
 */
export function netNaming(facts: GuestFacts): EditContext['netNames'] {
  if (facts.initSystem !== 'systemd') return 'keep';
  // RHEL 7 / Fedora: an ifcfg-ethN with HWADDR= keeps its name (RHEL's udev rule renames by it); one without does not.
  if (facts.os.family === 'rhel') return facts.network.unpinned.some((n) => /^eth\d+$/.test(n)) ? 'ifnames-off' : 'keep';
  if (facts.os.family !== 'debian') return 'keep';
  const names = facts.network.names;
  return names.length === 0 || names.some((n) => /^eth\d+$/.test(n)) ? 'ifnames-off' : 'keep';
}

/** A Xen disk name (/dev/xvdXN, hdXN, sdXN) renamed per the device map; anything else as it is; a disk the map lacks is a warning. */
export function remapDevice(dev: string, ctx: EditContext, where: string): string {
  if (!/^\/dev\/(xvd|hd|sd)[a-z]+\d*$/.test(dev)) return dev;
  const r = renameGuestDevice(ctx.deviceMap, dev);
  if (r === undefined) {
    ctx.warn(`${where}: ${dev} is none of the guest's disks; left as it is (fix it by hand if the guest needs it)`);
    return dev;
  }
  return r;
}

/**
 * A kernel command line made right for KVM: Xen-only arguments dropped, root= and
 * resume= renamed, the console on tty0 + ttyS0, and net.ifnames=0 where eth0 must
 * keep its name. Idempotent.
 */
export function kvmKernelArgs(args: string[], ctx: EditContext, where: string, console = true): string[] {
  let out = args.filter((a) => !isXenOnlyArg(a) || /^console=/.test(a)).map((a) => {
    const m = /^(root|resume)=(\/dev\/\S+)$/.exec(a);
    return m ? `${m[1]}=${remapDevice(m[2], ctx, where)}` : a;
  });
  out = console ? serialConsoleArgs(out, ctx.serialSpeed) : out.filter((a) => !isXenOnlyArg(a));
  if (console && ctx.netNames === 'ifnames-off' && !out.some((a) => a.startsWith('net.ifnames='))) out.push('net.ifnames=0');
  return out;
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
