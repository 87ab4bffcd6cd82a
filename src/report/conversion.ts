// The text a person reads after a conversion: each edit's state, backups, where
// the domain went and what to run next (on stdout); its warnings go to stderr.
import type { ConvertResult } from '../convert.js';
import { formatDiskMapping } from '../guest/disk-map.js';

export function formatResult(r: ConvertResult): string {
  const out: string[] = [];
  const width = Math.max(...r.edits.map((e) => e.id.length));
  out.push(`${r.dryRun ? 'Dry run — nothing was written. ' : ''}Guest ${r.guest}: kernel ${r.kernel} boots under KVM.`);
  if (r.disks.length) out.push(`Disks (Xen → KVM): ${formatDiskMapping(r.disks)}`);
  for (const e of r.edits) {
    const state = e.changed ? (r.dryRun ? 'would change' : 'changed') : 'unchanged';
    out.push(`  ${state.padEnd(12)} ${e.id.padEnd(width)}  ${e.changed ? e.files.join(', ') : e.describe}`);
  }
  if (!r.changed) out.push('Already converted: nothing in the guest needed changing.');
  else if (!r.dryRun && r.runId) out.push(`Backups of every changed file are in the guest under /var/lib/xen2kvm/backup/${r.runId}/ (xen2kvm rollback puts them back).`);
  for (const f of r.bootFiles ?? []) out.push(`Copied for direct boot: ${f}`);
  if (r.domainXml) out.push(`Domain XML: ${r.domainXml}`);
  if (r.libvirt) {
    for (const l of r.libvirt) out.push(`Done: ${l}`);
    out.push(`Next: virsh start ${r.guest} && virsh console ${r.guest}`);
  } else if (r.domainXml) {
    out.push(`Next: virsh define ${r.domainXml} && virsh start ${r.guest} && virsh console ${r.guest}`);
  }
  return `${out.join('\n')}\n`;
}

