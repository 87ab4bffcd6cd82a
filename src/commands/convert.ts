// `xen2kvm convert CONFIG`: the guest edits, then the domain XML.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { listed } from './table.js';
import { convertGuest, type ConvertOptions } from '../convert.js';
import { configName, failedOutcome, formatSummary, freeLoopDevices, outcome, runBatch, succeeded, xendDomainConfigs, xenDirConfigs, type GuestResult } from '../batch.js';
import { jsonDocument, jsonText, reported } from '../report/contract.js';
import { interruption } from '../cleanup.js';
import { atomicWrite } from '../tree/files.js';
import { FAMILIES } from '../families/index.js';
import { EnvironmentError, InputError, InterruptedError, UserError, warning, type Warning } from '../errors.js';
import { log } from '../log.js';
import { attachOptions, checkOutputPath, dom0Options, dom0Settings, type Dom0Args, ensureWritableDir, ensureWritableFileDir, openOptions, domainOptions, hostMappingOptions, loadGuest, type AttachArgs, type HostMappingArgs } from './options.js';
import { formatResult } from '../report/conversion.js';
import { convertInVm } from '../sandbox.js';
import { checkDefinable, checkReplace, registerDomain, setLibvirtUri } from '../host/virsh.js';
import type { XenGuest } from '../xen/types.js';

interface ConvertArgs extends AttachArgs, HostMappingArgs, Dom0Args {
  connect?: string;
  overwrite?: boolean;
  configs: string[];
  all?: boolean;
  'xen-dir': string;
  'xend-dir': string;
  jobs: number;
  'dry-run'?: boolean;
  'show-diff'?: boolean;
  'output-dir': string;
  'no-initrd'?: boolean;
  initrd?: boolean;
  'serial-speed': number;
  'clock-fix'?: boolean;
  only?: string;
  json?: boolean;
  report?: string;
  define?: boolean;
  autostart?: boolean;
  'boot-dir'?: string;
  sandbox: 'none' | 'vm';
}

export const convertCommand: CommandModule<object, ConvertArgs> = {
  ...listed('convert'),
  builder: (y) =>
    dom0Options(hostMappingOptions(attachOptions(y)))
      .positional('configs', { type: 'string', array: true, describe: 'Xen configs of the guests, e.g. /etc/xen/test1' })
      .option('all', { type: 'boolean', describe: 'Every guest config in --xen-dir' })
      .option('overwrite', { type: 'boolean', describe: 'With --define: replace a libvirt domain of the same name (its XML is kept; rollback defines it again)' })
      .option('connect', { alias: 'c', type: 'string', describe: 'libvirt URI for --define, as virsh -c (default: $LIBVIRT_DEFAULT_URI, else qemu:///system)' })
      .option('xen-dir', { type: 'string', default: '/etc/xen', describe: 'Where --all looks for guest configs' })
      .option('xend-dir', { type: 'string', default: '/var/lib/xend/domains', describe: 'Where --all looks for xend\'s managed guests (UUID/config.sxp)' })
      .option('jobs', { alias: 'j', type: 'number', default: 1, describe: 'Guests converted at once (batch)' })
      .option('dry-run', { alias: 'n', type: 'boolean', describe: 'Attach read-only and show the diffs of what would change; write nothing' })
      .option('show-diff', { type: 'boolean', describe: 'Print the unified diff of every change' })
      .option('output-dir', { alias: 'o', type: 'string', default: './xen2kvm-out', describe: 'Where the domain XML goes (DIR/NAME.xml)' })
      .option('initrd', { type: 'boolean', default: true, describe: 'Rebuild the initrd with virtio drivers (--no-initrd to skip)' })
      .option('serial-speed', { type: 'number', default: 115200, describe: 'Serial console speed (the seed post uses 9600)' })
      .option('clock-fix', { type: 'boolean', default: true, describe: 'RHEL 5.0-5.3: add divider=10 notsc and enable ntpd (--no-clock-fix to skip)' })
      .option('only', { type: 'string', describe: 'Apply only these edits (comma-separated ids; see xen2kvm list-edits)' })
      .option('report', { type: 'string', describe: 'Write the result (or a batch\'s report) as JSON into FILE' })
      .option('define', { type: 'boolean', describe: 'Register the domain with libvirt (virsh define, after virt-xml-validate)' })
      .option('autostart', { type: 'boolean', describe: 'With --define: start the domain when the host boots (virsh autostart)' })
      .option('sandbox', { choices: ['none', 'vm'] as const, default: 'none' as const, describe: 'vm: attach, mount and edit the guest inside a throwaway VM (qemu), for images you do not trust' })
      .option('boot', { choices: ['auto', 'mbr', 'direct'] as const, default: 'auto' as const, describe: 'When the MBR has no boot loader (pygrub guests): install the guest\'s GRUB there (mbr), boot its kernel directly from the domain (direct), or choose (auto: mbr when the guest has GRUB 2 for BIOS)' })
      .option('boot-dir', { type: 'string', default: '/var/lib/libvirt/boot', describe: 'Where kernels of guests booted directly are copied (DIR/NAME/)' })
      .example('$0 convert /etc/xen/test1 --dry-run', 'See every change as a diff, change nothing')
      .example('$0 convert /etc/xen/test1 --bridge xenbr0=br0 --network xenbr1=hostonly', 'Convert, with the NICs on br0 and the hostonly network')
      .example('$0 convert /etc/xen/test1 --only initrd,grub-console', 'Re-apply two edits (recovery)')
      .example('$0 convert --all --jobs 2 --report report.json', 'Every guest in /etc/xen, two at a time, with a JSON report') as never,
  handler: async (a) => {
    setLibvirtUri(a.connect);
    if (a.autostart && !a.define) throw new UserError('--autostart goes with --define');
    if (a.overwrite && !a.define) throw new UserError('--overwrite goes with --define');
    if (a.define && !a['dry-run']) checkDefinable(a['domain-type'] ?? 'kvm');
    if (![9600, 19200, 38400, 57600, 115200].includes(a['serial-speed'])) throw new UserError(`--serial-speed ${a['serial-speed']}: use 9600, 19200, 38400, 57600 or 115200`);
    if (!Number.isInteger(a.jobs) || a.jobs < 1) throw new UserError('--jobs takes a whole number from 1');
    const configs = [...(a.configs ?? [])];
    if (a.all) {
      // The default /etc/xen may be missing where xend keeps every guest; a --xen-dir given must be there.
      const xenDirGiven = process.argv.some((x) => x === '--xen-dir' || x.startsWith('--xen-dir='));
      const found = xenDirConfigs(a['xen-dir'], xenDirGiven);
      configs.push(...found.configs.filter((c) => !configs.includes(c)));
      for (const f of found.skipped) log.verbose(`${a['xen-dir']}/${f}: not a guest config; skipped`);
      // And the guests xend manages, which have no /etc/xen file.
      const xend = xendDomainConfigs(a['xend-dir'], new Set(configs.map(configName).filter((n): n is string => !!n)));
      configs.push(...xend.configs.filter((c) => !configs.includes(c)));
      for (const f of xend.skipped) log.verbose(`${f}: skipped`);
      if (found.configs.length + xend.configs.length === 0) {
        const none = `no guest configs in ${a['xen-dir']}${existsSync(a['xen-dir']) ? '' : ' (it does not exist)'} and no xend domains in ${a['xend-dir']}`;
        throw existsSync(a['xen-dir']) ? new UserError(none) : new EnvironmentError(none, 'Run xen2kvm on the Xen host (or where its configs are copied: --xen-dir DIR), or name the configs themselves.');
      }
    }
    if (configs.length === 0) throw new UserError('name the Xen configs to convert, or --all', 'e.g. xen2kvm convert /etc/xen/test1');
    const jsonFile = a.report ? resolve(a.report) : undefined;
    if (jsonFile && configs.some((c) => resolve(c) === jsonFile)) throw new UserError(`--report ${a.report} is one of the configs; name another file for the report`);
    // Where results go must be writable before any guest is touched.
    if (!a['dry-run']) ensureWritableDir(resolve(a['output-dir']), '--output-dir');
    if (!a['dry-run'] && a['boot-dir']) checkOutputPath(resolve(a['boot-dir']), '--boot-dir');
    if (jsonFile) ensureWritableFileDir(jsonFile, '--report');
    const options: ConvertOptions = {
      dryRun: !!a['dry-run'],
      showDiff: !!a['show-diff'] && !a.json,
      outputDir: resolve(a['output-dir']),
      attach: a.attach ?? 'auto',
      keys: openOptions(a).keys,
      allowBacking: openOptions(a).allowBacking,
      ...(a.root ? { root: a.root } : {}),
      force: !!a.force,
      domain: domainOptions(a),
      serialSpeed: a['serial-speed'],
      clockFix: a['clock-fix'] !== false,
      initrd: a.initrd !== false,
      dom0: dom0Settings(a),
      ...(a.only ? { only: a.only.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
      define: !!a.define,
      autostart: !!a.autostart,
      bootDir: resolve(a['boot-dir'] ?? '/var/lib/libvirt/boot'),
      boot: (a.boot ?? 'auto') as ConvertOptions['boot'],
    };
    // Bad input stops the batch before any guest is touched: every config is read first.
    const guests = [];
    const problems: UserError[] = [];
    for (const c of configs) {
      try {
        const g = await loadGuest(c, configs.length === 1 ? a.disk : undefined);
        guests.push({ name: g.name, config: c, guest: g });
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        problems.push(e);
      }
    }
    if (problems.length) {
      const advice = 'Fix the configs named above; no guest was touched.';
      // Errors located in the configs stay bad input (file, line); a config that cannot be read is another refusal.
      throw problems.every((p) => p instanceof InputError) ? new InputError(problems.flatMap((p) => (p as InputError).problems), advice) : new UserError(problems.map((p) => p.message).join('\n'), advice);
    }
    const names = guests.map((g) => g.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new UserError(`two configs name the guest ${dup}; each domain needs its own name`);
    // A domain of the same name is never replaced silently: refused, or (--overwrite) kept for rollback.
    if (options.define && !options.dryRun) {
      options.previousDomains = await checkReplace(names, !!a.overwrite);
      for (const [name, xml] of Object.entries(options.previousDomains)) {
        const keep = join(options.outputDir, `${name}.previous.xml`);
        await atomicWrite(keep, xml, 0o600);
        log.info(`the libvirt domain ${name} will be replaced (--overwrite); its XML is kept in ${keep} and in the guest's run record`);
      }
    }

    if (a.sandbox === 'vm') {
      if (guests.length !== 1 || a.all) throw new UserError('--sandbox vm converts one guest at a time', 'Name one config (a batch of untrusted guests: run them one by one).');
      await convertSandboxed(guests[0].guest, a, options);
      return;
    }

    // One guest or a batch: one report shape (the JSON contract's guests[]).
    const started = new Date();
    const commandWarnings: Warning[] = [];
    const report = (entries: GuestResult[], jobs: number) => jsonText(jsonDocument('convert', { started: started.toISOString(), dryRun: options.dryRun, jobs, guests: entries }, { ok: entries.every((r) => succeeded(r.result)), warnings: commandWarnings }));
    if (guests.length === 1 && !a.all) {
      const g = guests[0];
      let result;
      try {
        result = await convertGuest(g.guest, options);
      } catch (e) {
        const text = report([failedOutcome(g, e, started.getTime())], 1);
        if (jsonFile) await atomicWrite(jsonFile, text, 0o644);
        if (!a.json) throw e;
        process.stdout.write(text);
        throw reported(e);
      }
      const text = report([outcome(result, started.getTime(), g.config, g.guest.warnings)], 1);
      if (jsonFile) await atomicWrite(jsonFile, text, 0o644);
      process.stdout.write(a.json ? text : formatResult(result));
      // Warnings on stderr, in text and JSON mode alike (JSON also has them in "warnings").
      for (const w of result.warnings) log.warn(w.message);
      return;
    }

    // A batch: enough loop devices for every guest at once (RHEL 5's mkinitrd needs one of its own too).
    let jobs = Math.min(a.jobs, guests.length);
    const free = freeLoopDevices();
    if (free < jobs * 6) {
      const fit = Math.max(1, Math.floor(free / 6));
      if (fit < jobs) {
        commandWarnings.push(warning('few-loop-devices', `only ${free} loop devices are free; converting ${fit} guest(s) at a time instead of ${jobs}`));
        log.warn(commandWarnings[commandWarnings.length - 1].message);
        jobs = fit;
      }
    }
    const interactive = !!process.stderr.isTTY && !a.json && !a.verbose;
    const results = await runBatch(guests, options, jobs, interactive);
    const text = report(results, jobs);
    if (jsonFile) await atomicWrite(jsonFile, text, 0o644);
    process.stdout.write(a.json ? text : formatSummary(results, options.dryRun));
    // Every guest's warnings on stderr, under the table.
    for (const r of results) for (const w of r.warnings) log.warn(`${r.guest}: ${w.message}`);
    const sig = interruption();
    if (sig) throw new InterruptedError(sig);
    if (results.some((r) => !succeeded(r.result))) process.exitCode = 1;
  },
};

/** One guest through a throwaway VM; the host moves the results into place and defines the domain when asked. */
async function convertSandboxed(guest: XenGuest, a: ConvertArgs, options: ConvertOptions): Promise<void> {
  const argv = process.argv.slice(2);
  const r = await convertInVm(guest, { dryRun: options.dryRun, outputDir: options.outputDir, bootDir: options.bootDir!, domain: options.domain, ...(options.allowBacking ? { allowBacking: options.allowBacking } : {}), argv: argv[0] === 'convert' ? argv.slice(1) : argv });
  process.stderr.write(r.stderr);
  if (a.json && r.report) process.stdout.write(`${JSON.stringify({ ...r.report, sandbox: { vm: true, seconds: r.seconds } }, null, 2)}\n`);
  else process.stdout.write(r.stdout);
  if (a.report && r.report) await atomicWrite(resolve(a.report), `${JSON.stringify({ ...r.report, sandbox: { vm: true, seconds: r.seconds } }, null, 2)}\n`, 0o644);
  if (r.exitCode !== 0) {
    process.exitCode = r.exitCode;
    return;
  }
  if (options.define && r.domainXml) {
    for (const l of await registerDomain(guest.name, readFileSync(r.domainXml, 'utf8'), r.domainXml, !!options.autostart)) process.stdout.write(`Done: ${l}\n`);
  }
  const ms = (r.report?.guests as { timings?: Record<string, number> }[] | undefined)?.[0]?.timings ?? {};
  const inside = Object.values(ms).reduce((n, x) => n + x, 0) / 1000;
  if (!a.json) process.stdout.write(`Sandbox: the conversion ran in a throwaway VM: ${r.seconds.toFixed(0)} s in all (of which the conversion inside ${inside.toFixed(1)} s, under qemu's emulation); the same guest converted on the host takes about a second (npm run bench).\n`);
}

export const listEditsCommand: CommandModule<object, { json?: boolean }> = {
  ...listed('list-edits'),
  builder: (y) => y.example('$0 list-edits', 'The edit ids --only takes') as never,
  handler: (a) => {
    if (a.json) {
      const families = FAMILIES.map((f) => ({ family: f.key, label: f.label, edits: f.edits.map((e) => ({ id: e.id, describe: e.describe })) }));
      process.stdout.write(jsonText(jsonDocument('list-edits', { families })));
      return;
    }
    const width = Math.max(...FAMILIES.flatMap((f) => f.edits.map((e) => e.id.length)));
    FAMILIES.forEach((family, i) => {
      process.stdout.write(`${i ? '\n' : ''}${family.label}:\n`);
      for (const e of family.edits) process.stdout.write(`  ${e.id.padEnd(width)}  ${e.describe}\n`);
    });
  },
};
