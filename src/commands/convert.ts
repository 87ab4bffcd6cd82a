// `xen2kvm convert CONFIG`: the guest edits, then the domain XML.
import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { convertGuest, type ConvertResult } from '../convert.js';
import { RHEL_EDITS } from '../edits/index.js';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { attachOptions, type AttachArgs } from './inspect.js';
import { domainOptions, hostMappingOptions, loadGuest, type HostMappingArgs } from './domxml.js';

interface ConvertArgs extends AttachArgs, HostMappingArgs {
  config: string;
  'dry-run'?: boolean;
  'show-diff'?: boolean;
  'output-dir': string;
  'no-initrd'?: boolean;
  initrd?: boolean;
  'serial-speed': number;
  'clock-fix'?: boolean;
  only?: string;
  json?: boolean;
  define?: boolean;
  autostart?: boolean;
  'boot-dir'?: string;
}

export function formatResult(r: ConvertResult): string {
  const out: string[] = [];
  const width = Math.max(...r.edits.map((e) => e.id.length));
  out.push(`${r.dryRun ? 'Dry run — nothing was written. ' : ''}Guest ${r.guest}: kernel ${r.kernel} boots under KVM.`);
  for (const e of r.edits) {
    const state = e.changed ? (r.dryRun ? 'would change' : 'changed') : 'unchanged';
    out.push(`  ${state.padEnd(12)} ${e.id.padEnd(width)}  ${e.changed ? e.files.join(', ') : e.describe}`);
  }
  if (!r.changed) out.push('Already converted: nothing in the guest needed changing.');
  else if (!r.dryRun && r.runId) out.push(`Backups of every changed file are in the guest under /var/lib/xen2kvm/backup/${r.runId}/ (xen2kvm rollback puts them back).`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
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

export const convertCommand: CommandModule<object, ConvertArgs> = {
  command: 'convert <config>',
  describe: 'Convert a stopped Xen guest for KVM: edit its disks, then write its libvirt domain XML',
  builder: (y) =>
    hostMappingOptions(attachOptions(y))
      .positional('config', { type: 'string', demandOption: true, describe: 'The guest\'s Xen config, e.g. /etc/xen/test1' })
      .option('dry-run', { alias: 'n', type: 'boolean', describe: 'Attach read-only and show the diffs of what would change; write nothing' })
      .option('show-diff', { type: 'boolean', describe: 'Print the unified diff of every change' })
      .option('output-dir', { alias: 'o', type: 'string', default: './xen2kvm-out', describe: 'Where the domain XML goes (DIR/NAME.xml)' })
      .option('initrd', { type: 'boolean', default: true, describe: 'Rebuild the initrd with virtio drivers (--no-initrd to skip)' })
      .option('serial-speed', { type: 'number', default: 115200, describe: 'Serial console speed (the seed post uses 9600)' })
      .option('clock-fix', { type: 'boolean', default: true, describe: 'RHEL 5.0-5.3: add divider=10 notsc and enable ntpd (--no-clock-fix to skip)' })
      .option('only', { type: 'string', describe: 'Apply only these edits (comma-separated ids; see xen2kvm list-edits)' })
      .option('json', { type: 'boolean', describe: 'Print the result as JSON' })
      .option('define', { type: 'boolean', describe: 'Register the domain with libvirt (virsh define, after virt-xml-validate)' })
      .option('autostart', { type: 'boolean', describe: 'With --define: start the domain when the host boots (virsh autostart)' })
      .option('boot-dir', { type: 'string', default: '/var/lib/libvirt/boot', describe: 'Where kernels of guests booted directly are copied (DIR/NAME/)' })
      .example('$0 convert /etc/xen/test1 --dry-run', 'See every change as a diff, change nothing')
      .example('$0 convert /etc/xen/test1 --bridge xenbr0=br0 --network xenbr1=hostonly', 'Convert, with the NICs on br0 and the hostonly network')
      .example('$0 convert /etc/xen/test1 --only initrd,grub-console', 'Re-apply two edits (recovery)') as never,
  handler: async (a) => {
    if (a.autostart && !a.define) throw new UserError('--autostart goes with --define');
    if (![9600, 19200, 38400, 57600, 115200].includes(a['serial-speed'])) throw new UserError(`--serial-speed ${a['serial-speed']}: use 9600, 19200, 38400, 57600 or 115200`);
    const guest = await loadGuest(a.config, a.disk);
    const result = await convertGuest(guest, {
      dryRun: !!a['dry-run'],
      showDiff: !!a['show-diff'] && !a.json,
      outputDir: resolve(a['output-dir']),
      attach: a.attach ?? 'auto',
      ...(a.root ? { root: a.root } : {}),
      force: !!a.force,
      domain: domainOptions(a),
      serialSpeed: a['serial-speed'],
      clockFix: a['clock-fix'] !== false,
      initrd: a.initrd !== false,
      ...(a.only ? { only: a.only.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
      define: !!a.define,
      autostart: !!a.autostart,
      bootDir: resolve(a['boot-dir'] ?? '/var/lib/libvirt/boot'),
    });
    if (a.json) {
      const { xml: _xml, ...rest } = result;
      process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
    } else {
      process.stdout.write(formatResult(result));
    }
    log.verbose('done');
  },
};

export const listEditsCommand: CommandModule<object, object> = {
  command: 'list-edits',
  describe: 'List the guest edits convert makes, in order',
  handler: () => {
    const width = Math.max(...RHEL_EDITS.map((e) => e.id.length));
    for (const e of RHEL_EDITS) process.stdout.write(`${e.id.padEnd(width)}  ${e.describe}\n`);
  },
};
