// One guest, the way the seed post does it by hand — parse the Xen config, attach
// the disks, mount the guest, edit it, unmount, and write the KVM side — offline,
// with a diff of every change and a backup of every file.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from './errors.js';
import { editsFor } from './edits/index.js';
import { newRunId } from './edits/manifest.js';
import { buildEditContext } from './edits/context.js';
import { applyEdits, type EditOutcome } from './edits/runner.js';
import type { EditContext } from './edits/types.js';
import { atomicWrite } from './edits/files.js';
import { runInGuestChroot } from './guest/chroot.js';
import { externalDecompress } from './guest/decompress.js';
import { kernelVersionOf, parseGrubLegacy } from './guest/grub-legacy.js';
import { chooseKernel, decompressWith, inspectGuest, type GuestFacts } from './guest/inspect.js';
import { ifcfgMacs, reconcileMacs } from './guest/nics.js';
import { openGuest, type OpenOptions } from './guest/open.js';
import { remountReadWrite, type MountedGuest } from './image/mount.js';
import { mbrHasBootCode } from './image/mbr.js';
import { BOOT_DIR, remapCmdline, renderDomainXml, type DomainOptions } from './host/domain-xml.js';
import { autostartDomain, defineDomain, libvirtReachable, LIBVIRT_URI, validateXml } from './host/virsh.js';
import { initrdPath } from './edits/initrd.js';
import { log } from './log.js';
import { withSession } from './session.js';
import type { XenGuest } from './xen/types.js';

export interface ConvertOptions {
  dryRun: boolean;
  showDiff: boolean;
  outputDir: string;
  attach: OpenOptions['strategy'];
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
}

export async function convertGuest(guest: XenGuest, opts: ConvertOptions): Promise<ConvertResult> {
  // 1. The Xen config, already parsed: fail on what KVM cannot express before touching a disk.
  // Whether the config alone means direct boot (a dom0 kernel, partitionless disks) is known here too.
  const configDirectBoot = renderDomainXml(guest, opts.domain).directBoot !== undefined;
  const warnings = new Set<string>();
  const runId = newRunId();

  // 2-5. Attach, mount, inspect and plan read-only first: a guest that needs nothing
  // (already converted) is never mounted read-write, so not a byte of it changes.
  const timings: Record<string, number> = {};
  let clock = Date.now();
  const lap = (stage: string) => {
    const now = Date.now();
    timings[stage] = now - clock;
    clock = now;
  };
  const bootDir = opts.bootDir ?? BOOT_DIR;
  const directDir = `${bootDir}/${guest.name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  const { plan, done, bootFiles, mbrEmpty } = await guestSide(guest, opts, runId, warnings, lap, configDirectBoot, directDir);
  const needsDirectBoot = configDirectBoot || mbrEmpty;
  const needsChanges = plan.outcomes.some((o) => o.changed);
  if (done !== plan) timings.guestCommand = done.outcomes.reduce((n, o) => n + (o.commandMs ?? 0), 0);

  // 6. The host side: the KVM domain.
  const rendered = renderDomainXml(guest, {
    ...opts.domain,
    guestMacs: done.guestMacs,
    ...(needsDirectBoot && done.cmdline ? { directBoot: { kernel: `${directDir}/vmlinuz`, initrd: `${directDir}/initrd.img`, cmdline: done.cmdline } } : {}),
  });
  for (const w of rendered.warnings) warnings.add(w);
  let domainXml: string | undefined;
  if (!opts.dryRun) {
    mkdirSync(opts.outputDir, { recursive: true });
    domainXml = join(opts.outputDir, `${guest.name}.xml`);
    atomicWrite(domainXml, rendered.xml, 0o644);
  }
  opts.progress?.('writing the domain');
  const libvirt = opts.define && !opts.dryRun ? await registerDomain(guest.name, rendered.xml, domainXml!, !!opts.autostart) : undefined;
  lap('host');
  return {
    guest: guest.name,
    ...(done.manifest ? { runId } : {}),
    dryRun: opts.dryRun,
    kernel: done.kernel,
    edits: done.outcomes,
    warnings: [...warnings],
    ...(domainXml ? { domainXml } : {}),
    ...(bootFiles.length ? { bootFiles } : {}),
    ...(libvirt ? { libvirt } : {}),
    xml: rendered.xml,
    changed: needsChanges,
    timings,
  };
}

/**
 * Attach → mount read-only → inspect → plan; then, only when something must
 * change (and not in dry-run), remount read-write and apply. A guest that needs
 * nothing (already converted) is never mounted read-write: not a byte changes.
 */
async function guestSide(guest: XenGuest, opts: ConvertOptions, runId: string, warnings: Set<string>, lap: (stage: string) => void, configDirectBoot: boolean, directDir: string) {
  return withSession(`convert ${guest.file}`, async (acq) => {
    opts.progress?.('attaching');
    const { attached, mounted } = await openGuest(guest.disks, { strategy: opts.attach, readOnly: opts.dryRun, mountReadOnly: true, force: opts.force, name: guest.name, ...(opts.root ? { root: opts.root } : {}) }, acq);
    // A guest booted through pygrub may have no boot loader in its MBR: then it boots its kernel directly.
    const boot = attached.disks[0];
    const mbrEmpty = !configDirectBoot && !!boot?.table && guest.bootloader !== undefined && !mbrHasBootCode(boot.whole);
    if (mbrEmpty) warnings.add(`the MBR of ${boot.disk.vdev} holds no boot loader (the guest booted through ${guest.bootloader}), so the domain boots the guest's kernel directly`);
    // The facts are read once, on the read-only mount; nothing changes before the read-write remount.
    let facts: GuestFacts | undefined;
    const pass = async (fs: MountedGuest, apply: boolean) => {
      opts.progress?.(apply ? 'applying edits' : 'inspecting and planning');
      if (!facts) {
        log.info('inspecting the guest…');
        facts = await inspectGuest(fs.fs, decompressWith(externalDecompress));
      }
      const ctx = editContext(guest, facts, opts, (w) => warnings.add(w));
      const edits = selectEdits(facts, opts);
      log.info(`${apply ? 'applying' : 'planning'} ${edits.length} edits…`);
      const { outcomes, manifest } = await applyEdits(fs.fs, edits, ctx, {
        dryRun: !apply,
        runId,
        label: guest.name,
        kernel: ctx.kernel.version,
        runInGuest: async (argv) => {
          await runInGuestChroot(fs.root, fs.fs, argv, acq);
        },
        ...(!apply && opts.printDiffs !== false && (opts.dryRun || opts.showDiff) ? { onDiff: (d: string) => process.stdout.write(d) } : {}),
      });
      const macs = reconcileMacs(guest.nics.map((n) => n.mac), await ifcfgMacs(fs.fs));
      for (const w of macs.warnings) warnings.add(w);
      const grubText = facts.bootloader.config ? await fs.fs.readText(facts.bootloader.config) : undefined;
      return { outcomes, manifest, kernel: ctx.kernel.version, kernelFacts: ctx.kernel, initrdPath: initrdPath(ctx), guestMacs: macs.macs, cmdline: directBootCmdline(grubText, ctx) ?? remapCmdline(guest.cmdline ?? '', ctx.deviceMap, []) };
    };
    const plan = await pass(mounted, false);
    lap('plan');
    let done = plan;
    let current = mounted;
    if (!opts.dryRun && plan.outcomes.some((o) => o.changed)) {
      log.info('remounting read-write…');
      current = await remountReadWrite(attached, mounted, acq);
      done = await pass(current, true);
      lap('apply');
    }
    // A guest without a boot loader of its own boots its kernel directly: copy it out.
    const bootFiles: string[] = [];
    if ((configDirectBoot || mbrEmpty) && !opts.dryRun) {
      mkdirSync(directDir, { recursive: true });
      for (const [from, to] of [[done.kernelFacts.image, 'vmlinuz'], [done.initrdPath, 'initrd.img']] as const) {
        const data = await current.fs.read(from, 1024 * 1024 * 1024);
        if (!data) throw new UserError(`${from} is missing in the guest; it is needed to boot the guest directly`);
        atomicWrite(join(directDir, to), data, 0o644);
        bootFiles.push(join(directDir, to));
      }
      log.info(`copied the kernel and initrd to ${directDir}`);
    }
    // Unmount and detach: a stage of its own, before anything is written on the host.
    opts.progress?.('unmounting');
    log.info('unmounting and detaching…');
    await acq.stack.unwind();
    lap('unmount');
    return { plan, done, bootFiles, mbrEmpty };
  });
}

/** virsh define (a managed domain, not a transient one), after libvirt's schema check; autostart when asked. */
async function registerDomain(name: string, xml: string, file: string, autostart: boolean): Promise<string[]> {
  await validateXml(xml, 'domain');
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

