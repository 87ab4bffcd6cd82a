// A guest family: what it knows (FamilyTraits, asked by inspection and the shared
// edits), how it is recognized, and its list of edits in the order they run.
import type { FamilyTraits } from '../guest/family.js';
import type { OsInfo } from '../guest/release.js';
import type { Edit } from '../edits/types.js';

export interface Family extends FamilyTraits {
  /** This family takes the system detectOs read from the release files. */
  recognizes(os: OsInfo): boolean;
  /** Its edits, in order. */
  edits: Edit[];
}
