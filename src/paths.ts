// Where xen2kvm keeps its run state: journals of what each run attached or
// mounted, per-disk locks, and mount points. Tests point it elsewhere with
// XEN2KVM_RUN_DIR.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function runDir(): string {
  return process.env.XEN2KVM_RUN_DIR ?? '/run/xen2kvm';
}

/** Creates (0700) and returns a subdirectory of the run dir. */
export function runSubdir(name: 'journal' | 'locks' | 'mnt'): string {
  const dir = join(runDir(), name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The xen2kvm package's root (where package.json, bin/ and scripts/ are), from dist/src/ or src/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the xen2kvm package root (package.json)');
    dir = up;
  }
  return dir;
}

/** The package's version, from its package.json (wherever the CLI was started from: a symlink on PATH too). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
