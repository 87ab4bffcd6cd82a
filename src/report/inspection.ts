// What `inspect` reports about an opened guest — its facts, filesystems, LVM and
// every finding with its fix — and the text a person reads.
import { chooseKernel, decompressWith, inspectGuest, type GuestFacts } from '../guest/inspect.js';
import { externalDecompress } from '../guest/decompress.js';
import type { OpenGuest } from '../guest/open.js';
import { diagnose } from '../edits/diagnose.js';
import { UserError } from '../errors.js';
import { bootsDom0Kernel, dom0KernelFacts, findDom0Kernel, type Dom0Options } from '../guest/dom0-kernel.js';
import { sweepXenNames } from '../guest/xen-names.js';
import { diskMapping, formatDiskMapping, type DiskMapping } from '../guest/disk-map.js';
import { familyByKey, familyOf, supportedFamilies } from '../families/index.js';
import { mbrBootCode, mbrProblem } from '../image/mbr.js';
import type { XenGuest } from '../xen/types.js';
import { guestDeviceName } from '../image/stacked.js';
import { chooseBootMode, type BootMode } from '../guest/boot.js';
import { planDomain } from '../host/domain-xml.js';

export interface InspectReport extends GuestFacts {
  guest?: string;
  attach: string;
  filesystems: { device: string; name: string; mountpoint?: string; fstype: string; label?: string; uuid?: string }[];
  lvm: { vg: string; uuid: string; lvs: string[]; via: string; clashesWithHost: boolean }[];
  notes: string[];
  /** Which Xen disk becomes which virtio disk, and what the guest keeps on each. */
  disks: DiskMapping[];
  /** Every mount point and what is mounted there (as virt-inspector's <mountpoints>: a btrfs subvolume has its own). */
  mountpoints: { mountpoint: string; device: string }[];
  /** How `convert` (--boot auto) would boot it under KVM, and why. */
  boot?: { mode: BootMode; why: string };
  /** The edits `convert` would make (ids), in order, when the guest can be converted. */
  edits?: string[];
}

export function buildReport(guest: XenGuest, open: OpenGuest, facts: GuestFacts): InspectReport {
  const { attached, mounted } = open;
  return {
    ...(guest.name ? { guest: guest.name } : {}),
    ...facts,
    attach: attached.strategy,
    filesystems: attached.devices.filter((d) => d.fstype && !['LVM2_member', 'linux_raid_member', 'crypto_LUKS'].includes(d.fstype)).map((d) => {
      const m = mounted.mounts.find((x) => x.device === d.device);
      return {
        device: d.device,
        name: guestDeviceName(d),
        ...(m ? { mountpoint: m.mountpoint } : {}),
        fstype: d.fstype!,
        ...(d.label ? { label: d.label } : {}),
        ...(d.uuid ? { uuid: d.uuid } : {}),
      };
    }),
    lvm: attached.vgs.map((vg) => ({
      vg: vg.name, uuid: vg.uuid, via: vg.via, clashesWithHost: !!vg.clash,
      lvs: attached.devices.filter((d) => d.kind === 'lv' && d.vg === vg.name).map((d) => d.lv!),
    })),
    disks: diskMapping(guest, attached.devices, mounted.mounts),
    mountpoints: mounted.mounts.map((m) => {
      const d = attached.devices.find((x) => x.device === m.device);
      return { mountpoint: m.mountpoint, device: d ? guestDeviceName(d) : m.device };
    }),
    notes: [...attached.notes, ...[...mounted.skipped].filter((x) => !/pseudo filesystem|swap space/.test(x.reason)).sort((x, y) => x.line - y.line).map((s) => `/etc/fstab line ${s.line}: ${s.spec} on ${s.mountpoint} not mounted: ${s.reason}`)],
  };
}

export function formatReport(r: InspectReport): string {
  const out: string[] = [];
  out.push(`Guest:       ${r.guest ?? '(disk images)'}`);
  out.push(`OS:          ${r.os.description || 'unknown'}${r.os.version ? ` (${r.os.distro} ${r.os.version})` : ''}`);
  out.push(`Boot loader: ${r.bootloader.kind}${r.bootloader.config ? ` (${r.bootloader.config}${r.bootloader.links ? `; ${r.bootloader.links.join(', ')} link to it` : ''})` : ''}`);
  out.push(`Family:      ${familyByKey(r.family)?.label ?? `none xen2kvm converts${r.os.description ? '' : ' (xen2kvm looked at /etc/os-release, /usr/lib/os-release, /etc/redhat-release, /etc/centos-release, /etc/debian_version, /etc/lsb-release, /etc/SuSE-release, /etc/arch-release)'}`}`);
  out.push(`Init:        ${r.initSystem}; initrd tool: ${r.initrdTool}; SELinux: ${r.selinux}`);
  if (r.boot) out.push(`Boot:        ${r.boot.mode} — ${r.boot.why}`);
  if (r.network.names.length) out.push(`Network:     ${r.network.names.join(', ')} (${r.network.tools.join(', ')})`);
  if (r.edits) out.push(`Edits:       ${r.edits.length ? r.edits.join(', ') : 'none pending'}`);
  out.push('Kernels:');
  const chosen = chooseKernel(r.kernels, r.bootloader.kind);
  for (const k of r.kernels) {
    const tags = [k.default ? 'default' : '', k.xenOnly ? 'Xen only' : 'runs on KVM', k.virtio ? 'virtio' : 'no virtio',
      k.initrd ? (k.initrdHasVirtio === undefined ? 'initrd ?' : k.initrdHasVirtio ? 'initrd has virtio' : 'initrd lacks virtio') : 'no initrd',
      k.inBootloader ? '' : 'not in boot loader', k === chosen ? 'chosen for KVM' : ''].filter(Boolean);
    out.push(`  ${k.version.padEnd(28)} ${tags.join(', ')}`);
  }
  if (r.kernels.length === 0) out.push('  (none)');
  if (r.disks.length) out.push(`Disks:       ${formatDiskMapping(r.disks)} (Xen → KVM)`);
  out.push('Filesystems:');
  for (const f of r.filesystems) {
    // Every mount point of the filesystem (btrfs subvolumes: / and /home on one device).
    const at = r.mountpoints.filter((m) => m.device === f.name).map((m) => m.mountpoint);
    out.push(`  ${f.name.padEnd(28)} ${f.fstype.padEnd(6)} ${at.length ? at.join(', ') : f.mountpoint ?? '-'}${f.label ? `  LABEL=${f.label}` : ''}`);
  }
  for (const v of r.lvm) out.push(`LVM:         ${v.vg} (${v.lvs.join(', ')}) via ${v.via}${v.clashesWithHost ? ' — same name as a host VG, never activated' : ''}`);
  for (const n of r.notes) out.push(`Note:        ${n}`);
  if (r.problems.length === 0) out.push('\nReady to convert: xen2kvm convert finds nothing in the way.');
  else {
    out.push(`\nWhat a conversion needs${r.problems.some((p) => p.code.startsWith('pending:')) ? ' (xen2kvm convert does all of it)' : ''}:`);
    for (const p of r.problems) out.push(`  - ${p.message}\n    → ${p.fix}`);
  }
  return `${out.join('\n')}\n`;
}


/** Inspects an opened guest and adds recovery findings: every pending edit, with the command that applies it. */
export async function inspectOpened(guest: XenGuest, open: OpenGuest, target: string, dom0: Dom0Options = {}): Promise<InspectReport> {
  const facts = await inspectGuest(open.mounted.fs, decompressWith(externalDecompress), familyOf);
  // A guest that boots dom0's kernel: that kernel, if this host has it, is the one its edits are planned for.
  if (bootsDom0Kernel(guest)) {
    try {
      const k = await findDom0Kernel(guest, dom0, decompressWith(externalDecompress));
      facts.kernels = [await dom0KernelFacts(open.mounted.fs, k)];
      facts.problems = facts.problems.filter((p) => p.code !== 'no-kernels' && p.code !== 'no-bootloader');
      if (!k.initrdHasVirtio) facts.problems.push({ code: 'dom0-ramdisk-without-virtio', message: `dom0's ramdisk for ${k.version} ${k.initrd ? 'lacks virtio_blk or virtio_pci' : 'is not given'}`, fix: 'xen2kvm convert builds one in the guest, for that kernel, from the guest\'s own initrd tool' });
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      facts.problems = facts.problems.filter((p) => p.code !== 'no-kernels');
      facts.problems.push({ code: 'dom0-kernel', message: e.message, fix: e.advice ?? 'see the message' });
    }
  }
  const boot = open.attached.disks[0];
  const code = boot?.table && guest.bootloader !== undefined ? mbrBootCode(boot.whole) : undefined;
  const mbr = code ? mbrProblem(code) : undefined;
  let bootMode: InspectReport['boot'];
  try {
    const c = chooseBootMode('auto', { ...(planDomain(guest).directBoot ? { configDirect: guest.kernel ? 'dom0-kernel' : 'partitionless' } : {}), partitioned: !!boot?.table, ...(code ? { mbr: code } : {}) }, facts);
    bootMode = { mode: c.boot, why: c.why };
  } catch {
    bootMode = undefined;
  }
  const findings = await diagnose(open.mounted.fs, guest, facts, familyByKey(facts.family), target, mbr, bootMode?.mode, supportedFamilies());
  // The generic problems that a pending edit states better are replaced by it.
  const covered: Record<string, string> = { 'pending:grub-default': 'default-kernel-xen', 'pending:initrd': 'initrd-without-virtio' };
  // Xen names that no pending edit rewrites: each with its file and line.
  const left = (await sweepXenNames(open.mounted.fs)).filter((h) => !findings.some((f) => f.files?.includes(h.path)));
  const xenNames = left.map((h) => ({ code: 'xen-name-left', message: `${h.path}:${h.line} still names Xen's ${h.name} (${h.text})`, fix: 'xen2kvm convert leaves it as it is (no edit of its family rewrites it): change it by hand to its KVM name (vda…, ttyS0) if the guest reads it — it does not stop a conversion', files: [h.path] }));
  const problems = [...facts.problems.filter((p) => !findings.some((f) => covered[f.code] === p.code)), ...findings, ...xenNames];
  const edits = findings.filter((f) => f.code.startsWith('pending:')).map((f) => f.code.slice('pending:'.length));
  return { ...buildReport(guest, open, { ...facts, problems }), ...(bootMode ? { boot: bootMode } : {}), ...(findings.some((f) => f.code === 'cannot-convert') ? {} : { edits }) };
}
