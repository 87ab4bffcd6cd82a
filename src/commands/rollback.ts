// `xen2kvm rollback CONFIG|DISK…`: restores a converted guest's files from the
// backups its conversion left inside it.
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import type { Manifest } from '../tree/manifest.js';
import { listRuns, rollbackAll, rollbackGuest, sweepLeftovers, WRITTEN_DIRS } from '../tree/rollback.js';
import { remountReadWrite } from '../guest/mount.js';
import { diskDevices, openGuest } from '../guest/open.js';
import { log } from '../log.js';
import { withSession } from '../session.js';
import { attachOptions, guestFromTargets, openOptions, type AttachArgs } from './options.js';

/** The host files (kernel, initrd for direct boot) the given runs recorded having copied. */
function bootFilesOf(runs: Manifest[], ids: string[]): string[] {
  return runs.filter((r) => ids.includes(r.runId)).flatMap((r) => {
    try {
      const files = JSON.parse(String(r.settings?.bootFiles ?? '[]')) as unknown;
      return Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string' && f.startsWith('/')) : [];
    } catch {
      return [];
    }
  });
}

interface RollbackArgs extends AttachArgs {
  targets: string[];
  'run-id'?: string;
  all?: boolean;
}

export const rollbackCommand: CommandModule<object, RollbackArgs> = {
  command: 'rollback <targets..>',
  describe: 'Undo a conversion: restore the guest\'s files (and old initrd) from its backups',
  builder: (y) =>
    attachOptions(y)
      .positional('targets', { type: 'string', array: true, demandOption: true, describe: 'The guest\'s Xen config, or its disk images / devices' })
      .option('run-id', { type: 'string', describe: 'Roll back this run (default: the latest)' })
      .option('all', { type: 'boolean', describe: 'Roll back every recorded run, newest first: the guest as it was before the first conversion' })
      .conflicts('all', 'run-id')
      .example('$0 rollback /etc/xen/test1', 'Undo the latest conversion of test1')
      .example('$0 rollback --all /etc/xen/test1', 'Back to the guest as it was before it was first converted') as never,
  handler: async (a) => {
    const guest = await guestFromTargets(a.targets, a.disk);
    const result = await withSession(`rollback ${a.targets.join(' ')}`, async (acq) => {
      // Read-only first: a guest with nothing to roll back is never mounted read-write, so not a byte of it changes.
      const { attached, mounted } = await openGuest(guest.disks, { ...openOptions(a), readOnly: false, mountReadOnly: true, name: guest.name || undefined }, acq);
      const runs = await listRuns(mounted.fs);
      const leftovers = await sweepLeftovers(mounted.fs, WRITTEN_DIRS, true);
      if (!runs.some((r) => !a['run-id'] || r.runId === a['run-id']) && leftovers.length === 0) return undefined;
      const rw = await remountReadWrite(attached, mounted, acq);
      const swept = await sweepLeftovers(rw.fs, WRITTEN_DIRS);
      for (const l of swept) log.info(`removed ${l}`);
      if (a.all) {
        const all = await rollbackAll(rw.fs, diskDevices(attached));
        return all ? { runId: all.runIds.join(', '), done: [...swept, ...all.done], count: all.runIds.length, bootFiles: bootFilesOf(runs, all.runIds) } : { runId: '', done: swept, count: 0, bootFiles: [] };
      }
      const one = await rollbackGuest(rw.fs, a['run-id'], diskDevices(attached));
      return one ? { ...one, done: [...swept, ...one.done], count: 1, bootFiles: bootFilesOf(runs, [one.runId]) } : { runId: '', done: swept, count: 0, bootFiles: [] };
    });
    if (!result) {
      process.stdout.write(a['run-id'] ? `No conversion run ${a['run-id']} is recorded in the guest; nothing to roll back.\n` : 'No conversion is recorded in the guest; nothing to roll back.\n');
      return;
    }
    for (const d of result.done) log.verbose(d);
    // The kernel and initrd a direct-boot conversion copied to the host go with it.
    for (const f of result.bootFiles) {
      if (!existsSync(f) || !lstatSync(f).isFile()) continue;
      unlinkSync(f);
      log.info(`removed ${f} (copied to the host for direct boot)`);
    }
    if (result.count === 0) process.stdout.write(`No conversion is recorded in the guest; removed ${result.done.length} leftover(s) of an interrupted run.\n`);
    else process.stdout.write(`Rolled back ${result.count > 1 ? `${result.count} runs (${result.runId})` : `run ${result.runId}`}: ${result.done.length} change(s) undone.${a.all ? ' The guest is as it was before its first conversion.' : ''}\n`);
  },
};
