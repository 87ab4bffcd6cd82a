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
