// Where xen2kvm keeps its run state: journals of what each run attached or
// mounted, per-disk locks, and mount points. Tests point it elsewhere with
// XEN2KVM_RUN_DIR.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export function runDir(): string {
  return process.env.XEN2KVM_RUN_DIR ?? '/run/xen2kvm';
}

/** Creates (0700) and returns a subdirectory of the run dir. */
export function runSubdir(name: 'journal' | 'locks' | 'mnt'): string {
  const dir = join(runDir(), name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
