// `xen2kvm demo`: the whole job on a sample guest, in one command — builds a
// RHEL 5.3 PV guest image and its Xen config in a temp dir (with the package's
// own builder, dist/scripts/images/cli.js, the one the tests use), inspects it,
// converts it with diffs, prints the domain XML, and removes everything.
import { familyOf } from '../families/index.js';
import { readFileSync } from 'node:fs';
import { dir as tmpDir } from 'tmp-promise';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import type { CommandModule } from 'yargs';
import { listed } from './table.js';
import { convertGuest } from '../convert.js';
import { UserError } from '../errors.js';
import { decompressWith, inspectGuest } from '../guest/inspect.js';
import { externalDecompress } from '../guest/decompress.js';
import { openGuest } from '../guest/open.js';
import { run } from '../run.js';
import { withSession } from '../session.js';
import { parseXenConfig } from '../xen/parse.js';
import { buildReport, formatReport } from '../report/inspection.js';
import { formatResult } from '../report/conversion.js';
import { jsonDocument, jsonText } from '../report/contract.js';
import { outcome } from '../batch.js';

interface DemoArgs {
  keep?: boolean;
  json?: boolean;
}


/** Builds the sample guest with the builder the package ships (it is no part of the product's code). */
async function buildSample(dir: string): Promise<{ config: string; images: string[] }> {
  const builder = join(packageRoot(), 'dist', 'scripts', 'images', 'cli.js');
  const r = await run('node', [builder, dir, '--one', 'demo'], { advice: 'The sample guest builder needs mke2fs, sfdisk, lvm and busybox-static (scripts/setup.sh installs them).' });
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { config: string; images: string[] };
}

export const demoCommand: CommandModule<object, DemoArgs> = {
  ...listed('demo'),
  builder: (y) =>
    y.option('keep', { type: 'boolean', describe: 'Keep the sample guest and output (their folder is printed)' })
      .example('$0 demo', 'See the whole conversion on a throwaway guest (needs root: loop devices and mounts)') as never,
  handler: async (a) => {
    // With --json the show goes to stderr and stdout has one document: the inspection and the conversion.
    const say = (text: string) => (a.json ? process.stderr : process.stdout).write(text);
    const section = (title: string) => say(`\n=== ${title} ${'='.repeat(Math.max(3, 72 - title.length))}\n`);
    if (process.getuid?.() !== 0) throw new UserError('the demo needs root (it attaches and mounts a disk image)', 'Run it as root: sudo xen2kvm demo');
    const { path: dir, cleanup } = await tmpDir({ prefix: 'xen2kvm-demo-', unsafeCleanup: true });
    try {
      section('1. A Xen PV guest: RHEL 5.3 as the blog post found it');
      const started = Date.now();
      const sample = await buildSample(join(dir, 'xen'));
      say(`Disk image ${sample.images[0]} (MBR: /boot + LVM VolGroup00), Xen config ${sample.config}:\n\n`);
      say(readFileSync(sample.config, 'utf8'));
      const guest = parseXenConfig(readFileSync(sample.config, 'utf8'), sample.config);

      section('2. xen2kvm inspect: what the guest is and what it needs');
      const report = await withSession('demo inspect', async (acq) => {
        const open = await openGuest(guest.disks, { strategy: 'auto', readOnly: true, force: false, name: guest.name }, acq);
        return buildReport(guest, open, await inspectGuest(open.mounted.fs, decompressWith(externalDecompress), familyOf));
      });
      say(formatReport(report));

      section('3. xen2kvm convert --show-diff: every change, as it is made');
      const result = await convertGuest(guest, {
        dryRun: false, showDiff: !a.json, outputDir: join(dir, 'kvm'), attach: 'auto', force: false,
        domain: { machine: 'pc', bridges: { xenbr0: 'br0' }, networks: { xenbr1: 'hostonly' } },
        serialSpeed: 115200, clockFix: true, initrd: true,
      });
      say(`\n${formatResult(result)}`);

      section('4. The KVM domain (--bridge xenbr0=br0 --network xenbr1=hostonly)');
      say(result.xml);

      section('5. A second convert finds nothing to do');
      const again = await convertGuest(guest, {
        dryRun: false, showDiff: false, outputDir: join(dir, 'kvm'), attach: 'auto', force: false,
        domain: { machine: 'pc' }, serialSpeed: 115200, clockFix: true, initrd: true,
      });
      say(again.changed ? 'unexpected: it changed something\n' : 'Already converted: nothing in the guest needed changing.\n');
      if (a.json) process.stdout.write(jsonText(jsonDocument('demo', { inspection: report, guests: [outcome(result, started, sample.config, guest.warnings)] })));
      say(a.keep ? `\nKept in ${dir}.\n` : '\nThe sample guest and its output are removed. Try it on yours: xen2kvm inspect /etc/xen/GUEST\n');
    } finally {
      if (!a.keep) await cleanup();
    }
  },
};
