// The stages of one conversion, in the order src/convert.ts runs them: attach,
// inspect, plan, apply, detach, writeHost. Each one does one job and says so.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, warning, type Warning } from './errors.js';
import { familyByKey, familyOf, supportedFamilies, type Family } from './families/index.js';
import { buildEditContext, initrdPath, kvmKernelArgs } from './edits/context.js';
import type { EditContext, HostSide } from './edits/types.js';
import { applyEdits, type EditOutcome } from './tree/runner.js';
import { BACKUP_ROOT, type Manifest } from './tree/manifest.js';
import { checkRoom } from './tree/room.js';
import { xenNamesLeft } from './guest/xen-names.js';
import { hostSide } from './guest/host-side.js';
import { bootsDom0Kernel, dom0KernelFacts, findDom0Kernel, type Dom0Kernel, type Dom0Options } from './guest/dom0-kernel.js';
import { diskMapping, type DiskMapping } from './guest/disk-map.js';
import { listRuns, restoreEntries, sweepLeftovers, WRITTEN_DIRS } from './tree/rollback.js';
import { atomicWrite } from './tree/files.js';
import { runInGuestChroot } from './guest/chroot.js';
import { externalDecompress } from './guest/decompress.js';
import { kernelVersionOf } from './formats/grub-legacy.js';
import { loaderOf } from './guest/bootloader.js';
import { chooseKernel, decompressWith, inspectGuest, type GuestFacts } from './guest/inspect.js';
import { ifcfgMacs, reconcileMacs } from './guest/nics.js';
import { diskDevices, openGuest, type OpenGuest, type OpenOptions } from './guest/open.js';
import { remountReadWrite, type MountedGuest } from './guest/mount.js';
import type { Acquirer } from './image/acquire.js';
import { mbrBootCode, mbrProblem, type BootCode } from './image/mbr.js';
import { chooseBootMode, type BootMode, type BootSituation, type BootWanted } from './guest/boot.js';
import { blockDeviceFor } from './image/attach.js';
import { BOOT_DIR, xenConfigCmdline, type DomainOptions } from './host/domain-xml.js';
import { splitArgs } from './formats/cmdline.js';
import { directBootDir, writeDomain } from './host/domain-file.js';
import { libvirtUri, registerDomain } from './host/virsh.js';
import { log } from './log.js';
import type { XenGuest } from './xen/types.js';

export interface ConvertOptions {
  dryRun: boolean;
  /** Where a dom0-kernel guest's kernel and ramdisk are on this host (--xen-root, --kernel, --initrd). */
  dom0?: Dom0Options;
  showDiff: boolean;
  outputDir: string;
  attach: OpenOptions['strategy'];
  /** Keys for the guest's LUKS containers. */
  keys?: OpenOptions['keys'];
  /** Backing files the user accepts in image headers (--allow-backing). */
  allowBacking?: string[];
  root?: string;
  force: boolean;
  domain: DomainOptions;
  serialSpeed: number;
  clockFix: boolean;
  initrd: boolean;
  /** How the domain boots when the MBR has no boot loader: install the guest's GRUB (mbr), boot its kernel directly, or choose (auto). */
  boot?: BootWanted;
  /** Only these edits (ids), e.g. to re-apply some in recovery. */
  only?: string[];
  /** Register the domain with libvirt (virsh define), and mark it autostart. */
  define?: boolean;
  autostart?: boolean;
  /** With define and --overwrite: the XML of each domain (by name) the define replaces, recorded for rollback. */
  previousDomains?: Record<string, string>;
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
  warnings: Warning[];
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
  /** Which Xen disk became which virtio disk, and what the guest keeps on each. */
  disks: DiskMapping[];
  /** What the domain was rendered from besides the config (so it can be rendered again, e.g. on the host after --sandbox vm). */
  domain: { guestMacs: (string | undefined)[]; directBootCmdline?: string };
}

/** A warning with its key in RunState.warnings. */
export function keyed(w: Warning): [string, Warning] {
  return [w.message, w];
}

/** What the stages of one run share. */
export interface RunState {
  guest: XenGuest;
  opts: ConvertOptions;
  runId: string;
  /** Each warning once (keyed by its sentence). */
  warnings: Map<string, Warning>;
  timings: Record<string, number>;
  clock: number;
  /** Runs an earlier, interrupted conversion left in the guest, and leftovers of killed writes. */
  interrupted?: Manifest[];
  leftovers?: string[];
  /** How the domain boots, and where the guest is attached (decided after inspection). */
  boot?: BootMode;
  host?: HostSide;
  /** A dom0-kernel guest's kernel and ramdisk on this host. */
  dom0?: Dom0Kernel;
  /** Which Xen disk becomes which virtio disk (said in the result). */
  disks?: DiskMapping[];
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
  /** The config alone needs direct boot (a dom0 kernel, partitionless disks). */
  configDirect?: BootSituation['configDirect'];
  /** The boot disk's MBR code, when the guest booted through a Xen boot loader (pygrub). */
  mbr?: BootCode;
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

/** Attaches the disks and mounts the guest read-only (read-write attach unless --dry-run, for the apply stage). */
export async function attach(run: RunState, acq: Acquirer, configDirectBoot: boolean): Promise<Opened> {
  const { guest, opts } = run;
  opts.progress?.('attaching');
  const open = await openGuest(guest.disks, { strategy: opts.attach, readOnly: opts.dryRun, mountReadOnly: true, force: opts.force, name: guest.name, ...(opts.keys ? { keys: opts.keys } : {}), ...(opts.allowBacking ? { allowBacking: opts.allowBacking } : {}), ...(opts.root ? { root: opts.root } : {}) }, acq);
  // A guest booted through pygrub may have no boot loader in its MBR (decided on in decideBoot, once the guest is known).
  const boot = open.attached.disks[0];
  const mbr = !configDirectBoot && !!boot?.table && guest.bootloader !== undefined ? mbrBootCode(boot.whole) : undefined;
  const configDirect: BootSituation['configDirect'] = configDirectBoot ? (guest.kernel ? 'dom0-kernel' : 'partitionless') : undefined;
  run.disks = diskMapping(guest, open.attached.devices, open.mounted.mounts);
  return { ...open, current: open.mounted, directBoot: configDirectBoot, ...(configDirect ? { configDirect } : {}), ...(mbr ? { mbr } : {}) };
}

/** How the domain boots (disk, mbr, direct; --boot), and what of the host the guest's own tools may see. */
export async function decideBoot(run: RunState, opened: Opened, facts: GuestFacts): Promise<void> {
  const disk = opened.attached.disks[0];
  const choice = chooseBootMode(run.opts.boot ?? 'auto', { ...(opened.configDirect ? { configDirect: opened.configDirect } : {}), partitioned: !!disk?.table, ...(opened.mbr ? { mbr: opened.mbr } : {}) }, facts);
  run.boot = choice.boot;
  opened.directBoot = choice.boot === 'direct';
  if (opened.mbr && mbrProblem(opened.mbr)) run.warnings.set(...keyed(warning('mbr-boot', `boot ${choice.boot}: ${choice.why} (under Xen the guest booted through ${run.guest.bootloader})`)));
  log.verbose(`boot: ${choice.boot} — ${choice.why}`);
  run.host = await hostSide(run.guest, { machine: run.opts.domain.machine ?? 'pc', hvmVirtio: !!run.opts.domain.hvmVirtio, dryRun: run.opts.dryRun }, opened, choice.boot);
}


/** Reads the guest's facts, once, on the read-only mount. */
export async function inspect(run: RunState, opened: Opened): Promise<GuestFacts> {
  run.opts.progress?.('inspecting and planning');
  log.info('inspecting the guest…');
  // An earlier conversion killed half-way: said now, undone and done again in the apply stage.
  run.interrupted = (await listRuns(opened.mounted.fs)).filter((r) => !r.complete);
  run.leftovers = await sweepLeftovers(opened.mounted.fs, WRITTEN_DIRS, true);
  for (const r of run.interrupted) run.warnings.set(...keyed(warning('interrupted-run', `an earlier conversion (run ${r.runId}) was interrupted; ${run.opts.dryRun ? 'a real run puts its changes back and converts the guest again' : 'its changes were put back and the guest converted again'}`)));
  const facts = await inspectGuest(opened.mounted.fs, decompressWith(externalDecompress), familyOf);
  // A guest that boots dom0's kernel: that kernel (read from the Xen host's files, checked) is the one it boots.
  if (bootsDom0Kernel(run.guest)) {
    run.dom0 = await findDom0Kernel(run.guest, run.opts.dom0 ?? {}, decompressWith(externalDecompress));
    facts.kernels = [await dom0KernelFacts(opened.mounted.fs, run.dom0)];
    facts.problems = facts.problems.filter((p) => p.code !== 'no-kernels' && p.code !== 'no-bootloader');
    log.info(`dom0's kernel ${run.dom0.version} (${run.dom0.image}) boots the guest under KVM${run.dom0.initrdHasVirtio ? ', with its ramdisk' : `; its ramdisk ${run.dom0.initrd ? 'lacks virtio, so one is built in the guest' : 'is missing: one is built in the guest'}`}`);
  }
  return facts;
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
  // Room for the backups and rewritten files, checked on the read-only mount: a full guest is refused untouched.
  await checkRoom(opened.mounted.fs, planned.outcomes.flatMap((o) => o.files), `${BACKUP_ROOT}/${run.runId}`);
  log.info('remounting read-write…');
  opened.current = await remountReadWrite(opened.attached, opened.mounted, acq);
  for (const r of [...(run.interrupted ?? [])].reverse()) {
    log.info(`putting back the changes of the interrupted run ${r.runId}…`);
    await restoreEntries(opened.current.fs, `${BACKUP_ROOT}/${r.runId}`, r, true, diskDevices(opened.attached));
  }
  for (const l of await sweepLeftovers(opened.current.fs, WRITTEN_DIRS)) log.verbose(`removed ${l}`);
  // A boot loader goes onto the whole disk: an image file is given a read-write loop device for it.
  const bootDisk = run.host?.bootDisk;
  if (bootDisk) {
    bootDisk.device = await blockDeviceFor(bootDisk.device, acq);
    run.host!.leaks.push(bootDisk.device);
  }
  const done = await editPass(run, opened.current, facts, true, acq);
  lap(run, 'apply');
  run.timings.guestCommand = done.outcomes.reduce((n, o) => n + (o.commandMs ?? 0), 0);
  return done;
}

/** The guest's Xen names the edits leave (in a dry run: those in files no planned edit changes), as warnings. */
export async function sweep(run: RunState, opened: Opened, planned: EditPass): Promise<void> {
  const changing = run.opts.dryRun ? planned.outcomes.flatMap((o) => o.files) : [];
  for (const w of await xenNamesLeft(opened.current.fs, changing)) run.warnings.set(...keyed(w));
}

/** A guest without a boot loader of its own boots its kernel directly: copy kernel and initrd to the host. */
export async function copyBootFiles(run: RunState, done: EditPass, opened: Opened): Promise<string[]> {
  if (!opened.directBoot || run.opts.dryRun) return [];
  const dir = directDir(run);
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  // A dom0 kernel comes from the Xen host's files; so does its ramdisk when it has virtio (else the one built in the guest).
  const dom0 = run.dom0;
  const sources: [string, string, 'host' | 'guest'][] = [
    [done.kernel.image, 'vmlinuz', dom0 ? 'host' : 'guest'],
    dom0?.initrdHasVirtio && dom0.initrd ? [dom0.initrd, 'initrd.img', 'host'] : [done.initrdPath, 'initrd.img', 'guest'],
  ];
  for (const [from, to, where] of sources) {
    const data = where === 'host' ? readFileSync(from) : await opened.current.fs.read(from, 1024 * 1024 * 1024);
    if (!data) throw new UserError(`${from} is missing in the guest; it is needed to boot the guest directly`);
    await atomicWrite(join(dir, to), data, 0o644);
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
  // Rendered once, checked against libvirt's schema, written (host/domain-file.ts, as --sandbox vm does).
  const rendered = await writeDomain(guest, { ...opts.domain, guestMacs: done.guestMacs }, opts.dryRun ? undefined : opts.outputDir,
    side.directBoot && done.cmdline ? { bootDir: opts.bootDir ?? BOOT_DIR, cmdline: done.cmdline } : undefined);
  for (const w of rendered.warnings) warnings.set(...keyed(w));
  const domainXml = rendered.file;
  opts.progress?.('writing the domain');
  const libvirt = opts.define && !opts.dryRun ? await registerDomain(guest.name, rendered.xml, domainXml!, !!opts.autostart) : undefined;
  lap(run, 'host');
  return {
    guest: guest.name,
    ...(done.manifest ? { runId: run.runId } : {}),
    dryRun: opts.dryRun,
    kernel: done.kernel.version,
    edits: done.outcomes,
    warnings: [...warnings.values()],
    ...(domainXml ? { domainXml } : {}),
    ...(side.bootFiles.length ? { bootFiles: side.bootFiles } : {}),
    ...(libvirt ? { libvirt } : {}),
    xml: rendered.xml,
    changed: side.planned.outcomes.some((o) => o.changed),
    timings: run.timings,
    disks: run.disks ?? [],
    domain: { guestMacs: done.guestMacs, ...(side.directBoot && done.cmdline ? { directBootCmdline: done.cmdline } : {}) },
  };
}

/** The settings a conversion records in its manifest, so `inspect` later compares against what was done. */
export function conversionSettings(opts: Pick<ConvertOptions, 'serialSpeed' | 'clockFix' | 'initrd'>, kernel: string): Record<string, string | number | boolean> {
  return { serialSpeed: opts.serialSpeed, clockFix: opts.clockFix, initrd: opts.initrd, kernel };
}

async function editPass(run: RunState, mount: MountedGuest, facts: GuestFacts, write: boolean, acq: Acquirer, onDiff?: (d: string) => void): Promise<EditPass> {
  const { guest, opts, warnings } = run;
  const ctx = editContext(guest, facts, opts, (w) => warnings.set(...keyed(w)), run);
  // A dom0 ramdisk that has virtio boots as it is: no initrd is built in the guest.
  const edits = selectEdits(familyByKey(facts.family)!, opts).filter((e) => e.id !== 'initrd' || !run.dom0?.initrdHasVirtio);
  log.info(`${write ? 'applying' : 'planning'} ${edits.length} edits…`);
  const { outcomes, manifest } = await applyEdits(mount.fs, edits, ctx, {
    dryRun: !write,
    runId: run.runId,
    label: guest.name,
    kernel: ctx.kernel.version,
    settings: {
      ...conversionSettings(opts, ctx.kernel.version),
      ...(run.boot === 'direct' ? { bootFiles: JSON.stringify(['vmlinuz', 'initrd.img'].map((f) => `${directDir(run)}/${f}`)) } : {}),
      // What --define will do, so rollback can undo it: the domain, its libvirt, and the domain it replaces.
      ...(opts.define && !opts.dryRun ? { definedDomain: guest.name, libvirtUri: libvirtUri(), ...(opts.previousDomains?.[guest.name] ? { previousDomainXml: opts.previousDomains[guest.name] } : {}) } : {}),
    },
    runInGuest: async (argv, devices, mounts) => {
      await runInGuestChroot(mount.root, mount.fs, argv, acq, devices, mounts);
    },
    guard: (label, undo) => acq.stack.push(label, undo),
    ...(onDiff ? { onDiff } : {}),
  });
  const macs = reconcileMacs(guest.nics.map((n) => n.mac), await ifcfgMacs(mount.fs, ctx.family.network));
  for (const w of macs.warnings) warnings.set(...keyed(w));
  const grubText = facts.bootloader.config ? await mount.fs.readText(facts.bootloader.config, 16 * 1024 * 1024) : undefined;
  return {
    outcomes, ...(manifest ? { manifest } : {}), kernel: ctx.kernel, initrdPath: initrdPath(ctx), guestMacs: macs.macs,
    // The one KVM command line (xen/kvm-cmdline.ts), whatever the boot loader's menu says (idempotent on an edited entry).
    cmdline: kvmKernelArgs(splitArgs(directBootCmdline(grubText, ctx) ?? xenConfigCmdline(guest, ctx.deviceMap)), ctx, grubText ? `${facts.bootloader.config} (the entry booted directly)` : 'the kernel command line of the Xen config').join(' '),
  };
}


function editContext(guest: XenGuest, facts: GuestFacts, opts: ConvertOptions, warn: (w: Warning) => void, run?: RunState): EditContext {
  const family = familyByKey(facts.family);
  if (!family) {
    throw new UserError(
      `this guest runs ${facts.os.description || 'a system xen2kvm does not recognise'}; xen2kvm converts ${supportedFamilies()}`,
      `It looked at /etc/os-release, /usr/lib/os-release, /etc/redhat-release, /etc/centos-release, /etc/debian_version, /etc/lsb-release, /etc/SuSE-release and /etc/arch-release. xen2kvm inspect shows what else it found.`,
    );
  }
  const kernel = chooseKernel(facts.kernels, facts.bootloader.kind);
  if (!kernel) {
    const only = facts.problems.find((p) => p.code === 'only-xen-kernels' || p.code === 'no-virtio-kernel' || p.code === 'no-kernels' || p.code === 'kernel-not-in-bootloader');
    throw new UserError(only ? only.message : 'no kernel that can boot under KVM was found', only?.fix ?? 'Install a non-Xen kernel with virtio drivers in the guest first.');
  }
  return buildEditContext(guest, facts, kernel, {
    ...opts.domain, family, serialSpeed: opts.serialSpeed, clockFix: opts.clockFix, warn,
    ...(run?.boot ? { boot: run.boot } : {}), ...(run?.host ? { host: run.host } : {}),
  });
}

function selectEdits(family: Family, opts: ConvertOptions) {
  let edits = family.edits;
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
  const menu = loaderOf(ctx.facts.bootloader)?.parseMenu(grubText);
  const entry = menu?.entries.find((e) => e.kernel && kernelVersionOf(e.kernel.path) === ctx.kernel.version);
  // GRUB's own variables (SUSE's ${extra_cmdline}, empty unless a snapshot is booted) mean nothing without GRUB.
  return entry?.kernel?.args.filter((a) => !/^\$(\{\w+\}|\w+)$/.test(a)).join(' ');
}
