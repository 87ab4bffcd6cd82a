// `xen2kvm rollback CONFIG|DISK…`: restores a converted guest's files from the
// backups its conversion left inside it.
import type { CommandModule } from 'yargs';
import { listRuns, rollbackGuest } from '../tree/rollback.js';
import { remountReadWrite } from '../guest/mount.js';
import { openGuest } from '../guest/open.js';
import { log } from '../log.js';
import { withSession } from '../session.js';
import { attachOptions, guestFromTargets, openOptions, type AttachArgs } from './options.js';

interface RollbackArgs extends AttachArgs {
  targets: string[];
  'run-id'?: string;
}

export const rollbackCommand: CommandModule<object, RollbackArgs> = {
  command: 'rollback <targets..>',
  describe: 'Undo a conversion: restore the guest\'s files (and old initrd) from its backups',
  builder: (y) =>
    attachOptions(y)
      .positional('targets', { type: 'string', array: true, demandOption: true, describe: 'The guest\'s Xen config, or its disk images / devices' })
      .option('run-id', { type: 'string', describe: 'Roll back this run (default: the latest)' })
      .example('$0 rollback /etc/xen/test1', 'Undo the latest conversion of test1') as never,
  handler: async (a) => {
    const guest = await guestFromTargets(a.targets, a.disk);
    const result = await withSession(`rollback ${a.targets.join(' ')}`, async (acq) => {
      // Read-only first: a guest with nothing to roll back is never mounted read-write, so not a byte of it changes.
      const { attached, mounted } = await openGuest(guest.disks, { ...openOptions(a), readOnly: false, mountReadOnly: true, name: guest.name || undefined }, acq);
      const runs = await listRuns(mounted.fs);
      if (!runs.some((r) => !a['run-id'] || r.runId === a['run-id'])) return undefined;
      const rw = await remountReadWrite(attached, mounted, acq);
      return rollbackGuest(rw.fs, a['run-id']);
    });
    if (!result) {
      process.stdout.write(a['run-id'] ? `No conversion run ${a['run-id']} is recorded in the guest; nothing to roll back.\n` : 'No conversion is recorded in the guest; nothing to roll back.\n');
      return;
    }
    for (const d of result.done) log.verbose(d);
    process.stdout.write(`Rolled back run ${result.runId}: ${result.done.length} change(s) undone.\n`);
  },
};
