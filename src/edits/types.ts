// What an edit is: a pure text → text change of guest files, a change of the
// guest's tree (links renamed, a file created), or a command run in the guest.
import type { GuestFs } from '../guest/guestfs.js';
import type { GuestFacts } from '../guest/inspect.js';
import type { KernelFacts } from '../guest/kernels.js';
import type { DeviceMap } from '../xen/devmap.js';
import type { XenGuest } from '../xen/types.js';

export interface EditContext {
  guest: XenGuest;
  facts: GuestFacts;
  /** The kernel the guest will boot under KVM. */
  kernel: KernelFacts;
  deviceMap: DeviceMap;
  /** MACs the domain XML gives the NICs, in order. */
  macs: string[];
  serialSpeed: number;
  /** Add the RHEL 5.0–5.3 timing arguments (no kvm-clock). */
  clockFix: boolean;
  arch: 'x86_64' | 'i686';
  /** Reports a non-fatal finding (file and line in the text). */
  warn(message: string): void;
}

/** A pure, idempotent change of file contents. `C` is what the edits read: a guest's facts, or a host's settings. */
export interface FileEdit<C = EditContext> {
  kind: 'file';
  id: string;
  describe: string;
  /** Guest paths this edit applies to (those that exist are edited). */
  paths(fs: GuestFs, ctx: C): Promise<string[]>;
  apply(text: string, ctx: C, path: string): string;
  /** Contents for a file to create when none of `paths` exists. */
  create?: (ctx: C) => { path: string; text: string; mode: number } | undefined;
}

export type TreeOp =
  | { op: 'rename'; from: string; to: string }
  | { op: 'create'; path: string; text: string; mode: number }
  | { op: 'symlink'; path: string; target: string };

/** A change of the guest's tree, planned from what is there. Empty plan = nothing to do. */
export interface TreeEdit<C = EditContext> {
  kind: 'tree';
  id: string;
  describe: string;
  plan(fs: GuestFs, ctx: C): Promise<TreeOp[]>;
}

/** A command run in the guest (chroot), changing the files it names. */
export interface CommandEdit<C = EditContext> {
  kind: 'command';
  id: string;
  describe: string;
  /** Why it is needed, or undefined when it is not. */
  needed(fs: GuestFs, ctx: C): Promise<string | undefined>;
  /** Guest paths the command rewrites (backed up first, restored on failure). */
  touches(ctx: C): string[];
  /** argv to run inside the guest's root. */
  argv(ctx: C): string[];
  /** Throws when the result is not what it must be. */
  verify(fs: GuestFs, ctx: C): Promise<void>;
}

export type Edit<C = EditContext> = FileEdit<C> | TreeEdit<C> | CommandEdit<C>;

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
