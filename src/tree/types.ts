// What a change of a rooted tree is: a pure text → text change of files, a change
// of the tree itself (links renamed, a file created), or a command run inside the
// root. `C` is what the changes read: a guest's facts, or a host's settings.
import type { RootFs } from './fs.js';

/** A pure, idempotent change of file contents. */
export interface FileEdit<C> {
  kind: 'file';
  id: string;
  describe: string;
  /** Paths in the root this edit applies to (those that exist are edited). */
  paths(fs: RootFs, ctx: C): Promise<string[]>;
  apply(text: string, ctx: C, path: string): string;
  /** Contents for a file to create when none of `paths` exists. */
  create?: (ctx: C) => { path: string; text: string; mode: number } | undefined;
}

export type TreeOp =
  | { op: 'rename'; from: string; to: string }
  | { op: 'create'; path: string; text: string; mode: number }
  | { op: 'symlink'; path: string; target: string };

/** A change of the tree, planned from what is there. Empty plan = nothing to do. */
export interface TreeEdit<C> {
  kind: 'tree';
  id: string;
  describe: string;
  plan(fs: RootFs, ctx: C): Promise<TreeOp[]>;
}

/** A command run inside the root, changing the files it names. */
export interface CommandEdit<C> {
  kind: 'command';
  id: string;
  describe: string;
  /** Why it is needed, or undefined when it is not. */
  needed(fs: RootFs, ctx: C): Promise<string | undefined>;
  /** Paths the command rewrites (backed up first, restored on failure). */
  touches(ctx: C): string[];
  /** argv to run inside the root. */
  argv(ctx: C): string[];
  /** Throws when the result is not what it must be. */
  verify(fs: RootFs, ctx: C): Promise<void>;
  /** Host block devices the command needs to see, by the name it sees them under (made in its /dev, nothing else): the guest's disk for a boot loader install. */
  devices?(ctx: C): { host: string; name: string; uuid?: string }[];
  /** The guest's filesystems mounted again from those names, for commands that probe what / is on (grub-mkconfig). */
  mounts?(ctx: C): { mountpoint: string; name: string; fstype: string; options: string }[];
  /** Guest directories where the command may create files besides `touches` (each new file and directory recorded, so rollback removes them). */
  creates?(ctx: C): string[];
  /** Guest directories the command rewrites as it likes (its caches): every file in them is backed up first, and new ones recorded. */
  keeps?(ctx: C): string[];
  /** Bytes of a disk outside the filesystems the command writes (a boot loader's MBR and gap), backed up first. */
  regions?(ctx: C): { disk: string; device: string; offset: number; length: number }[];
  /** When the command fails, put back what it changed, warn, and go on (a later edit does the job another way). */
  fallible?: boolean;
}

export type Edit<C> = FileEdit<C> | TreeEdit<C> | CommandEdit<C>;

/** Replaces lines while keeping the file's line endings and final newline. */
export function mapLines(text: string, fn: (line: string, index: number) => string | string[] | null): string {
  const lines = text.split('\n');
  const out: string[] = [];
  lines.forEach((l, i) => {
    const r = fn(l, i);
    if (r === null) return;
    if (Array.isArray(r)) out.push(...r);
    else out.push(r);
  });
  return out.join('\n');
}
