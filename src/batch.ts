// Many guests through the pipeline: a queue with a concurrency limit, every guest
// on its own (one failure never stops or touches another), a live progress
// display on a terminal (plain timestamped lines otherwise), a summary table and
// a JSON report.
import { EnvironmentError } from './errors.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkInterrupted, interruption } from './cleanup.js';
import { convertGuest, type ConvertOptions, type ConvertResult } from './convert.js';
import { describeError, InterruptedError, type Warning } from './errors.js';
import { errorEntry, OUTCOME_WORDS, succeeded, type ErrorEntry, type GuestOutcome } from './report/contract.js';
import { getLogLevel, setLogLevel } from './log.js';

export { succeeded, type GuestOutcome } from './report/contract.js';

/** One guest's entry in convert's report (the JSON contract's `guests[]`, one guest or a batch alike). */
export interface GuestResult {
  guest: string;
  config: string;
  result: GuestOutcome;
  /** The result in a sentence, for people. */
  summary: string;
  changes: number;
  seconds: number;
  next: string;
  runId?: string;
  kernel?: string;
  domainXml?: string;
  bootFiles?: string[];
  libvirt?: string[];
  disks?: ConvertResult['disks'];
  edits?: { id: string; changed: boolean; files: string[]; note?: string; diff?: string }[];
  timings?: Record<string, number>;
  /** What the domain was rendered from besides the config (the sandbox renders it again on the host). */
  domain?: ConvertResult['domain'];
  warnings: Warning[];
  errors: ErrorEntry[];
}

export interface BatchGuest {
  name: string;
  config: string;
  guest: import('./xen/types.js').XenGuest;
}

/** Guest configs in a Xen config directory: regular files that set a name and disks (xend-config.sxp, xl.conf, scripts are not guests). */
export function xenDirConfigs(dir: string, required = true): { configs: string[]; skipped: string[] } {
  const configs: string[] = [];
  const skipped: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return { configs, skipped };
    throw new EnvironmentError(code === 'ENOENT' ? `${dir} does not exist: there are no Xen guest configs to convert here` : code === 'ENOTDIR' ? `${dir} is a file, not the directory of Xen guest configs` : `${dir} cannot be read (${code})`,
      'Run xen2kvm on the Xen host (or where its /etc/xen is copied), or name the directory with --xen-dir DIR, or name the configs themselves.');
  }
  for (const f of names) {
    const p = join(dir, f);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (!st.isFile() || st.size > 1024 * 1024 || /\.(sxp|sh|rpmnew|rpmsave|orig|bak|swp)$|~$|^xl\.conf$|^README|^xmexample/.test(f)) {
      if (st.isFile()) skipped.push(f);
      continue;
    }
    const text = readFileSync(p, 'utf8');
    if (/^\s*name\s*=/m.test(text) && /^\s*disk\s*=/m.test(text)) configs.push(p);
    else skipped.push(f);
  }
  return { configs, skipped };
}

/**
 * xend's managed guests: /var/lib/xend/domains/<uuid>/config.sxp (RHEL 5's
 * default, where guests have no /etc/xen file). Guests whose name is already in
 * `known` (an /etc/xen config) are left to that config.
 */
export function xendDomainConfigs(dir: string, known: Set<string> = new Set()): { configs: string[]; skipped: string[] } {
  const configs: string[] = [];
  const skipped: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return { configs, skipped };
  }
  for (const uuid of entries) {
    const p = join(dir, uuid, 'config.sxp');
    let text: string;
    try {
      if (!statSync(p).isFile() || statSync(p).size > 1024 * 1024) continue;
      text = readFileSync(p, 'utf8');
    } catch {
      continue;
    }
    const name = /\(name\s+'?"?([^\s()'"]+)/.exec(text)?.[1];
    if (!/^\s*\(domain\b/.test(text) || !name) skipped.push(p);
    else if (known.has(name)) skipped.push(`${p} (${name} has a config in /etc/xen)`);
    else configs.push(p);
  }
  return { configs, skipped };
}

/** The guest name an xm/xl config sets (for matching against xend's records). */
export function configName(path: string): string | undefined {
  try {
    return /^\s*name\s*=\s*["']?([^"'\s#]+)/m.exec(readFileSync(path, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** A finished conversion as its report entry. */
export function outcome(r: ConvertResult, started: number, config: string, configWarnings: Warning[] = []): GuestResult {
  const changes = r.edits.filter((e) => e.changed).length;
  const result: GuestOutcome = r.dryRun ? (r.changed ? 'would-convert' : 'nothing-to-change') : r.changed ? 'converted' : 'already-converted';
  const summary = {
    'would-convert': `would change ${changes} thing(s) in ${r.guest} (dry run: nothing was written)`,
    'nothing-to-change': `${r.guest} needs no change (dry run)`,
    'converted': `${r.guest} converted: ${changes} change(s); kernel ${r.kernel} boots under KVM`,
    'already-converted': `${r.guest} was already converted: nothing in the guest needed changing`,
  }[result as 'converted'];
  return {
    guest: r.guest, config, result, summary, changes, seconds: (Date.now() - started) / 1000,
    next: r.dryRun ? `xen2kvm convert ${config}` : r.libvirt ? `virsh start ${r.guest}` : r.domainXml ? `virsh define ${r.domainXml}` : '',
    ...(r.runId ? { runId: r.runId } : {}),
    kernel: r.kernel,
    ...(r.domainXml ? { domainXml: r.domainXml } : {}),
    ...(r.bootFiles?.length ? { bootFiles: r.bootFiles } : {}),
    ...(r.libvirt ? { libvirt: r.libvirt } : {}),
    disks: r.disks,
    edits: r.edits.map((e) => ({ id: e.id, changed: e.changed, files: e.files, ...(e.note ? { note: e.note } : {}), ...(e.diff ? { diff: e.diff } : {}) })),
    timings: r.timings,
    domain: r.domain,
    warnings: [...configWarnings, ...r.warnings],
    errors: [],
  };
}

/** A conversion that threw, as its report entry. */
export function failedOutcome(g: { name: string; config: string; guest?: { warnings: Warning[] } }, err: unknown, started: number): GuestResult {
  const interrupted = err instanceof InterruptedError;
  const text = describeError(err, false);
  return {
    guest: g.name, config: g.config, result: interrupted ? 'interrupted' : 'failed', summary: text.text.replace(/^xen2kvm: /, '').split('\n')[0], changes: 0,
    seconds: (Date.now() - started) / 1000, next: interrupted ? 'run xen2kvm convert again' : 'fix the cause, then convert it again (xen2kvm inspect helps)',
    warnings: g.guest?.warnings ?? [], errors: [errorEntry(err, text.exitCode)],
  };
}

export async function runBatch(guests: BatchGuest[], opts: ConvertOptions, jobs: number, interactive: boolean): Promise<GuestResult[]> {
  // Each guest's own messages go into its report entry; on the terminal, only the batch's lines.
  const level = getLogLevel();
  const say = (line: string) => {
    if (level !== 'quiet') process.stderr.write(`${line}\n`);
  };
  if (level === 'normal') setLogLevel('quiet');
  try {
    return await runQueue(guests, opts, jobs, interactive, say);
  } finally {
    setLogLevel(level);
  }
}

async function runQueue(guests: BatchGuest[], opts: ConvertOptions, jobs: number, interactive: boolean, say: (line: string) => void): Promise<GuestResult[]> {
  const results = new Map<string, GuestResult>();
  const convertOne = async (g: BatchGuest, stage: (s: string) => void) => {
    const started = Date.now();
    try {
      checkInterrupted();
      const r = await convertGuest(g.guest, { ...opts, printDiffs: false, progress: stage });
      results.set(g.config, outcome(r, started, g.config, g.guest.warnings));
    } catch (e) {
      results.set(g.config, failedOutcome(g, e, started));
      throw e;
    }
  };

  if (interactive) {
    // listr2 only for a live display on a terminal (a chunk of its own in the bundle).
    const { Listr } = await import('listr2');
    const list = new Listr(guests.map((g) => ({
      title: g.name,
      task: async (_ctx: unknown, task: { output: string; title: string }) => {
        await convertOne(g, (s) => {
          task.output = s;
        });
        const r = results.get(g.config)!;
        task.title = `${g.name}: ${OUTCOME_WORDS[r.result]}${r.changes ? ` (${r.changes} edits)` : ''}, ${r.seconds.toFixed(1)} s`;
      },
    })), { concurrent: jobs, exitOnError: false, rendererOptions: { collapseErrors: false } });
    await list.run().catch(() => undefined);
  } else {
    const queue = [...guests];
    const worker = async () => {
      for (let g = queue.shift(); g; g = queue.shift()) {
        if (interruption()) break;
        const stamp = () => new Date().toISOString().slice(11, 19);
        say(`${stamp()} ${g.name}: started`);
        await convertOne(g, (s) => say(`${stamp()} ${g!.name}: ${s}`)).catch(() => undefined);
        const r = results.get(g.config)!;
        say(`${stamp()} ${g.name}: ${OUTCOME_WORDS[r.result]}${r.errors.length ? ` — ${r.summary}` : ''} (${r.seconds.toFixed(1)} s)`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, guests.length) }, worker));
  }
  return guests.map((g) => results.get(g.config) ?? { guest: g.name, config: g.config, result: 'not-started', summary: `${g.name} was not started (the batch was interrupted)`, changes: 0, seconds: 0, next: 'run xen2kvm convert again', warnings: [], errors: [] });
}

/** The summary table. */
export function formatSummary(results: GuestResult[], dryRun = false): string {
  const rows = [['GUEST', 'RESULT', 'CHANGES', 'TIME', 'NEXT']];
  for (const r of results) rows.push([r.guest, OUTCOME_WORDS[r.result], String(r.changes), `${r.seconds.toFixed(1)} s`, r.errors.length ? r.summary : r.next]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
  const failed = results.filter((r) => r.result === 'failed').length;
  const ok = results.filter((r) => succeeded(r.result)).length;
  const rest = `${failed ? `, ${failed} failed` : ''}${results.length - ok - failed ? `, ${results.length - ok - failed} not finished` : ''}`;
  lines.push('', dryRun ? `${ok} of ${results.length} guests would be converted${rest} (dry run: nothing was written).` : `${ok} of ${results.length} guests converted${rest}.`);
  return `${lines.join('\n')}\n`;
}

/** How many loop devices can still be had: unlimited with /dev/loop-control, else the free ones. */
export function freeLoopDevices(): number {
  try {
    statSync('/dev/loop-control');
    return Infinity;
  } catch {
    /* count */
  }
  let free = 0;
  for (const d of readdirSync('/sys/block').filter((x) => /^loop\d+$/.test(x))) {
    try {
      readFileSync(`/sys/block/${d}/loop/backing_file`);
    } catch {
      free++;
    }
  }
  return free;
}
