// `xen2kvm inspect CONFIG|DISK…`: attach read-only, mount, and tell what the
// guest is and what converting it needs.
import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { listed } from './table.js';
import { atomicWrite } from '../tree/files.js';
import { openGuest } from '../guest/open.js';
import { log } from '../log.js';
import { withSession } from '../session.js';
import { formatReport, inspectOpened } from '../report/inspection.js';
import { jsonDocument, jsonText } from '../report/contract.js';
import { attachOptions, dom0Options, dom0Settings, ensureWritableFileDir, guestFromTargets, openOptions, type AttachArgs, type Dom0Args } from './options.js';

interface InspectArgs extends AttachArgs, Dom0Args {
  targets: string[];
  json?: boolean;
  report?: string;
}

export const inspectCommand: CommandModule<object, InspectArgs> = {
  ...listed('inspect'),
  builder: (y) =>
    dom0Options(attachOptions(y))
      .positional('targets', { type: 'string', array: true, demandOption: true, describe: 'A Xen config (e.g. /etc/xen/test1), or disk images / devices' })
      .option('report', { type: 'string', describe: 'Write the report as JSON into FILE' })
      .example('$0 inspect /etc/xen/test1', 'Inspect the guest test1 through its Xen config')
      .example('$0 inspect /var/lib/xen/images/test1.img --json', 'Inspect a disk image, as JSON')
      .example('$0 inspect /etc/xen/test1 --disk xvda=/backup/test1.img', 'The image has moved') as never,
  handler: async (a) => {
    // Where the report goes must be writable before the guest is attached (not after the whole inspection).
    if (a.report) ensureWritableFileDir(a.report, '--report');
    const guest = await guestFromTargets(a.targets, a.disk);
    const report = await withSession(`inspect ${a.targets.join(' ')}`, async (acq) => {
      const open = await openGuest(guest.disks, { ...openOptions(a), readOnly: true, name: guest.name || undefined }, acq);
      return inspectOpened(guest, open, a.targets.join(' '), dom0Settings(a));
    });
    log.verbose('detached everything');
    const json = jsonText(jsonDocument('inspect', { guests: [{ ...report, guest: report.guest ?? a.targets.join(' '), warnings: guest.warnings, errors: [] }] }));
    if (a.report) atomicWrite(resolve(a.report), json, 0o644);
    process.stdout.write(a.json ? json : formatReport(report));
  },
};
