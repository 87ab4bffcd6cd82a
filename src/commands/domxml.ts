// `xen2kvm domxml CONFIG`: the KVM domain XML for a Xen config, on stdout.
import { readFile } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { UserError } from '../errors.js';
import { renderDomainXml, type DomainOptions } from '../host/domain-xml.js';
import { log } from '../log.js';
import { parseXenConfig } from '../xen/parse.js';
import type { XenGuest } from '../xen/types.js';
import { parsePairs } from '../cli.js';

export interface HostMappingArgs {
  bridge?: string[];
  network?: string[];
  machine?: string;
  emulator?: string;
  'hvm-virtio'?: boolean;
  disk?: string[];
  hugepages?: boolean;
}

interface DomxmlArgs extends HostMappingArgs {
  config: string;
  'print-guest'?: boolean;
}

/** Reads and parses a Xen config file; a missing file is a user error. */
export async function loadGuest(file: string, diskOverrides?: string[]): Promise<XenGuest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UserError(`cannot read the Xen config ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, 'Give the path of a guest config, e.g. /etc/xen/GUEST.');
  }
  const guest = parseXenConfig(text, file);
  applyDiskOverrides(guest, diskOverrides ?? []);
  for (const w of guest.warnings) log.warn(w);
  for (const k of guest.unknownKeys) log.verbose(`${file}:${k.pos.line}:${k.pos.column}: key ${k.key} is not used for KVM`);
  return guest;
}

/** `--disk VDEV=PATH`: the disk moved since the config was written. */
export function applyDiskOverrides(guest: XenGuest, overrides: string[]): void {
  const pairs = parsePairs('disk', overrides);
  for (const [vdev, path] of Object.entries(pairs)) {
    const disk = guest.disks.find((d) => d.vdev === vdev);
    if (!disk) throw new UserError(`--disk ${vdev}=${path}: the guest has no disk ${vdev} (it has ${guest.disks.map((d) => d.vdev).join(', ') || 'none'})`);
    if (!path.startsWith('/')) throw new UserError(`--disk ${vdev}=${path}: give an absolute path`);
    disk.path = path;
    disk.sourceKind = path.startsWith('/dev/') ? 'block' : 'file';
  }
}

/** The DomainOptions from the shared host-mapping flags. */
export function domainOptions(a: HostMappingArgs): DomainOptions {
  return {
    machine: a.machine ?? 'pc',
    bridges: parsePairs('bridge', a.bridge),
    networks: parsePairs('network', a.network),
    hvmVirtio: !!a['hvm-virtio'],
    ...(a.hugepages ? { hugepages: true } : {}),
    ...(a.emulator ? { emulator: a.emulator } : {}),
  };
}

/** `--disk VDEV=PATH`, for every command that reads a guest's disks from its config. */
export function diskOption<T>(y: import('yargs').Argv<T>) {
  return y.option('disk', { type: 'string', array: true, describe: 'Use PATH for the disk VDEV instead of the config\'s (VDEV=PATH, repeatable)' });
}

/** The host-mapping options shared by domxml and convert. */
export function hostMappingOptions<T>(y: import('yargs').Argv<T>) {
  return y
    .option('bridge', { type: 'string', array: true, describe: 'Put NICs on Xen bridge A on host bridge B (A=B, repeatable)' })
    .option('network', { type: 'string', array: true, describe: 'Put NICs on Xen bridge A on libvirt network NET (A=NET, repeatable)' })
    .option('machine', { type: 'string', default: 'pc', describe: 'QEMU machine type (pc or q35)' })
    .option('emulator', { type: 'string', describe: 'Path of the QEMU emulator to name in the XML' })
    .option('hvm-virtio', { type: 'boolean', describe: 'Give HVM guests virtio disks and NICs (only if they have virtio drivers)' })
    .option('hugepages', { type: 'boolean', describe: 'Back the guest\'s memory with hugepages (see host-prep --hugepages-for)' });
}

export const domxmlCommand: CommandModule<object, DomxmlArgs> = {
  command: 'domxml <config>',
  describe: 'Print the KVM domain XML for a Xen guest config',
  builder: (y) =>
    diskOption(hostMappingOptions(y))
      .positional('config', { type: 'string', demandOption: true, describe: 'Xen config file (xm or xl syntax), e.g. /etc/xen/test1' })
      .option('print-guest', { type: 'boolean', describe: 'Print the parsed guest model as JSON instead' })
      .example('$0 domxml /etc/xen/test1 --bridge xenbr0=br0 --network xenbr1=hostonly', 'KVM XML with the NICs moved to br0 and the hostonly network')
      .example('$0 domxml /etc/xen/test1 --print-guest', 'What xen2kvm understood of the config, as JSON') as never,
  handler: async (a) => {
    const guest = await loadGuest(a.config, a.disk);
    if (a['print-guest']) {
      process.stdout.write(`${JSON.stringify(guest, null, 2)}\n`);
      return;
    }
    const rendered = renderDomainXml(guest, domainOptions(a));
    for (const w of rendered.warnings) log.warn(w);
    process.stdout.write(rendered.xml);
  },
};
