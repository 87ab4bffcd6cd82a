// `xen2kvm domxml CONFIG`: the KVM domain XML for a Xen config, on stdout.
import type { CommandModule } from 'yargs';
import { listed } from './table.js';
import { renderDomainXml } from '../host/domain-xml.js';
import { validateXml } from '../host/virsh.js';
import { log } from '../log.js';
import { jsonDocument, jsonText } from '../report/contract.js';
import { diskOption, domainOptions, hostMappingOptions, loadGuest, type HostMappingArgs } from './options.js';

interface DomxmlArgs extends HostMappingArgs {
  config: string;
  'print-guest'?: boolean;
  json?: boolean;
}

export const domxmlCommand: CommandModule<object, DomxmlArgs> = {
  ...listed('domxml'),
  builder: (y) =>
    diskOption(hostMappingOptions(y))
      .positional('config', { type: 'string', demandOption: true, describe: 'Xen config file (xm or xl syntax), e.g. /etc/xen/test1' })
      .option('print-guest', { type: 'boolean', describe: 'Print the parsed guest model as JSON instead (with --json: as "model" in the document)' })
      .example('$0 domxml /etc/xen/test1 --bridge xenbr0=br0 --network xenbr1=hostonly', 'KVM XML with the NICs moved to br0 and the hostonly network')
      .example('$0 domxml /etc/xen/test1 --json', 'The XML and its warnings in one JSON object')
      .example('$0 domxml /etc/xen/test1 --print-guest', 'What xen2kvm understood of the config, as JSON') as never,
  handler: async (a) => {
    const guest = await loadGuest(a.config, a.disk);
    if (a['print-guest'] && !a.json) {
      process.stdout.write(`${JSON.stringify(guest, null, 2)}\n`);
      return;
    }
    const rendered = renderDomainXml(guest, domainOptions(a));
    // Checked against libvirt's schema before it is printed (when xmllint and the schema, or virt-xml-validate, are installed).
    const validated = await validateXml(rendered.xml, 'domain');
    if (!validated) log.verbose('neither libvirt\'s schema with xmllint nor virt-xml-validate is installed; the domain XML was not checked');
    const entry = {
      guest: guest.name, config: a.config, xml: rendered.xml, validated,
      ...(a['print-guest'] ? { model: guest } : {}),
      warnings: [...guest.warnings, ...rendered.warnings], errors: [],
    };
    process.stdout.write(a.json ? jsonText(jsonDocument('domxml', { guests: [entry] })) : rendered.xml);
    // Warnings on stderr, after the result (the config's own were said when it was read).
    for (const w of rendered.warnings) log.warn(w.message);
  },
};
