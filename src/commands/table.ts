// The commands as `xen2kvm --help` lists them, and where each one's code is. The CLI loads
// only the command it runs (its options, its handler and what they import: a chunk of its
// own in the bundle), so `xen2kvm --help` loads none and `xen2kvm domxml` not convert's.
import type { CommandModule } from 'yargs';

// Each command's arguments have their own type; the table only passes the module on to yargs.
export type AnyCommand = CommandModule<object, any>;

export interface CommandEntry {
  /** yargs' command string: the name and its positionals. */
  command: string;
  describe: string;
  load: () => Promise<AnyCommand>;
}

/** In the order --help lists them (completion goes after demo: cli.ts adds it). */
export const COMMAND_TABLE = {
  domxml: { command: 'domxml <config>', describe: 'Print the KVM domain XML for a Xen guest config', load: async () => (await import('./domxml.js')).domxmlCommand },
  inspect: { command: 'inspect <targets..>', describe: 'Attach a stopped guest read-only and report its OS, kernels, boot loader and what converting it needs', load: async () => (await import('./inspect.js')).inspectCommand },
  convert: { command: 'convert [configs..]', describe: 'Convert stopped Xen guests for KVM: edit their disks, then write their libvirt domain XML', load: async () => (await import('./convert.js')).convertCommand },
  rollback: { command: 'rollback <targets..>', describe: 'Undo a conversion: restore the guest\'s files (and old initrd) from its backups', load: async () => (await import('./rollback.js')).rollbackCommand },
  runs: { command: 'runs <targets..>', describe: 'List the conversion runs recorded in a guest (what rollback --run-id takes)', load: async () => (await import('./rollback.js')).runsCommand },
  'list-edits': { command: 'list-edits', describe: 'List the guest edits convert makes, per family, in order', load: async () => (await import('./convert.js')).listEditsCommand },
  'host-prep': { command: 'host-prep', describe: 'Prepare the KVM host: bridge, libvirt networks, Xen services off, sysctl, hugepages', load: async () => (await import('./host-prep.js')).hostPrepCommand },
  demo: { command: 'demo', describe: 'Build a sample RHEL 5 Xen PV guest, inspect it, convert it with diffs, show its KVM domain, clean up', load: async () => (await import('./demo.js')).demoCommand },
  cleanup: { command: 'cleanup', describe: 'Undo what killed xen2kvm runs left attached or mounted', load: async () => (await import('./cleanup.js')).cleanupCommand },
} satisfies Record<string, CommandEntry>;

export type CommandName = keyof typeof COMMAND_TABLE;

/** A command's name and description from the table, for its module (one place for what --help lists). */
export function listed(name: CommandName): { command: string; describe: string } {
  const { command, describe } = COMMAND_TABLE[name];
  return { command, describe };
}
