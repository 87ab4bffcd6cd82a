// `xen2kvm inspect CONFIG|DISK…`: attach read-only, mount, and tell what the
// guest is and what converting it needs.
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { UserError } from '../errors.js';
import { decompressWith, inspectGuest, chooseKernel, type GuestFacts } from '../guest/inspect.js';
import { openGuest } from '../guest/open.js';
import { diagnose } from '../guest/diagnose.js';
import { mbrHasBootCode } from '../image/mbr.js';
import type { OpenGuest } from '../guest/open.js';
import { log } from '../log.js';
import { externalDecompress } from '../guest/decompress.js';
import { withSession } from '../session.js';
import { diskLetters } from '../xen/disk.js';
import type { XenDisk, XenGuest } from '../xen/types.js';
import { diskOption, loadGuest } from './domxml.js';

export interface AttachArgs {
  disk?: string[];
  attach?: 'auto' | 'kpartx' | 'loop';
  root?: string;
  force?: boolean;
}

interface InspectArgs extends AttachArgs {
  targets: string[];
  json?: boolean;
}

/** The options every command that opens a guest shares. */
export function attachOptions<T>(y: import('yargs').Argv<T>) {
  return diskOption(y)
    .option('attach', { choices: ['auto', 'kpartx', 'loop'] as const, default: 'auto' as const, describe: 'How to reach partitions and LVs: kpartx + vgchange (device-mapper), or loop devices at offsets' })
    .option('root', { type: 'string', describe: 'The root filesystem, when several look like one (VG/LV, xvda2 or a device)' })
    .option('force', { type: 'boolean', describe: 'Go on even though the disks look in use (dangerous)' });
}

/** True when the file looks like a text config rather than a disk image or device. */
function looksLikeConfig(path: string): boolean {
  const st = statSync(path);
  if (!st.isFile() || st.size > 1024 * 1024) return false;
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(Math.min(4096, st.size));
  readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  return !buf.includes(0) && /^\s*[A-Za-z_]\w*\s*\+?=/m.test(buf.toString('utf8'));
}

/** A Xen guest from a config file, or a nameless one made of bare disks (xvda, xvdb, … in order). */
export async function guestFromTargets(targets: string[], diskOverrides?: string[]): Promise<XenGuest> {
  for (const t of targets) {
    try {
      statSync(t);
    } catch {
      throw new UserError(`${t}: no such file or device`);
    }
  }
  if (targets.length === 1 && looksLikeConfig(targets[0])) return loadGuest(targets[0], diskOverrides);
  if (targets.some(looksLikeConfig)) throw new UserError('give either one Xen config or disk images / devices, not both');
  if (diskOverrides?.length) throw new UserError('--disk goes with a Xen config; with disk images, name the images themselves');
  const pos = { line: 0, column: 0 };
  const disks: XenDisk[] = targets.map((t, i) => ({
    spec: t, pos, driver: 'file', sourceKind: statSync(t).isBlockDevice() ? 'block' : 'file', path: t, format: 'raw',
    vdev: `xvd${diskLetters(i)}`, device: 'disk', readonly: false, shareable: false,
  }));
  return {
    file: targets.join(' '), dialect: 'xm', name: '', type: 'pv', memoryMiB: 0, maxmemMiB: 0, vcpus: 1,
    onPoweroff: 'destroy', onReboot: 'restart', onCrash: 'restart', localtime: false,
    features: { pae: true, acpi: true, apic: true }, disks, nics: [], serials: [], pci: [], usbdevices: [], unknownKeys: [], warnings: [],
  };
}

export interface InspectReport extends GuestFacts {
  guest?: string;
  attach: string;
  filesystems: { device: string; name: string; mountpoint?: string; fstype: string; label?: string; uuid?: string }[];
  lvm: { vg: string; uuid: string; lvs: string[]; via: string; clashesWithHost: boolean }[];
  notes: string[];
}

export function buildReport(guest: XenGuest, open: OpenGuest, facts: GuestFacts): InspectReport {
  const { attached, mounted } = open;
  return {
    ...(guest.name ? { guest: guest.name } : {}),
    ...facts,
    attach: attached.strategy,
    filesystems: attached.devices.filter((d) => d.fstype && d.fstype !== 'LVM2_member').map((d) => {
      const m = mounted.mounts.find((x) => x.device === d.device);
      return {
        device: d.device,
        name: d.kind === 'lv' ? `/dev/${d.vg}/${d.lv}` : `/dev/${d.vdev}${d.partition || ''}`,
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
    notes: [...attached.notes, ...[...mounted.skipped].filter((x) => !/pseudo filesystem|swap space/.test(x.reason)).sort((x, y) => x.line - y.line).map((s) => `/etc/fstab line ${s.line}: ${s.spec} on ${s.mountpoint} not mounted: ${s.reason}`)],
  };
}

export function formatReport(r: InspectReport): string {
  const out: string[] = [];
  out.push(`Guest:       ${r.guest ?? '(disk images)'}`);
  out.push(`OS:          ${r.os.description || 'unknown'}${r.os.version ? ` (${r.os.distro} ${r.os.version})` : ''}`);
  out.push(`Boot loader: ${r.bootloader.kind}${r.bootloader.config ? ` (${r.bootloader.config}${r.bootloader.links ? `; ${r.bootloader.links.join(', ')} link to it` : ''})` : ''}`);
  out.push(`Init:        ${r.initSystem}; initrd tool: ${r.initrdTool}; SELinux: ${r.selinux}`);
  out.push('Kernels:');
  const chosen = chooseKernel(r.kernels, r.bootloader.kind);
  for (const k of r.kernels) {
    const tags = [k.default ? 'default' : '', k.xenOnly ? 'Xen only' : 'runs on KVM', k.virtio ? 'virtio' : 'no virtio',
      k.initrd ? (k.initrdHasVirtio === undefined ? 'initrd ?' : k.initrdHasVirtio ? 'initrd has virtio' : 'initrd lacks virtio') : 'no initrd',
      k.inBootloader ? '' : 'not in boot loader', k === chosen ? 'chosen for KVM' : ''].filter(Boolean);
    out.push(`  ${k.version.padEnd(28)} ${tags.join(', ')}`);
  }
  if (r.kernels.length === 0) out.push('  (none)');
  out.push('Filesystems:');
  for (const f of r.filesystems) out.push(`  ${f.name.padEnd(28)} ${f.fstype.padEnd(6)} ${f.mountpoint ?? '-'}${f.label ? `  LABEL=${f.label}` : ''}`);
  for (const v of r.lvm) out.push(`LVM:         ${v.vg} (${v.lvs.join(', ')}) via ${v.via}${v.clashesWithHost ? ' — same name as a host VG, never activated' : ''}`);
  for (const n of r.notes) out.push(`Note:        ${n}`);
  if (r.problems.length === 0) out.push('\nReady to convert: xen2kvm convert finds nothing in the way.');
  else {
    out.push(`\nWhat a conversion needs${r.problems.some((p) => p.code.startsWith('pending:')) ? ' (xen2kvm convert does all of it)' : ''}:`);
    for (const p of r.problems) out.push(`  - ${p.message}\n    → ${p.fix}`);
  }
  return `${out.join('\n')}\n`;
}

export const inspectCommand: CommandModule<object, InspectArgs> = {
  command: 'inspect <targets..>',
  describe: 'Attach a stopped guest read-only and report its OS, kernels, boot loader and what converting it needs',
  builder: (y) =>
    attachOptions(y)
      .positional('targets', { type: 'string', array: true, demandOption: true, describe: 'A Xen config (e.g. /etc/xen/test1), or disk images / devices' })
      .option('json', { type: 'boolean', describe: 'Print the report as JSON' })
      .example('$0 inspect /etc/xen/test1', 'Inspect the guest test1 through its Xen config')
      .example('$0 inspect /var/lib/xen/images/test1.img --json', 'Inspect a disk image, as JSON')
      .example('$0 inspect /etc/xen/test1 --disk xvda=/backup/test1.img', 'The image has moved') as never,
  handler: async (a) => {
    const guest = await guestFromTargets(a.targets, a.disk);
    const report = await withSession(`inspect ${a.targets.join(' ')}`, async (acq) => {
      const open = await openGuest(guest.disks, { strategy: a.attach ?? 'auto', readOnly: true, force: !!a.force, name: guest.name || undefined, ...(a.root ? { root: a.root } : {}) }, acq);
      const facts = await inspectGuest(open.mounted.fs, decompressWith(externalDecompress));
      // Recovery: every edit that is still pending, with the command that applies it.
      const boot = open.attached.disks[0];
      const mbrEmpty = !!boot?.table && guest.bootloader !== undefined && !mbrHasBootCode(boot.whole);
      const findings = await diagnose(open.mounted.fs, guest, facts, a.targets.join(' '), mbrEmpty);
      // The generic problems that a pending edit states better are replaced by it.
      const covered: Record<string, string> = { 'pending:grub-default': 'default-kernel-xen', 'pending:initrd': 'initrd-without-virtio' };
      const problems = [...facts.problems.filter((p) => !findings.some((f) => covered[f.code] === p.code)), ...findings];
      return buildReport(guest, open, { ...facts, problems });
    });
    log.verbose('detached everything');
    process.stdout.write(a.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  },
};
