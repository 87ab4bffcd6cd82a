// What a guest family knows that inspection and the shared edits ask about. The
// family modules in src/families/ implement it (one module per family, with its
// list of edits); below them nothing tests a distribution or a family by name —
// a shared edit asks ctx.family, inspection asks the family it was given.
import type { OsInfo } from './release.js';
import type { NetworkFacts } from './network.js';

/** The initrd tools a guest may have. */
export type InitrdTool = 'mkinitrd' | 'dracut' | 'update-initramfs';

/** How one initrd tool is run for a kernel, and what it writes. */
export interface InitrdDialect {
  tool: InitrdTool;
  /** Where it writes the initrd of kernel `version`, when the kernel has none yet. */
  output(version: string): string;
  /** The command line that rebuilds `image` for `version` with the virtio drivers (`exists`: the kernel has an initrd already). */
  argv(image: string, version: string, exists: boolean): string[];
  /** Files it writes besides the image (recorded, so rollback is exact). */
  touches(version: string): string[];
  /** Folders of its caches, backed up before it runs. */
  keeps: string[];
}

export interface FamilyTraits {
  /** Stable id (list-edits, --json, manifests). */
  key: string;
  /** For people: which releases it covers. */
  label: string;
  /** modprobe: every file in /etc/modprobe.d is read (module-init-tools), or only *.conf (kmod); a guest without a config gets /etc/modprobe.conf. */
  modprobe: { everyFile: boolean; create: boolean };
  /** The timing arguments of RHEL 5.0–5.3 (no kvm-clock) are needed on this release. */
  needsClockFix(os: OsInfo): boolean;
  /** Whether udev would rename the guest's ethN under virtio, given its init system and network configuration. */
  netNaming(facts: { initSystem: string; network: NetworkFacts }): 'ifnames-off' | 'keep';
  /** Where its network configuration lives, and the key that pins a NIC to a MAC. */
  network: { dir: string; file: RegExp; macKey: string };
  /** A kernel flavour that boots only under Xen, by its version string (el5xen, -xen). */
  xenFlavour: RegExp;
  /** The initrd tools it may use, in the dialect it speaks. */
  initrd: Partial<Record<InitrdTool, InitrdDialect>>;
  /** The boot loaders its releases may have. */
  bootLoaders: readonly ('grub-legacy' | 'grub2')[];
  /** How to install or update a kernel, and the oldest release with virtio (for the fix texts). */
  kernelHint: { install: string; update: string; minimum: string };
}

/** Picks a guest's family from what its release files said (src/families/index.ts). */
export type FamilyResolver = (os: OsInfo) => FamilyTraits | undefined;
