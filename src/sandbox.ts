// `convert --sandbox vm`: the whole attach → mount → edit pipeline of one guest
// inside a throwaway VM, for images you do not trust. The VM (scripts/vm-run:
// Debian's kernel under qemu) sees this host's root read-only over 9p, the guest's
// disks as its virtio disks, and one empty host directory it may write to; there
// xen2kvm runs as usual and leaves the domain XML, the boot files and its report.
// The host then moves them into place — and defines the domain when asked.
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dir as tmpDir } from 'tmp-promise';
import { join } from 'node:path';
import { UserError } from './errors.js';
import { log } from './log.js';
import { packageRoot } from './paths.js';
import { run } from './run.js';
import { atomicWrite } from './tree/files.js';
import { lockDisks, refuseIfInUse } from './image/inuse.js';
import { checkSelfContained, hasHeader, qemuFormat } from './image/self-contained.js';
import { withSession } from './session.js';
import { diskLetters } from './xen/disk.js';
import type { XenGuest } from './xen/types.js';
import type { DomainOptions } from './host/domain-xml.js';
import { writeDomain } from './host/domain-file.js';

export interface SandboxOptions {
  dryRun: boolean;
  outputDir: string;
  bootDir: string;
  /** The command line as given, to run again inside (our own overrides are added). */
  argv: string[];
  /** Backing files the user accepts in image headers (--allow-backing). */
  allowBacking?: string[];
  /** How the host renders the domain (bridges, networks, machine). */
  domain: DomainOptions;
  timeoutSeconds?: number;
}

export interface SandboxResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The report the run inside wrote (convert's JSON result), when it got that far. */
  report?: Record<string, unknown>;
  domainXml?: string;
  bootFiles: string[];
  seconds: number;
}

const SHARE = '/run/share';


/** Options of ours that the run inside must not get: where results go, what the host does with them. */
const DROP_WITH_VALUE = new Set(['--sandbox', '-o', '--output-dir', '--boot-dir', '--report', '--disk', '--allow-backing']);
const DROP = new Set(['--define', '--autostart', '--json']);

export function innerArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.split('=')[0];
    if (DROP.has(name)) continue;
    if (DROP_WITH_VALUE.has(name)) {
      if (!a.includes('=')) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

export async function convertInVm(guest: XenGuest, opts: SandboxOptions): Promise<SandboxResult> {
  if (process.getuid?.() !== 0) throw new UserError('--sandbox vm needs root (qemu with this host\'s root shared read-only)');
  const disks = guest.disks.filter((d) => d.device === 'disk');
  for (const d of disks) {
    if (!d.path || d.sourceKind === 'network') throw new UserError(`--sandbox vm: disk ${d.vdev} is not a local image or device`);
    if (d.format !== 'raw' && !hasHeader(d.format)) throw new UserError(`--sandbox vm: disk ${d.vdev} is ${d.format}, which qemu does not read`);
    if (!existsSync(d.path)) throw new UserError(`disk ${d.vdev}: ${d.path} does not exist`);
  }
  // No header may send qemu to another file: checked before the VM opens anything.
  const chain = await checkSelfContained(disks.map((d) => ({ vdev: d.vdev, path: d.path!, format: d.format })), opts.allowBacking ?? []);
  const sources = [...disks.map((d) => d.path!), ...chain.backing.map((b) => b.path)];
  // The host's own checks first: locks by inode, the guest not running, its disks not in use here.
  return withSession(`convert --sandbox vm ${guest.file}`, async (acq) => {
    await lockDisks(sources, acq);
    await refuseIfInUse({ ...(guest.name ? { name: guest.name } : {}), sources, force: false });
    return runVm(guest, disks, opts, new Set(chain.backing.map((b) => b.of)));
  });
}

async function runVm(guest: XenGuest, disks: XenGuest['disks'], opts: SandboxOptions, withBacking: Set<string>): Promise<SandboxResult> {
  const { path: share, cleanup } = await tmpDir({ prefix: 'xen2kvm-sandbox-', unsafeCleanup: true });
  try {
    const root = packageRoot();
    // The guest's disks in vdev order are the VM's /dev/vda, /dev/vdb, …
    const diskArgs = disks.flatMap((d, i) => ['--disk', `${d.vdev}=/dev/vd${diskLetters(i)}`]);
    const inner = [
      process.execPath, join(root, 'bin', 'xen2kvm'), 'convert', ...innerArgs(opts.argv), ...diskArgs,
      '--output-dir', `${SHARE}/out`, '--boot-dir', `${SHARE}/boot`, '--report', `${SHARE}/result.json`, '--sandbox', 'none',
    ];
    const script = `"$@" > ${SHARE}/stdout 2> ${SHARE}/stderr`;
    const started = Date.now();
    log.info(`running the conversion in a throwaway VM (qemu; the host's root read-only, ${disks.length} disk(s) as virtio disks)…`);
    const r = await run('vmRun', [
      '--ro-root', '--share', share, '--timeout', String(opts.timeoutSeconds ?? 3000),
      // The format given, never probed; no backing file unless the user accepted it (vm-run: -blockdev with backing null).
      ...disks.flatMap((d) => ['--drive', `${d.path}@${qemuFormat(d.format)}${opts.dryRun ? ':ro' : ''}${withBacking.has(d.path!) ? ':backing' : ''}`]),
      '--', 'sh', '-c', script, 'xen2kvm-sandbox', ...inner,
    ], { allowFailure: true, env: { XEN2KVM_RUN_DIR: '/run/xen2kvm' }, timeoutMs: ((opts.timeoutSeconds ?? 3000) + 120) * 1000 });
    const seconds = (Date.now() - started) / 1000;
    const read = (f: string) => (existsSync(join(share, f)) ? readFileSync(join(share, f), 'utf8') : '');
    const fix = (s: string) => s.split(`${SHARE}/out`).join(opts.outputDir).split(`${SHARE}/boot`).join(opts.bootDir);
    const result: SandboxResult = { exitCode: r.exitCode, stdout: fix(read('stdout')), stderr: fix(read('stderr')), bootFiles: [], seconds };
    if (r.exitCode === 125 || (!result.stdout && !result.stderr)) {
      throw new UserError(`the sandbox VM did not run the conversion (scripts/vm-run exit ${r.exitCode})`, `Its console:\n${r.stdout.slice(-2000)}`);
    }
    const report = read('result.json');
    if (report) result.report = JSON.parse(fix(report)) as Record<string, unknown>;
    // The domain is rendered again here, from the config and what the run inside learned:
    // inside, the disks were the VM's /dev/vdX; the host's domain names the real images.
    const learned = (result.report?.guests as { domain?: unknown }[] | undefined)?.[0]?.domain as { guestMacs: (string | undefined)[]; directBootCmdline?: string } | undefined;
    if (!opts.dryRun && r.exitCode === 0 && learned) {
      result.domainXml = (await writeDomain(guest, { ...opts.domain, guestMacs: learned.guestMacs }, opts.outputDir,
        learned.directBootCmdline ? { bootDir: opts.bootDir, cmdline: learned.directBootCmdline } : undefined)).file;
    }
    if (!opts.dryRun && existsSync(join(share, 'boot'))) {
      for (const g of readdirSync(join(share, 'boot'))) {
        mkdirSync(join(opts.bootDir, g), { recursive: true });
        for (const f of readdirSync(join(share, 'boot', g))) {
          if (!statSync(join(share, 'boot', g, f)).isFile()) continue;
          await atomicWrite(join(opts.bootDir, g, f), readFileSync(join(share, 'boot', g, f)), 0o644);
          result.bootFiles.push(join(opts.bootDir, g, f));
        }
      }
    }
    return result;
  } finally {
    await cleanup();
  }
}
