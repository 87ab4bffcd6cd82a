// Recorded runs, pure: summaries, the undo plan rollback --dry-run prints, and the
// refusal of a --run-id that is not recorded.
import t from 'tap';
import type { Manifest } from '../../src/tree/manifest.js';
import { definedDomainOf, describeUndo, formatRuns, runsToUndo, summarizeRun, undoPlan } from '../../src/tree/runs.js';
import { UserError } from '../../src/errors.js';

const first: Manifest = {
  runId: '20261201T100000-aaaaaa',
  created: '2026-12-01T10:00:00.000Z',
  guest: 'rhel5',
  kernel: '2.6.18-128.el5',
  createdDirs: [],
  complete: true,
  entries: [
    { action: 'modified', edit: 'grub-default', path: '/boot/grub/grub.conf', backup: 'files/1', mode: 0o600, uid: 0, gid: 0, sha256Before: 'a', sha256After: 'b' },
    { action: 'created', edit: 'modprobe', path: '/etc/modprobe.conf', sha256After: 'c' },
    { action: 'renamed', edit: 'kudzu', from: '/etc/rc.d/rc3.d/S05kudzu', to: '/etc/rc.d/rc3.d/K95kudzu' },
  ],
};
const second: Manifest = {
  runId: '20261202T100000-bbbbbb',
  created: '2026-12-02T10:00:00.000Z',
  guest: 'rhel5',
  kernel: '2.6.18-128.el5',
  settings: { bootFiles: JSON.stringify(['/var/lib/libvirt/boot/rhel5/vmlinuz', 'relative-is-ignored']) },
  createdDirs: [],
  complete: false,
  entries: [
    { action: 'symlinked', edit: 'serial-getty', path: '/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service', target: '/lib/systemd/system/serial-getty@.service' },
    { action: 'region', edit: 'grub-install', disk: 'xvda', offset: 0, length: 1048576, backup: 'region/xvda', sha256Before: 'd' },
  ],
};

t.test('a run is summarized from its manifest', async (t) => {
  t.same(summarizeRun(first), { runId: first.runId, created: first.created, kernel: first.kernel, complete: true, changes: 3, edits: ['grub-default', 'modprobe', 'kudzu'], bootFiles: [] });
  t.same(summarizeRun(second).bootFiles, ['/var/lib/libvirt/boot/rhel5/vmlinuz'], 'only absolute host paths count as boot files');
  t.same(summarizeRun({ ...second, settings: { bootFiles: 'not json' } }).bootFiles, [], 'a damaged setting is no boot file');
  const text = formatRuns([summarizeRun(first), summarizeRun(second)]);
  t.match(text, /^2 conversion run\(s\) recorded in the guest, oldest first:/);
  t.match(text, /20261201T100000-aaaaaa .* 3 change\(s\)\n/);
  t.match(text, /20261202T100000-bbbbbb .* 2 change\(s\) \(interrupted\) — latest/);
  t.match(text, /boot files on the host: \/var\/lib\/libvirt\/boot\/rhel5\/vmlinuz/);
  t.equal(formatRuns([]), 'No conversion run is recorded in the guest.\n');
});

t.test('the undo plan is rollback\'s order: newest run first, its entries newest first', async (t) => {
  t.same(undoPlan([first, second]), [
    '20261202T100000-bbbbbb: restore bytes 0–1048576 of disk xvda (grub-install)',
    '20261202T100000-bbbbbb: remove the link /etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service → /lib/systemd/system/serial-getty@.service (serial-getty)',
    '20261202T100000-bbbbbb: remove /var/lib/libvirt/boot/rhel5/vmlinuz on this host (copied for direct boot)',
    '20261201T100000-aaaaaa: rename /etc/rc.d/rc3.d/K95kudzu back to /etc/rc.d/rc3.d/S05kudzu (kudzu)',
    '20261201T100000-aaaaaa: remove /etc/modprobe.conf (modprobe)',
    '20261201T100000-aaaaaa: restore /boot/grub/grub.conf from its backup (grub-default)',
  ]);
  t.equal(describeUndo({ action: 'created', edit: 'x', path: '/var/lib/xen2kvm', sha256After: '', dir: true }), 'remove the directory /var/lib/xen2kvm if empty (x)');
  t.same(undoPlan([]), []);
});

t.test('which runs a rollback undoes', async (t) => {
  t.same(runsToUndo([first, second], {}, 'cfg').map((r) => r.runId), [second.runId], 'the latest by default');
  t.same(runsToUndo([first, second], { all: true }, 'cfg').map((r) => r.runId), [first.runId, second.runId]);
  t.same(runsToUndo([first, second], { runId: first.runId }, 'cfg').map((r) => r.runId), [first.runId]);
  t.same(runsToUndo([], {}, 'cfg'), []);
  try {
    runsToUndo([first, second], { runId: '20261203T1-typo' }, '/etc/xen/rhel5');
    t.fail('an unknown run id must be refused');
  } catch (e) {
    t.ok(e instanceof UserError, 'a user error (exit 2)');
    t.match((e as UserError).message, /no conversion run 20261203T1-typo is recorded in \/etc\/xen\/rhel5; recorded: 20261201T100000-aaaaaa \(2026-12-01T10:00:00.000Z\), 20261202T100000-bbbbbb/);
    t.match((e as UserError).advice, /xen2kvm runs \/etc\/xen\/rhel5/);
  }
  t.throws(() => runsToUndo([], { runId: 'x' }, 'cfg'), /no run is recorded there/);
});

t.test('a run that defined a libvirt domain: rollback undefines it, and defines the one it replaced', async (t) => {
  const defined: Manifest = { ...first, settings: { definedDomain: 'rhel5', libvirtUri: 'qemu:///system', previousDomainXml: '<domain/>' } };
  t.same(definedDomainOf(defined), { name: 'rhel5', uri: 'qemu:///system', previousXml: '<domain/>' });
  t.same(definedDomainOf({ ...first, settings: { definedDomain: 'x' } }), { name: 'x', uri: 'qemu:///system' });
  t.equal(definedDomainOf(first), undefined);
  t.equal(summarizeRun(defined).definedDomain, 'rhel5');
  t.match(formatRuns([summarizeRun(defined)]), /defined the libvirt domain rhel5/);
  t.same(undoPlan([defined]).slice(-2), [
    '20261201T100000-aaaaaa: undefine the libvirt domain rhel5 (qemu:///system) that its --define made, unless it runs',
    '20261201T100000-aaaaaa: define the domain rhel5 it replaced (--overwrite) again',
  ]);
});
