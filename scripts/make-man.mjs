#!/usr/bin/env node
// Writes docs/xen2kvm.1 from the CLI's own --help texts, so the man page says
// what the program says. `node scripts/make-man.mjs --check` fails when the
// committed page is out of date.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'xen2kvm');
const help = (...args) => execFileSync(bin, [...args, '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '100' } });
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const esc = (s) => s.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1').replace(/-/g, '\\-');

const top = help();
const commands = [...top.matchAll(/^ {2}xen2kvm ([a-z-]+)/gm)].map((m) => m[1]);
const out = [
  `.TH XEN2KVM 1 "" "xen2kvm ${version}" "User Commands"`,
  '.SH NAME',
  'xen2kvm \\- convert stopped Xen paravirtualized guests into KVM guests, offline',
  '.SH SYNOPSIS',
  '.B xen2kvm',
  '.I command',
  '[\\fIoptions\\fR]',
  '.SH DESCRIPTION',
  'A guest that ran under Xen PV does not boot under KVM as it is. With the guest shut down, xen2kvm parses its Xen config,',
  'attaches its disks, mounts its filesystems by its own fstab, applies the guest edits (boot loader, console, drivers,',
  'device names, initrd), unmounts and detaches, and writes the libvirt domain. Every change is shown as a diff first',
  '(\\-\\-dry\\-run), backed up inside the guest, and reversible (xen2kvm rollback).',
  '.SH COMMANDS',
];
for (const c of commands) {
  out.push(`.SS "xen2kvm ${c}"`, '.nf', esc(help(c).trimEnd()), '.fi');
}
out.push(
  '.SH EXIT STATUS',
  '.TP', '0', 'done (for convert: every guest converted, or already converted)',
  '.TP', '1', 'a system command failed, or some guests of a batch failed',
  '.TP', '2', 'bad input or a refused operation; the message says what to fix',
  '.TP', '70', 'a bug in xen2kvm; please report it with the output of \\-\\-debug',
  '.TP', '129, 130, 143', 'stopped by SIGHUP, SIGINT or SIGTERM, after undoing what the run set up',
  '.SH ENVIRONMENT',
  '.TP', 'LIBVIRT_DEFAULT_URI', 'the libvirt connection, as for virsh, when neither \\-\\-connect nor XEN2KVM_LIBVIRT_URI is given (default qemu:///system)',
  '.TP', 'XEN2KVM_LIBVIRT_URI', 'the libvirt connection for xen2kvm only; \\-\\-connect overrides it',
  '.TP', 'XEN2KVM_RUN_DIR', 'where journals, locks and mount points go (default /run/xen2kvm)',
  '.TP', 'XEN2KVM_PAUSE_AT, XEN2KVM_CRASH_AT', 'test hooks: stop at a stage, or fail with an internal error there (the crash tests use them)',
  '.TP', 'COLUMNS', 'the width help texts are wrapped to (at most 100)',
  '.SH FILES',
  '.TP', '/run/xen2kvm/', 'journals of running conversions (for xen2kvm cleanup), per-disk locks, mount points',
  '.TP', '/var/lib/xen2kvm/backup/RUN\\-ID/', 'inside each converted guest: the files as they were, and a manifest (for xen2kvm rollback)',
  '.TP', '/var/lib/libvirt/boot/NAME/', 'kernels of guests that boot directly',
  '.SH SEE ALSO',
  '.BR virsh (1),',
  '.BR virt\\-v2v (1),',
  '.BR xl.cfg (5)',
  '',
);
const page = out.join('\n');
const target = join(root, 'docs', 'xen2kvm.1');
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== page) {
    console.error('docs/xen2kvm.1 is out of date: run node scripts/make-man.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(target, page);
  console.log(`wrote ${target}`);
}
