// Recovery: what stands between a guest and booting under KVM, each with the
// command that fixes it. The guest edits are planned (dry-run) on the mounted
// guest; every edit that would still change something is a finding. Interrupted
// conversions, and an MBR without a boot loader, are findings too.
import { UserError } from '../errors.js';
import { listRuns } from '../tree/rollback.js';
import { applyEdits } from '../tree/runner.js';
import { buildEditContext } from './context.js';
import type { Edit } from './types.js';
import type { FamilyTraits } from '../guest/family.js';
import type { RootFs } from '../tree/fs.js';
import { chooseKernel, type GuestFacts, type GuestProblem } from '../guest/inspect.js';
import type { XenGuest } from '../xen/types.js';

/** What each unapplied edit means for a guest that must boot under KVM (user-pain-points.md). */
const MEANING: Record<string, string> = {
  'grub-default': 'the boot loader still defaults to a kernel that cannot boot under KVM',
  'grub-console': 'the KVM kernel\'s console is still xvc0 / hvc0, so there is no serial console (virsh console shows nothing)',
  'grub-clock': 'RHEL 5.0-5.3 without kvm-clock: no divider=10 notsc, so the clock drifts',
  'device-map': 'grub\'s device.map still names the Xen disk (xvda)',
  'sysconfig-grub': '/etc/sysconfig/grub still says boot=/dev/xvda: the next boot loader update writes to a disk that does not exist',
  modprobe: 'modprobe.conf still aliases xennet / xenblk: no network, and mkinitrd fails with "No module xenblk found"',
  inittab: 'the login getty is still on xvc0: no login prompt on the serial console',
  securetty: 'root may not log in on ttyS0',
  'device-names': 'fstab or grub name Xen disks (xvda…), which are vda… under KVM: fsck fails, "VFS: Unable to mount root fs"',
  kudzu: 'kudzu is on: at boot it takes the virtio NIC for new hardware and rewrites the network configuration',
  ntpd: 'ntpd is off, so the clock drifts (RHEL 5.0-5.3)',
  'sysconfig-kernel': 'DEFAULTKERNEL=kernel-xen: the next yum update makes the Xen kernel the default again',
  'persistent-net': '70-persistent-net.rules binds eth0 to the Xen NIC: the virtio NIC becomes eth1',
  initrd: 'the KVM kernel\'s initrd lacks virtio_blk: the root disk is not found ("VFS: Unable to mount root fs")',
  'selinux-relabel': 'files edited outside the guest need an SELinux relabel',
  'grub2-defaults': '/etc/default/grub still gives the kernel the Xen console (hvc0): the next update-grub brings it back',
  'grub-mkconfig': 'grub.cfg still boots the kernel on the Xen console (hvc0), so there is no serial console or login prompt',
  'grub2-cfg': 'grub.cfg still boots the kernel on the Xen console (hvc0), so there is no serial console or login prompt',
  'grub-install': 'the boot disk\'s MBR has no boot loader: SeaBIOS stops at "No bootable device"',
  'serial-getty': 'systemd starts a getty on hvc0 only: no login prompt on the serial console',
  'upstart-console': 'upstart runs a getty on hvc0 only: no login prompt on the serial console',
  'initramfs-modules': 'initramfs-tools does not include the virtio drivers: the root disk is not found under KVM',
  'initramfs-conf': 'MODULES=dep builds an initramfs with the Xen drivers only',
  'dracut-conf': 'dracut\'s configuration does not ask for the virtio drivers: the next kernel update builds an initramfs without them',
  'active-consoles': '/etc/sysconfig/init still lists the Xen console (hvc0) in ACTIVE_CONSOLES',
  'grub-kopt': 'menu.lst\'s # kopt= still says console=hvc0: the next kernel upgrade (update-grub) puts it back on every kernel line',
  grubenv: 'grubenv\'s saved_entry names an entry that does not boot the kernel chosen for KVM',
  'sysconfig-bootloader': '/etc/sysconfig/bootloader still gives new kernels the Xen console (xvc0) and Xen disk names: the next kernel update adds an entry that does not boot under KVM',
  'initrd-modules': 'INITRD_MODULES lacks the virtio drivers: the next mkinitrd (every kernel update) builds an initrd without them',
};

/** `mbr`: why the boot disk's MBR does not boot the guest ("holds no boot loader"), or undefined. */
export async function diagnose(fs: RootFs, guest: XenGuest, facts: GuestFacts, family: (FamilyTraits & { edits: Edit[] }) | undefined, target: string, mbr: string | undefined, boot?: 'disk' | 'mbr' | 'direct', supported = 'the families listed by xen2kvm list-edits'): Promise<GuestProblem[]> {
  const out: GuestProblem[] = [];
  const runs = await listRuns(fs);
  for (const run of runs) {
    if (!run.complete) {
      out.push({ code: 'interrupted-conversion', message: `the conversion run ${run.runId} was interrupted; its backups are still in the guest`, fix: `xen2kvm rollback ${target} --run-id ${run.runId}, then xen2kvm convert ${target}` });
    }
  }
  if (mbr) {
    out.push({ code: 'mbr-no-bootloader', message: `the boot disk's MBR ${mbr} (the guest booted through ${guest.bootloader?.replace(/^.*\//, '') ?? 'pygrub'}): KVM's BIOS finds nothing to boot`, fix: boot === 'mbr' ? `xen2kvm convert ${target} installs the guest's own GRUB in the MBR (--boot mbr; --boot direct boots its kernel from the domain instead)` : `xen2kvm convert ${target} boots its kernel directly (<kernel> in the domain), or install GRUB in the MBR from a rescue boot` });
  }
  // Compare against what the latest conversion did (its settings and kernel), not against defaults.
  const last = [...runs].reverse().find((r) => r.complete && r.settings)?.settings ?? {};
  const chosen = chooseKernel(facts.kernels, facts.bootloader.kind);
  const recorded = facts.kernels.find((k) => k.version === last.kernel && !k.xenOnly && k.virtio);
  const kernel = recorded ?? chosen;
  if (!family) {
    out.push({ code: 'cannot-convert', message: `xen2kvm does not convert ${facts.os.description || 'this system'}`, fix: `xen2kvm converts ${supported}; convert this one by hand or with virt-v2v` });
    return out;
  }
  const edits = family.edits;
  if (!kernel) return out;
  const ctx = buildEditContext(guest, facts, kernel, {
    family,
    ...(boot ? { boot } : {}),
    serialSpeed: typeof last.serialSpeed === 'number' ? last.serialSpeed : 115200,
    clockFix: typeof last.clockFix === 'boolean' ? last.clockFix : true,
    warn: () => undefined,
  });
  let outcomes;
  try {
    ({ outcomes } = await applyEdits(fs, edits, ctx, { dryRun: true, runId: 'diagnose', label: guest.name, runInGuest: async () => undefined }));
  } catch (e) {
    // What stops a conversion is a finding of its own, not a crash of the inspection.
    if (!(e instanceof UserError)) throw e;
    out.push({ code: 'cannot-convert', message: e.message, fix: e.advice ?? 'see the message' });
    return out;
  }
  for (const o of outcomes.filter((x) => x.changed)) {
    out.push({ code: `pending:${o.id}`, message: MEANING[o.id] ?? o.describe, fix: `xen2kvm convert ${target} --only ${o.id}`, files: o.files });
  }
  return out;
}
