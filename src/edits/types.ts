// What a guest edit reads (EditContext), and the tree module's change kinds bound to it.
import type * as tree from '../tree/types.js';
import type { Warning } from '../errors.js';
import type { GuestFacts } from '../guest/inspect.js';
import type { FamilyTraits } from '../guest/family.js';
import type { HostSide } from '../guest/host-side.js';
import type { KernelFacts } from '../guest/kernels.js';
import type { DeviceMap } from '../xen/devmap.js';
import type { XenGuest } from '../xen/types.js';

export interface EditContext {
  guest: XenGuest;
  facts: GuestFacts;
  /** What the guest's family knows (src/families/): shared edits ask it, never the distribution. */
  family: FamilyTraits;
  /** The kernel the guest will boot under KVM. */
  kernel: KernelFacts;
  deviceMap: DeviceMap;
  /** MACs the domain XML gives the NICs, in order. */
  macs: string[];
  serialSpeed: number;
  /** Add the RHEL 5.0–5.3 timing arguments (no kvm-clock). */
  clockFix: boolean;
  arch: 'x86_64' | 'i686' | 'aarch64' | 'unknown';
  /** How the KVM domain boots: the disk's own boot loader, a boot loader installed into the MBR by this conversion, or the kernel given directly. */
  boot: 'disk' | 'mbr' | 'direct';
  /** Where the guest is attached on this host (empty when planning on a plain tree). */
  host: HostSide;
  /** 'ifnames-off' adds net.ifnames=0: udev's predictable names would rename the guest's eth0 under virtio (to ens3). */
  netNames: 'ifnames-off' | 'keep';
  /** Reports a non-fatal finding (file and line in the text). */
  warn(w: Warning): void;
}

export type { HostSide } from '../guest/host-side.js';

/** The tree module's change kinds, reading an EditContext by default. */
export type FileEdit<C = EditContext> = tree.FileEdit<C>;
export type TreeEdit<C = EditContext> = tree.TreeEdit<C>;
export type CommandEdit<C = EditContext> = tree.CommandEdit<C>;
export type Edit<C = EditContext> = tree.Edit<C>;
export type { TreeOp } from '../tree/types.js';
export { mapLines } from '../tree/types.js';
