// Helpers for the integration tests (root, loop devices): sample images in a
// private directory, a private run dir, the CLI as a child process, and checks
// that nothing of ours is left attached or mounted.
import { checkDocument } from './contract.js';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './corpus.js';

export const isRoot = process.getuid?.() === 0;
export const bin = join(repoRoot, 'bin', 'xen2kvm');

export function haveDeviceMapper(): boolean {
  try {
    return /\bdevice-mapper\b/.test(readFileSync('/proc/misc', 'utf8'));
  } catch {
    return false;
  }
}

/** In the VM tier (XEN2KVM_STRATEGIES set), tests that do not depend on the strategy are left to the host tier. */
export const hostTierOnly = process.env.XEN2KVM_STRATEGIES ? { skip: 'run in the host tier' } : {};

/** Strategies this kernel can run: loop always, kpartx where device-mapper exists (the VM tier). */
export function strategies(): ('loop' | 'kpartx')[] {
  const all: ('loop' | 'kpartx')[] = haveDeviceMapper() ? ['loop', 'kpartx'] : ['loop'];
  // The VM tier runs only what the host cannot: XEN2KVM_STRATEGIES=kpartx.
  const only = process.env.XEN2KVM_STRATEGIES?.split(',');
  return only ? all.filter((s) => only.includes(s)) : all;
}

export interface Workspace {
  dir: string;
  runDir: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

export function workspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-it-'));
  const runDir = join(dir, 'run');
  return {
    dir,
    runDir,
    env: { ...process.env, XEN2KVM_RUN_DIR: runDir },
    cleanup: () => {
      spawnSync(bin, ['cleanup'], { env: { ...process.env, XEN2KVM_RUN_DIR: runDir } });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function xen2kvm(ws: Workspace, args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(bin, args, { encoding: 'utf8', env: { ...ws.env, ...extraEnv } });
  // Every --json answer is checked against the contract's schema, whatever the test then asks of it.
  if (args.includes('--json') && !args.includes('--help')) checkDocument(r.stdout, `xen2kvm ${args.join(' ')} (exit ${r.status}; stderr: ${r.stderr.slice(-500)})`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI; resolves once its stderr matches `until`, with the child and what it has said so far. */
export async function startUntil(ws: Workspace, args: string[], until: RegExp, extraEnv: Record<string, string> = {}) {
  const child = spawn(bin, args, { env: { ...ws.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      if (until.test(stderr)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before saying ${until}: ${stderr}`)));
  });
  return { child, stderr: () => stderr };
}

/** Starts the CLI paused at a stage; resolves once it says so. */
export async function startPaused(ws: Workspace, args: string[], stage: string) {
  return (await startUntil(ws, args, new RegExp(`paused at ${stage}`), { XEN2KVM_PAUSE_AT: stage })).child;
}

/** Loop devices backed by files under `dir`. */
export function loopsUnder(dir: string): string[] {
  const out = execFileSync('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(dir)).map((l) => l.trim().split(/\s+/)[0]);
}

/** Mounts whose target is under `dir`. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[1]?.startsWith(dir)).map((l) => l.split(' ')[1]);
}

/** device-mapper tables whose names come from our loop devices or guest VGs. */
export function dmTables(names: RegExp): string[] {
  if (!haveDeviceMapper()) return [];
  const r = spawnSync('dmsetup', ['ls'], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').map((l) => l.split(/\s+/)[0]).filter((n) => n && names.test(n));
}

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * A libvirtd at qemu:///system for the tests: the one running, or one started
 * here (as root, when libvirtd is installed). Resolves to undefined when there is
 * one, or to the reason the libvirt tests are skipped.
 */
export async function ensureLibvirtd(reachable: () => Promise<boolean>): Promise<string | undefined> {
  if (await reachable()) return undefined;
  if (!isRoot) return 'not root, and no libvirtd is reachable at qemu:///system';
  const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
  if (!have('libvirtd')) return 'libvirtd is not installed (scripts/setup.sh installs libvirt-daemon-system)';
  execFileSync('mkdir', ['-p', '/var/log/libvirt', '/var/lib/libvirt/boot']);
  if (have('virtlogd')) spawnSync('virtlogd', ['-d']);
  spawnSync('libvirtd', ['-d']);
  for (let i = 0; i < 40; i++) {
    if (await reachable()) return undefined;
    await new Promise((r) => setTimeout(r, 250));
  }
  return 'libvirtd was started but did not answer at qemu:///system within 10 s';
}

/** What a run of ours may leave behind, for a test's "nothing is left" checks: loop devices on the workspace's files, mounts in its run dir, locks. */
export function leftovers(ws: Workspace): { loops: string[]; mounts: string[]; locks: string[] } {
  const locks = join(ws.runDir, 'locks');
  return { loops: loopsUnder(ws.dir), mounts: mountsUnder(ws.runDir), locks: existsSync(locks) ? readdirSync(locks) : [] };
}
