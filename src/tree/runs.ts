// What the recorded conversion runs of a guest are, and what undoing one would do —
// pure: from manifests to summaries and plans (`xen2kvm runs`, `rollback --dry-run`,
// the refusal of an unknown --run-id).
import { UserError } from '../errors.js';
import type { Manifest, ManifestEntry } from './manifest.js';

export interface RunSummary {
  runId: string;
  created: string;
  kernel: string;
  /** False for a run that was interrupted before all its changes were made. */
  complete: boolean;
  /** Number of recorded changes (files, links, disk regions). */
  changes: number;
  /** The edits that changed something, in the order they ran. */
  edits: string[];
  /** Files copied to the KVM host for direct boot. */
  bootFiles: string[];
  /** The libvirt domain its --define made, if it did. */
  definedDomain?: string;
}

/** The host files (kernel, initrd for direct boot) a run recorded having copied. */
export function bootFilesOfRun(m: Manifest): string[] {
  try {
    const files = JSON.parse(String(m.settings?.bootFiles ?? '[]')) as unknown;
    return Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string' && f.startsWith('/')) : [];
  } catch {
    return [];
  }
}

/** The libvirt domain a run's --define made (and the one it replaced), from its settings. */
export function definedDomainOf(m: Manifest): { name: string; uri: string; previousXml?: string } | undefined {
  const name = m.settings?.definedDomain;
  if (typeof name !== 'string' || !name) return undefined;
  const uri = typeof m.settings?.libvirtUri === 'string' ? m.settings.libvirtUri : 'qemu:///system';
  const prev = m.settings?.previousDomainXml;
  return { name, uri, ...(typeof prev === 'string' && prev ? { previousXml: prev } : {}) };
}

export function summarizeRun(m: Manifest): RunSummary {
  const defined = definedDomainOf(m);
  return {
    runId: m.runId,
    created: m.created,
    kernel: m.kernel,
    complete: m.complete,
    changes: m.entries.length,
    edits: [...new Set(m.entries.map((e) => e.edit))],
    bootFiles: bootFilesOfRun(m),
    ...(defined ? { definedDomain: defined.name } : {}),
  };
}

/** One line per recorded run, oldest first. */
export function formatRuns(runs: RunSummary[]): string {
  if (runs.length === 0) return 'No conversion run is recorded in the guest.\n';
  const lines = runs.map((r, i) => {
    const state = r.complete ? '' : ' (interrupted)';
    const latest = i === runs.length - 1 ? ' — latest' : '';
    return `  ${r.runId}  ${r.created}  kernel ${r.kernel || '?'}  ${r.changes} change(s)${state}${latest}\n      edits: ${r.edits.join(', ') || 'none'}${r.bootFiles.length ? `\n      boot files on the host: ${r.bootFiles.join(', ')}` : ''}${r.definedDomain ? `\n      defined the libvirt domain ${r.definedDomain}` : ''}`;
  });
  return `${runs.length} conversion run(s) recorded in the guest, oldest first:\n${lines.join('\n')}\n`;
}

/** What undoing one entry does, in words. */
export function describeUndo(e: ManifestEntry): string {
  switch (e.action) {
    case 'modified':
      return `restore ${e.path} from its backup (${e.edit})`;
    case 'created':
      return e.dir ? `remove the directory ${e.path} if empty (${e.edit})` : `remove ${e.path} (${e.edit})`;
    case 'renamed':
      return `rename ${e.to} back to ${e.from} (${e.edit})`;
    case 'symlinked':
      return `remove the link ${e.path} → ${e.target} (${e.edit})`;
    case 'region':
      return `restore bytes ${e.offset}–${e.offset + e.length} of disk ${e.disk} (${e.edit})`;
  }
}

/** The steps of undoing these runs, newest run first and each run's entries newest first (as rollback does them). */
export function undoPlan(runs: Manifest[]): string[] {
  const steps: string[] = [];
  for (const run of [...runs].reverse()) {
    for (const e of [...run.entries].reverse()) steps.push(`${run.runId}: ${describeUndo(e)}`);
    for (const f of bootFilesOfRun(run)) steps.push(`${run.runId}: remove ${f} on this host (copied for direct boot)`);
    const d = definedDomainOf(run);
    if (d) {
      steps.push(`${run.runId}: undefine the libvirt domain ${d.name} (${d.uri}) that its --define made, unless it runs`);
      if (d.previousXml) steps.push(`${run.runId}: define the domain ${d.name} it replaced (--overwrite) again`);
    }
  }
  return steps;
}

/**
 * The runs a rollback undoes: all of them (--all), the one named (--run-id), or the
 * latest. A --run-id that is not recorded is a refusal listing the recorded ones.
 */
export function runsToUndo(runs: Manifest[], opts: { runId?: string; all?: boolean }, where: string): Manifest[] {
  if (opts.all) return runs;
  if (opts.runId) {
    const run = runs.find((r) => r.runId === opts.runId);
    if (!run) {
      const known = runs.map((r) => `${r.runId} (${r.created})`).join(', ');
      throw new UserError(
        `no conversion run ${opts.runId} is recorded in ${where}${runs.length ? `; recorded: ${known}` : '; no run is recorded there'}`,
        runs.length ? `Pass one of the recorded run ids (xen2kvm runs ${where} lists them), or leave --run-id out for the latest.` : 'There is nothing to roll back in this guest.',
      );
    }
    return [run];
  }
  return runs.length ? [runs[runs.length - 1]] : [];
}
