// One guest, the way the seed post does it by hand — parse the Xen config, attach
// the disks, inspect and plan read-only, apply, detach, and write the KVM side —
// offline, with a diff of every change and a backup of every file. Each stage is
// a named function in ./convert-stages.ts; this file is the order they run in.
import { newRunId } from './tree/manifest.js';
import { planDomain } from './host/domain-xml.js';
import { withSession } from './session.js';
import { apply, attach, copyBootFiles, decideBoot, detach, inspect, plan, sweep, writeHost, type ConvertOptions, type ConvertResult, type RunState } from './convert-stages.js';
import type { XenGuest } from './xen/types.js';

export type { ConvertOptions, ConvertResult } from './convert-stages.js';

export async function convertGuest(guest: XenGuest, opts: ConvertOptions): Promise<ConvertResult> {
  const run: RunState = { guest, opts, runId: newRunId(), warnings: new Map(), timings: {}, clock: Date.now() };
  // 1. The Xen config, already parsed: refuse what KVM cannot express before touching a disk.
  const domain = planDomain(guest, opts.domain);
  const side = await withSession(`convert ${guest.file}`, async (acq) => {
    // 2. Attach the disks and mount the guest read-only, by its own fstab.
    const opened = await attach(run, acq, domain.directBoot !== undefined);
    // 3. What the guest is: distribution, kernels, boot loader, initrd tool.
    const facts = await inspect(run, opened);
    // How the domain will boot: the disk's loader, the guest's GRUB put in the MBR, or its kernel directly.
    await decideBoot(run, opened, facts);
    // 4. Every edit, planned read-only: the diffs (--dry-run stops here).
    const planned = await plan(run, opened, facts, acq);
    // 5. Only when something must change: remount read-write and apply.
    const done = await apply(run, opened, facts, planned, acq);
    // No Xen name left behind: what the edits did not rewrite is said, with file and line.
    await sweep(run, opened, planned);
    const bootFiles = await copyBootFiles(run, done, opened);
    // 6. Unmount and detach: a stage of its own, before anything is written on the host.
    await detach(run, acq);
    return { planned, done, bootFiles, directBoot: opened.directBoot };
  });
  // 7. The host side: the domain XML (rendered once), and virsh define when asked.
  return writeHost(run, side);
}
