// `xen2kvm cleanup`: undo what runs that were killed (SIGKILL, power loss of the
// tool) left attached or mounted, from their journals under /run/xen2kvm.
import { unlinkSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { listed } from './table.js';
import { describeAcquisition, pidAlive, readJournals } from '../image/journal.js';
import { undoAcquisition } from '../image/acquire.js';
import { log } from '../log.js';
import { jsonDocument, jsonText } from '../report/contract.js';

export interface CleanupResult {
  runs: number;
  undone: string[];
  failed: string[];
}

/** Undoes what dead runs left (or, with `dryRun`, only lists it). */
export async function cleanupDeadRuns(dryRun = false): Promise<CleanupResult> {
  const result: CleanupResult = { runs: 0, undone: [], failed: [] };
  for (const j of readJournals()) {
    if (j.data.pid !== process.pid && pidAlive(j.data.pid)) {
      log.verbose(`run ${j.data.runId} (pid ${j.data.pid}) is still running; left alone`);
      continue;
    }
    result.runs++;
    let ok = true;
    for (const a of [...j.data.entries].reverse()) {
      if (dryRun) {
        result.undone.push(describeAcquisition(a));
        continue;
      }
      try {
        await undoAcquisition(a);
        result.undone.push(describeAcquisition(a));
      } catch (e) {
        ok = false;
        result.failed.push(`${describeAcquisition(a)}: ${(e as Error).message}`);
      }
    }
    if (ok && !dryRun) unlinkSync(j.path);
  }
  return result;
}

export const cleanupCommand: CommandModule<object, { 'dry-run'?: boolean; json?: boolean }> = {
  ...listed('cleanup'),
  builder: (y) =>
    y
      .option('dry-run', { alias: 'n', type: 'boolean', describe: 'Say what would be undone; undo nothing' })
      .example('$0 cleanup', 'After a run was killed with kill -9')
      .example('$0 cleanup --dry-run', 'What a cleanup would undo') as never,
  handler: async (a) => {
    const dryRun = a['dry-run'] === true;
    const r = await cleanupDeadRuns(dryRun);
    if (r.failed.length > 0) process.exitCode = 1;
    if (a.json) {
      const errors = r.failed.map((f) => ({ code: 'command-failed' as const, message: `could not undo ${f}`, exitCode: 1 }));
      process.stdout.write(jsonText(jsonDocument('cleanup', { dryRun, runs: r.runs, [dryRun ? 'wouldUndo' : 'undone']: r.undone }, { errors })));
      return;
    }
    if (r.runs === 0) {
      log.info('nothing to clean up');
      return;
    }
    if (dryRun) {
      process.stdout.write(`Would undo, for ${r.runs} run(s) no longer running (dry run; nothing was changed):\n${r.undone.map((u) => `  ${u}\n`).join('')}`);
      return;
    }
    for (const u of r.undone) log.info(`undone: ${u}`);
    for (const f of r.failed) log.error(`xen2kvm: could not undo ${f}`);
  },
};
