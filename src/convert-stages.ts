// The stages of one conversion, in the order src/convert.ts runs them: attach,
// inspect, plan, apply, detach, writeHost. Each one does one job and says so.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from './errors.js';
import { editsFor } from './edits/families.js';
import { buildEditContext, initrdPath } from './edits/context.js';
import type { EditContext } from './edits/types.js';
import { applyEdits, type EditOutcome } from './tree/runner.js';
import { BACKUP_ROOT, type Manifest } from './tree/manifest.js';
import { listRuns, restoreEntries, sweepLeftovers, WRITTEN_DIRS } from './tree/rollback.js';
import { atomicWrite } from './tree/files.js';
import { runInGuestChroot } from './guest/chroot.js';
import { externalDecompress } from './guest/decompress.js';
import { kernelVersionOf, parseGrubLegacy } from './formats/grub-legacy.js';
import { chooseKernel, decompressWith, inspectGuest, type GuestFacts } from './guest/inspect.js';
import { ifcfgMacs, reconcileMacs } from './guest/nics.js';
import { openGuest, type OpenGuest, type OpenOptions } from './guest/open.js';
import { remountReadWrite, type MountedGuest } from './guest/mount.js';
import type { Acquirer } from './image/release.js';
import { mbrBootCode, mbrProblem } from './image/mbr.js';
import { BOOT_DIR, remapCmdline, renderDomainXml, type DomainOptions } from './host/domain-xml.js';
import { autostartDomain, defineDomain, libvirtReachable, LIBVIRT_URI, validateXml } from './host/virsh.js';
import { log } from './log.js';
import type { XenGuest } from './xen/types.js';

export interface ConvertOptions {
  dryRun: boolean;
  showDiff: boolean;
  outputDir: string;
  attach: OpenOptions['strategy'];
  /** Keys for the guest's LUKS containers. */
  keys?: OpenOptions['keys'];
  root?: string;
  force: boolean;
  domain: DomainOptions;
  serialSpeed: number;
  clockFix: boolean;
  initrd: boolean;
  /** Only these edits (ids), e.g. to re-apply some in recovery. */
  only?: string[];
  /** Register the domain with libvirt (virsh define), and mark it autostart. */
  define?: boolean;
  autostart?: boolean;
  /** Where kernels for direct boot go on the host (default /var/lib/libvirt/boot). */
  bootDir?: string;
  /** Print the diffs on stdout (single-guest runs; a batch keeps them in the report). */
  printDiffs?: boolean;
  /** Told each stage as it starts (batch progress). */
  progress?: (stage: string) => void;
}

export interface ConvertResult {
  guest: string;
  runId?: string;
  dryRun: boolean;
  kernel: string;
  edits: EditOutcome[];
  warnings: string[];
  /** Where the domain XML went (absent in dry-run). */
  domainXml?: string;
  /** Kernel and initrd copied out of the guest for direct boot. */
  bootFiles?: string[];
  /** What was done with libvirt (virsh define, autostart). */
  libvirt?: string[];
  xml: string;
  changed: boolean;
  /** Milliseconds per stage: plan (read-only pass), apply (read-write pass), of which guestCommand, and host. */
  timings: Record<string, number>;
  /** What the domain was rendered from besides the config (so it can be rendered again, e.g. on the host after --sandbox vm). */
  domain: { guestMacs: (string | undefined)[]; directBootCmdline?: string };
}

/** What the stages of one run share. */
export interface RunState {
  guest: XenGuest;
  opts: ConvertOptions;
  runId: string;
  warnings: Set<string>;
  timings: Record<string, number>;
  clock: number;
  /** Runs an earlier, interrupted conversion left in the guest, and leftovers of killed writes. */
  interrupted?: Manifest[];
  leftovers?: string[];
}

/** One pass of the edits over a mount: what changed (or would), and what the host side needs to know. */
export interface EditPass {
  outcomes: EditOutcome[];
  manifest?: Manifest;
  kernel: EditContext['kernel'];
  initrdPath: string;
  guestMacs: (string | undefined)[];
  cmdline: string;
}

interface Opened extends OpenGuest {
  /** The domain boots the guest's kernel directly (a dom0 kernel, partitionless disks, or an MBR without a loader). */
  directBoot: boolean;
  /** The mount the later stages work on (replaced by the read-write remount). */
  current: MountedGuest;
}

function lap(run: RunState, stage: string): void {
  const now = Date.now();
  run.timings[stage] = now - run.clock;
  run.clock = now;
}

/** Where a guest's kernel and initrd go for direct boot. */
function directDir(run: RunState): string {
  return directBootDir(run.opts.bootDir ?? BOOT_DIR, run.guest.name);
}

export function directBootDir(bootDir: string, name: string): string {
  return `${bootDir}/${name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/** Attaches the disks and mounts the guest read-only (read-write attach unless --dry-run, for the apply stage). */
export async function attach(run: RunState, acq: Acquirer, configDirectBoot: boolean): Promise<Opened> {
  const { guest, opts } = run;
  opts.progress?.('attaching');
  const open = await openGuest(guest.disks, { strategy: opts.attach, readOnly: opts.dryRun, mountReadOnly: true, force: opts.force, name: guest.name, ...(opts.keys ? { keys: opts.keys } : {}), ...(opts.root ? { root: opts.root } : {}) }, acq);
  // A guest booted through pygrub may have no boot loader in its MBR: then it boots its kernel directly.
  const boot = open.attached.disks[0];
  const why = !configDirectBoot && !!boot?.table && guest.bootloader !== undefined ? mbrProblem(mbrBootCode(boot.whole)) : undefined;
  const mbrEmpty = why !== undefined;
  if (mbrEmpty) run.warnings.add(`the MBR of ${boot.disk.vdev} ${why} (the guest booted through ${guest.bootloader}), so the domain boots the guest's kernel directly`);
  return { ...open, current: open.mounted, directBoot: configDirectBoot || mbrEmpty };
}

/** Reads the guest's facts, once, on the read-only mount. */
export async function inspect(run: RunState, opened: Opened): Promise<GuestFacts> {
  run.opts.progress?.('inspecting and planning');
  log.info('inspecting the guest…');
  // An earlier conversion killed half-way: said now, undone and done again in the apply stage.
  run.interrupted = (await listRuns(opened.mounted.fs)).filter((r) => !r.complete);
  run.leftovers = await sweepLeftovers(opened.mounted.fs, WRITTEN_DIRS, true);
  for (const r of run.interrupted) run.warnings.add(`an earlier conversion (run ${r.runId}) was interrupted; ${run.opts.dryRun ? 'a real run puts its changes back and converts the guest again' : 'its changes were put back and the guest converted again'}`);
  return inspectGuest(opened.mounted.fs, decompressWith(externalDecompress));
}

/** Plans every edit read-only (dry run of the runner): the diffs, printed with --dry-run or --show-diff. */
export async function plan(run: RunState, opened: Opened, facts: GuestFacts, acq: Acquirer): Promise<EditPass> {
  const { opts } = run;
  const print = opts.printDiffs !== false && (opts.dryRun || opts.showDiff);
  const planned = await editPass(run, opened.mounted, facts, false, acq, print ? (d) => process.stdout.write(d) : undefined);
  lap(run, 'plan');
  return planned;
}

/** Applies the edits on a read-write remount — only when the plan changes something, never in dry-run. */
export async function apply(run: RunState, opened: Opened, facts: GuestFacts, planned: EditPass, acq: Acquirer): Promise<EditPass> {
  const unfinished = (run.interrupted?.length ?? 0) + (run.leftovers?.length ?? 0) > 0;
  if (run.opts.dryRun || (!planned.outcomes.some((o) => o.changed) && !unfinished)) return planned;
  run.opts.progress?.('applying edits');
  log.info('remounting read-write…');
  opened.current = await remountReadWrite(opened.attached, opened.mounted, acq);
  for (const r of [...(run.interrupted ?? [])].reverse()) {
    log.info(`putting back the changes of the interrupted run ${r.runId}…`);
    await restoreEntries(opened.current.fs, `${BACKUP_ROOT}/${r.runId}`, r, true);
  }
  for (const l of await sweepLeftovers(opened.current.fs, WRITTEN_DIRS)) log.verbose(`removed ${l}`);
  const done = await editPass(run, opened.current, facts, true, acq);
  lap(run, 'apply');
  run.timings.guestCommand = done.outcomes.reduce((n, o) => n + (o.commandMs ?? 0), 0);
  return done;
}

/** A guest without a boot loader of its own boots its kernel directly: copy kernel and initrd to the host. */
export async function copyBootFiles(run: RunState, done: EditPass, opened: Opened): Promise<string[]> {
  if (!opened.directBoot || run.opts.dryRun) return [];
  const dir = directDir(run);
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const [from, to] of [[done.kernel.image, 'vmlinuz'], [done.initrdPath, 'initrd.img']] as const) {
    const data = await opened.current.fs.read(from, 1024 * 1024 * 1024);
    if (!data) throw new UserError(`${from} is missing in the guest; it is needed to boot the guest directly`);
    atomicWrite(join(dir, to), data, 0o644);
    files.push(join(dir, to));
  }
  log.info(`copied the kernel and initrd to ${dir}`);
  return files;
}

/** Unmounts everything and detaches the disks (the session's undo stack, newest first). */
export async function detach(run: RunState, acq: Acquirer): Promise<void> {
  run.opts.progress?.('unmounting');
  log.info('unmounting and detaching…');
  await acq.stack.unwind();
  lap(run, 'unmount');
}

/** Renders the domain (once), writes it, and defines it with libvirt when asked. */
export async function writeHost(run: RunState, side: { planned: EditPass; done: EditPass; bootFiles: string[]; directBoot: boolean }): Promise<ConvertResult> {
  const { guest, opts, warnings } = run;
  const { done } = side;
  const dir = directDir(run);
  const rendered = renderDomainXml(guest, {
    ...opts.domain,
    guestMacs: done.guestMacs,
    ...(side.directBoot && done.cmdline ? { directBoot: { kernel: `${dir}/vmlinuz`, initrd: `${dir}/initrd.img`, cmdline: done.cmdline } } : {}),
  });
  for (const w of rendered.warnings) warnings.add(w);
  // Checked against libvirt's schema before it is written (when virt-xml-validate is installed).
  await validateXml(rendered.xml, 'domain');
  let domainXml: string | undefined;
  if (!opts.dryRun) {
    mkdirSync(opts.outputDir, { recursive: true });
    domainXml = join(opts.outputDir, `${guest.name}.xml`);
    atomicWrite(domainXml, rendered.xml, 0o644);
  }
  opts.progress?.('writing the domain');
  const libvirt = opts.define && !opts.dryRun ? await registerDomain(guest.name, rendered.xml, domainXml!, !!opts.autostart) : undefined;
  lap(run, 'host');
  return {
    guest: guest.name,
    ...(done.manifest ? { runId: run.runId } : {}),
    dryRun: opts.dryRun,
    kernel: done.kernel.version,
    edits: done.outcomes,
    warnings: [...warnings],
    ...(domainXml ? { domainXml } : {}),
    ...(side.bootFiles.length ? { bootFiles: side.bootFiles } : {}),
    ...(libvirt ? { libvirt } : {}),
    xml: rendered.xml,
    changed: side.planned.outcomes.some((o) => o.changed),
    timings: run.timings,
    domain: { guestMacs: done.guestMacs, ...(side.directBoot && done.cmdline ? { directBootCmdline: done.cmdline } : {}) },
  };
}

/** The settings a conversion records in its manifest, so `inspect` later compares against what was done. */
export function conversionSettings(opts: Pick<ConvertOptions, 'serialSpeed' | 'clockFix' | 'initrd'>, kernel: string): Record<string, string | number | boolean> {
  return { serialSpeed: opts.serialSpeed, clockFix: opts.clockFix, initrd: opts.initrd, kernel };
}

async function editPass(run: RunState, mount: MountedGuest, facts: GuestFacts, write: boolean, acq: Acquirer, onDiff?: (d: string) => void): Promise<EditPass> {
  const { guest, opts, warnings } = run;
  const ctx = editContext(guest, facts, opts, (w) => warnings.add(w));
  const edits = selectEdits(facts, opts);
  log.info(`${write ? 'applying' : 'planning'} ${edits.length} edits…`);
  const { outcomes, manifest } = await applyEdits(mount.fs, edits, ctx, {
    dryRun: !write,
    runId: run.runId,
    label: guest.name,
    kernel: ctx.kernel.version,
    settings: conversionSettings(opts, ctx.kernel.version),
    runInGuest: async (argv) => {
      await runInGuestChroot(mount.root, mount.fs, argv, acq);
    },
    guard: (label, undo) => acq.stack.push(label, undo),
    ...(onDiff ? { onDiff } : {}),
  });
  const macs = reconcileMacs(guest.nics.map((n) => n.mac), await ifcfgMacs(mount.fs));
  for (const w of macs.warnings) warnings.add(w);
  const grubText = facts.bootloader.config ? await mount.fs.readText(facts.bootloader.config) : undefined;
  return {
    outcomes, ...(manifest ? { manifest } : {}), kernel: ctx.kernel, initrdPath: initrdPath(ctx), guestMacs: macs.macs,
    cmdline: directBootCmdline(grubText, ctx) ?? remapCmdline(guest.cmdline ?? '', ctx.deviceMap, []),
  };
}

/** virsh define (a managed domain, not a transient one), after libvirt's schema check; autostart when asked. */
export async function registerDomain(name: string, xml: string, file: string, autostart: boolean): Promise<string[]> {
  if (!(await libvirtReachable())) {
    throw new UserError(
      `libvirtd is not reachable (virsh -c ${LIBVIRT_URI}), so ${name} was not defined; the domain XML is in ${file}`,
      `Start libvirtd, then run:\n  virsh define ${file}${autostart ? `\n  virsh autostart ${name}` : ''}\n  virsh start ${name}`,
    );
  }
  await defineDomain(xml);
  const done = [`virsh define ${file}`];
  if (autostart) {
    await autostartDomain(name);
    done.push(`virsh autostart ${name}`);
  }
  return done;
}

function editContext(guest: XenGuest, facts: GuestFacts, opts: ConvertOptions, warn: (w: string) => void): EditContext {
  if (facts.os.family !== 'rhel') {
    throw new UserError(`this guest runs ${facts.os.description || 'an unknown system'}; xen2kvm converts RHEL-family guests (RHEL, CentOS, Scientific Linux) so far`, 'Inspect it with xen2kvm inspect to see what it needs.');
  }
  const kernel = chooseKernel(facts.kernels, facts.bootloader.kind);
  if (!kernel) {
    const only = facts.problems.find((p) => p.code === 'only-xen-kernels' || p.code === 'no-virtio-kernel' || p.code === 'no-kernels' || p.code === 'kernel-not-in-bootloader');
    throw new UserError(only ? only.message : 'no kernel that can boot under KVM was found', only?.fix ?? 'Install a non-Xen kernel with virtio drivers in the guest first.');
  }
  if (facts.bootloader.kind === 'grub2') throw new UserError('the guest boots with GRUB 2, which xen2kvm does not edit yet', 'xen2kvm inspect shows what the guest needs; convert it by hand or with virt-v2v.');
  return buildEditContext(guest, facts, kernel, { ...opts.domain, serialSpeed: opts.serialSpeed, clockFix: opts.clockFix, warn });
}

function selectEdits(facts: GuestFacts, opts: ConvertOptions) {
  let edits = editsFor(facts.os.family)!;
  if (!opts.initrd) edits = edits.filter((e) => e.id !== 'initrd');
  if (opts.only) {
    const unknown = opts.only.filter((id) => !edits.some((e) => e.id === id));
    if (unknown.length) throw new UserError(`--only: no edit named ${unknown.join(', ')}`, `The edits are: ${edits.map((e) => e.id).join(', ')} (xen2kvm list-edits).`);
    edits = edits.filter((e) => opts.only!.includes(e.id));
  }
  return edits;
}

/** The chosen entry's kernel arguments, for guests booted directly by libvirt. */
function directBootCmdline(grubText: string | undefined, ctx: EditContext): string | undefined {
  if (!grubText) return undefined;
  const entry = parseGrubLegacy(grubText).entries.find((e) => e.kernel && kernelVersionOf(e.kernel.path) === ctx.kernel.version);
  return entry?.kernel?.args.join(' ');
}
