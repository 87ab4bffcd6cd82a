// The guest families xen2kvm converts, in the order they are tried. A new family
// is a module here (what it knows, how it is recognized, its edits), its new edits
// in src/edits/, and its fixtures — nothing else changes.
import type { FamilyResolver } from '../guest/family.js';
import type { OsInfo } from '../guest/release.js';
import { debian } from './debian.js';
import { rhel5 } from './rhel5.js';
import { rhel6 } from './rhel6.js';
import { rhel7 } from './rhel7.js';
import { suse } from './suse.js';
import type { Family } from './types.js';

export type { Family } from './types.js';

export const FAMILIES: readonly Family[] = [rhel5, rhel6, rhel7, debian, suse];

/** The family that takes this system, or undefined when xen2kvm converts none like it. */
export const familyOf: FamilyResolver & ((os: OsInfo) => Family | undefined) = (os: OsInfo) => FAMILIES.find((f) => f.recognizes(os));

/** A family by its key (list-edits, manifests). */
export function familyByKey(key: string | undefined): Family | undefined {
  return FAMILIES.find((f) => f.key === key);
}

/** What the families cover, for messages ("xen2kvm converts …"). */
export function supportedFamilies(): string {
  return FAMILIES.map((f) => f.label).join('; ');
}
