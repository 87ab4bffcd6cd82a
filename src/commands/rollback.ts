// `xen2kvm rollback CONFIG|DISK…`: restores a converted guest's files from the
// backups its conversion left inside it.
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { listed } from './table.js';
import { bootFilesOfRun, definedDomainOf, formatRuns, runsToUndo, summarizeRun, undoPlan, type RunSummary } from '../tree/runs.js';
import type { Manifest } from '../tree/manifest.js';
import { setLibvirtUri, undoDefine } from '../host/virsh.js';
import { listRuns, rollbackAll, rollbackGuest, sweepLeftovers, WRITTEN_DIRS } from '../tree/rollback.js';
import { remountReadWrite } from '../guest/mount.js';
import { diskDevices, openGuest } from '../guest/open.js';
import { log } from '../log.js';
import { withSession } from '../session.js';
import { attachOptions, guestFromTargets, openOptions, type AttachArgs } from './options.js';
import { jsonDocument, jsonText } from '../report/contract.js';
import { warning, type Warning } from '../errors.js';

/** What a dry run would undo, and what a real one did. */
type Plan = { plan: { runs: RunSummary[]; chosen: Manifest[]; steps: string[] } };
type Undone = { done: string[]; undone: Manifest[] };

interface RollbackArgs extends AttachArgs {
  targets: string[];
  'run-id'?: string;
  all?: boolean;
  'dry-run'?: boolean;
  'keep-domain'?: boolean;
  connect?: string;
  json?: boolean;
}

export const rollbackCommand: CommandModule<object, RollbackArgs> = {
  ...listed('rollback'),
  builder: (y) =>
    attachOptions(y)
      .positional('targets', { type: 'string', array: true, demandOption: true, describe: 'The guest\'s Xen config, or its disk images / devices' })
      .option('run-id', { type: 'string', describe: 'Roll back this run (default: the latest)' })
      .option('all', { type: 'boolean', describe: 'Roll back every recorded run, newest first: the guest as it was before the first conversion' })
      .option('dry-run', { alias: 'n', type: 'boolean', describe: 'Attach read-only and say what would be undone; change nothing' })
      .option('keep-domain', { type: 'boolean', describe: 'Leave the libvirt domain the run defined (--define) as it is' })
      .option('connect', { alias: 'c', type: 'string', describe: 'libvirt URI to undefine the domain on (default: the one the run defined it on)' })
      .conflicts('all', 'run-id')
      .example('$0 rollback /etc/xen/test1', 'Undo the latest conversion of test1')
      .example('$0 rollback --dry-run /etc/xen/test1', 'What undoing it would do')
      .example('$0 rollback --all /etc/xen/test1', 'Back to the guest as it was before it was first converted') as never,
  handler: async (a) => {
    setLibvirtUri(a.connect);
    const guest = await guestFromTargets(a.targets, a.disk);
    const where = a.targets.join(' ');
    const dryRun = a['dry-run'] === true;
    const result = await withSession(`rollback ${where}`, async (acq): Promise<Plan | Undone | undefined> => {
      // Read-only first: a guest with nothing to roll back is never mounted read-write, so not a byte of it changes.
      const { attached, mounted } = await openGuest(guest.disks, { ...openOptions(a), readOnly: dryRun, mountReadOnly: true, name: guest.name || undefined }, acq);
      const runs = await listRuns(mounted.fs);
      const chosen = runsToUndo(runs, { runId: a['run-id'], all: a.all }, where);
      const leftovers = await sweepLeftovers(mounted.fs, WRITTEN_DIRS, true);
      if (dryRun) return { plan: { runs: runs.map(summarizeRun), chosen, steps: [...leftovers.map((l) => `remove ${l}`), ...undoPlan(chosen)] } };
      if (chosen.length === 0 && leftovers.length === 0) return undefined;
      const rw = await remountReadWrite(attached, mounted, acq);
      const swept = await sweepLeftovers(rw.fs, WRITTEN_DIRS);
      for (const l of swept) log.info(`removed ${l}`);
      // The runs undone (their manifests, as read before): the boot files and domains they made go too.
      if (a.all) {
        const all = await rollbackAll(rw.fs, diskDevices(attached));
        return { done: [...swept, ...(all?.done ?? [])], undone: runs.filter((r) => all?.runIds.includes(r.runId)) };
      }
      const one = await rollbackGuest(rw.fs, a['run-id'], diskDevices(attached));
      return { done: [...swept, ...(one?.done ?? [])], undone: runs.filter((r) => r.runId === one?.runId) };
    });
    const name = guest.name || where;
    const say = (entry: Record<string, unknown>, text: string, warnings: Warning[] = []) => {
      process.stdout.write(a.json ? jsonText(jsonDocument('rollback', { dryRun, guests: [{ guest: name, config: where, ...entry, warnings, errors: [] }] })) : text);
      if (a.json) for (const w of warnings) log.warn(w.message);
    };
    if (result && 'plan' in result) {
      const { runs, chosen, steps } = result.plan;
      const plan = steps.map((x) => `  ${x}\n`).join('');
      say({ result: steps.length ? 'would-roll-back' : 'nothing-to-roll-back', summary: steps.length ? `Would undo ${steps.length} step(s) (dry run; nothing was changed).` : 'Nothing would be undone (dry run).', runs, undone: chosen.map((r) => r.runId), steps },
        `${formatRuns(runs)}${steps.length ? `Would undo (dry run; nothing was changed):\n${plan}` : 'Nothing would be undone (dry run).\n'}`);
      return;
    }
    if (!result) {
      say({ result: 'nothing-to-roll-back', summary: 'No conversion is recorded in the guest; nothing to roll back.', undone: [], steps: [] }, 'No conversion is recorded in the guest; nothing to roll back.\n');
      return;
    }
    for (const d of result.done) log.verbose(d);
    const steps = [...result.done];
    const warnings: Warning[] = [];
    // The kernel and initrd a direct-boot conversion copied to the host go with it.
    for (const f of result.undone.flatMap(bootFilesOfRun)) {
      if (!existsSync(f) || !lstatSync(f).isFile()) continue;
      unlinkSync(f);
      steps.push(`removed ${f}`);
      log.info(`removed ${f} (copied to the host for direct boot)`);
    }
    // The libvirt domain each undone run defined goes too (newest run first), unless --keep-domain.
    const domainDone: string[] = [];
    for (const run of [...result.undone].reverse()) {
      const d = definedDomainOf(run);
      if (!d) continue;
      const r = await undoDefine(d.name, a.connect ?? d.uri, d.previousXml, !!a['keep-domain']);
      domainDone.push(...r.done);
      for (const l of r.advice) {
        warnings.push(warning('domain-left', l));
        if (!a.json) log.warn(l);
      }
    }
    const count = result.undone.length;
    const ids = result.undone.map((r) => r.runId).join(', ');
    const summary = count === 0 ? `No conversion is recorded in the guest; removed ${result.done.length} leftover(s) of an interrupted run.`
      : `Rolled back ${count > 1 ? `${count} runs (${ids})` : `run ${ids}`}: ${result.done.length} change(s) undone.${a.all ? ' The guest is as it was before its first conversion.' : ''}`;
    const text = `${domainDone.map((l) => `Done: ${l}\n`).join('')}${summary}\n`;
    say({ result: count === 0 ? 'leftovers-removed' : 'rolled-back', summary, undone: result.undone.map((r) => r.runId), steps, libvirt: domainDone }, text, warnings);
  },
};

interface RunsArgs extends AttachArgs {
  targets: string[];
  json?: boolean;
}

export const runsCommand: CommandModule<object, RunsArgs> = {
  ...listed('runs'),
  builder: (y) =>
    attachOptions(y)
      .positional('targets', { type: 'string', array: true, demandOption: true, describe: 'The guest\'s Xen config, or its disk images / devices' })
      .example('$0 runs /etc/xen/test1', 'The runs recorded in test1, oldest first') as never,
  handler: async (a) => {
    const guest = await guestFromTargets(a.targets, a.disk);
    const runs = await withSession(`runs ${a.targets.join(' ')}`, async (acq) => {
      const { mounted } = await openGuest(guest.disks, { ...openOptions(a), readOnly: true, mountReadOnly: true, name: guest.name || undefined }, acq);
      return (await listRuns(mounted.fs)).map(summarizeRun);
    });
    process.stdout.write(a.json ? jsonText(jsonDocument('runs', { guests: [{ guest: guest.name || a.targets.join(' '), config: a.targets.join(' '), runs, warnings: [], errors: [] }] })) : formatRuns(runs));
  },
};
