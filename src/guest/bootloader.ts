// The boot loaders a guest may boot with, behind one interface (as virt-v2v has a
// grub1 and a grub2 implementation of one): where each keeps its menu, how its
// menu is read, what to tell a user whose kernel it does not list, and whether
// `--boot mbr` can install it. Inspection, the edits and the pipeline ask the
// guest's loader (loaderOf, menuOf) instead of testing a kind.
import { parseGrubLegacy, type GrubMenu } from '../formats/grub-legacy.js';
import { parseGrub2Cfg } from '../formats/grub2.js';

export type LoaderKind = 'grub-legacy' | 'grub2';

export interface BootLoader {
  kind: LoaderKind;
  /** Where its menu may be, in the order inspection looks (links to one another are one menu). */
  configs: readonly string[];
  /** Its menu: entries, kernels and their arguments, the default. */
  parseMenu(text: string): GrubMenu;
  /** How to list a kernel in it (the fix text of an unlisted KVM kernel). */
  addKernelHint: string;
  /** `--boot mbr` can put it into the MBR: GRUB 2 for BIOS, with the guest's grub-install. */
  installable(grub2: { install?: string }): boolean;
}

export const GRUB_LEGACY: BootLoader = {
  kind: 'grub-legacy',
  configs: ['/boot/grub/grub.conf', '/boot/grub/menu.lst', '/etc/grub.conf'],
  parseMenu: parseGrubLegacy,
  addKernelHint: 'grub.conf',
  installable: () => false,
};

export const GRUB2: BootLoader = {
  kind: 'grub2',
  configs: ['/boot/grub2/grub.cfg', '/boot/grub/grub.cfg'],
  parseMenu: parseGrub2Cfg,
  addKernelHint: 'grub.cfg (update-grub / grub2-mkconfig under Xen)',
  installable: (grub2) => !!grub2.install,
};

/** In the order inspection tries them: a GRUB legacy menu wins over a stray grub.cfg. */
export const BOOT_LOADERS: readonly BootLoader[] = [GRUB_LEGACY, GRUB2];

/** What inspection found: a loader's kind and the menu file it read. */
export interface LoaderFacts {
  kind: LoaderKind | 'none';
  config?: string;
}

/** The guest's boot loader, or undefined when it has no menu of its own (pygrub or a dom0 kernel). */
export function loaderOf(found: LoaderFacts): BootLoader | undefined {
  return BOOT_LOADERS.find((l) => l.kind === found.kind);
}

/** The menu file an edit for `kind` changes: the one inspection read, when the guest boots with that loader. */
export function menuOf(found: LoaderFacts, kind: LoaderKind): string[] {
  return loaderOf(found)?.kind === kind && found.config ? [found.config] : [];
}
