// The text reports (templates/report-*.txt.j2), rendered by Ansible's own template module:
// a check run (ansible-playbook --check) says it changed nothing and, per guest, what a run
// would do — shutdown, bytes and copy mode, the dry run's changes and where its diffs are,
// or why it would fail; a real run's table is as before.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t from 'tap';

const root = resolve(import.meta.dirname, '../..');
const templates = join(root, 'ansible/roles/xen2kvm/templates');
const ansible = spawnSync('ansible', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'x2k-txt-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function render(template: string, vars: object): string {
  const out = join(dir, `${template}.out`);
  writeFileSync(join(dir, 'vars.json'), JSON.stringify(vars));
  const r = spawnSync('ansible', ['localhost', '-m', 'ansible.builtin.template', '-a', `src=${join(templates, template)} dest=${out}`, '-e', `@${join(dir, 'vars.json')}`], {
    encoding: 'utf8', env: { ...process.env, ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_CONFIG: join(root, 'ansible/ansible.cfg') },
  });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
  return readFileSync(out, 'utf8');
}

const plan = (over: object) => ({ shutdown: true, copy: ['/var/lib/xen/images/web1.img'], in_place: [], convert: 'would change 9 thing(s) in web1 (dry run: nothing was written)', changes: 9, dry_run: 'check-migrate-1/web1@xen1.dry-run.txt', ...over });

t.test('migrate --check: the plan, and that nothing changed', { skip: ansible ? false : 'ansible is not installed (scripts/setup.sh --test installs ansible-core)' }, async (t) => {
  const text = render('report-migrate.txt.j2', { x2k_report: {
    kind: 'migrate', check: true, run: 'check-migrate-1', seconds: 41.2, hosts: [{ host: 'xen9', error: 'unreachable: no route' }],
    guests: [
      { guest: 'web1', xen_host: 'xen1', kvm_host: 'kvm1', result: 'would migrate', copy_mode: 'warm', bytes: 3221225472, plan: plan({}) },
      { guest: 'db1', xen_host: 'xen1', kvm_host: 'kvm1', result: 'would migrate', copy_mode: 'shared storage', bytes: 0, plan: plan({ shutdown: false, copy: [], changes: 4, dry_run: 'check-migrate-1/db1@xen1.dry-run.txt' }) },
      { guest: 'mail1', xen_host: 'xen2', kvm_host: 'kvm1', result: 'failed', phase: 'check', error: 'disk /dev/vg/mail1 (xvda) is not on xen2', copy_mode: 'warm', bytes: 0, plan: plan({ changes: 0, dry_run: '' }) },
      { guest: 'old1', xen_host: 'xen2', kvm_host: 'kvm1', result: 'already on KVM', phases: {} },
    ],
  } });
  t.match(text, /nothing was changed on any host/);
  const row = (g: string) => text.split('\n').find((l) => l.startsWith(`${g} `)) ?? '';
  t.match(row('web1'), /would migrate\s+yes\s+3\.00 GB\s+warm\s+9\s+would change 9 thing\(s\).*diffs: check-migrate-1\/web1@xen1\.dry-run\.txt/);
  t.match(row('db1'), /would migrate\s+no\s+-\s+shared\s+4 /);
  t.match(row('mail1'), /failed .*check: disk \/dev\/vg\/mail1 \(xvda\) is not on xen2/);
  t.match(text, /Xen host xen9: unreachable: no route/);
  t.match(text, /2 would be migrated, 1 already on KVM, 1 blocked, in 41\.2 s \(check-migrate-1\)\./);
  t.notMatch(text, /DOWNTIME/, 'not the table of a real run');
});

t.test('a real migration\'s table is unchanged', { skip: ansible ? false : 'ansible is not installed' }, async (t) => {
  const text = render('report-migrate.txt.j2', { x2k_report: {
    kind: 'migrate', check: false, run: 'migrate-1', seconds: 100, hosts: [],
    guests: [{ guest: 'web1', xen_host: 'xen1', kvm_host: 'kvm1', result: 'migrated', copy_mode: 'warm', phases: { precopy: 50, shutdown: 3, transfer: 20, convert: 18, boot: 60 }, downtime: 101, sent: 1048576, disks: [] }],
  } });
  t.match(text, /^GUEST\s+XEN\s+KVM\s+RESULT\s+COPY\s+PRECOPY\s+SHUTDOWN\s+SYNC\s+CONVERT\s+BOOT\s+DOWNTIME/m);
  t.match(text, /1 migrated, 0 already on KVM, 0 failed, in 100 s \(migrate-1\)\./);
  t.notMatch(text, /Check mode/);
});

t.test('rollback --check: what it would do per guest', { skip: ansible ? false : 'ansible is not installed' }, async (t) => {
  const text = render('report-rollback.txt.j2', { xen2kvm_rollback_guests: ['web1', 'ghost'], x2k_report: {
    kind: 'rollback', check: true, run: 'check-rollback-1', seconds: 5, hosts: [],
    guests: [{ guest: 'web1', xen_host: 'xen1', kvm_host: 'kvm1', result: 'would roll back', phases: {}, plan: { stop: 'web1 on kvm1: virsh shutdown (destroy after 120 s), undefine', undo_conversion: true, copy_back: ['/var/lib/xen/images/web1.img'], autostart_on_xen: true, start_on_xen: true } }],
  } });
  t.match(text, /nothing was changed on any host/);
  t.match(text, /web1: stop web1 on kvm1: virsh shutdown \(destroy after 120 s\), undefine; undo the conversion \(xen2kvm rollback\); copy back \/var\/lib\/xen\/images\/web1\.img; restore its autostart link; start it on Xen/);
  t.match(text, /ghost: no migration record on any KVM host/);
  t.match(text, /1 would be rolled back, 0 failed \(check-rollback-1\)\./);
});
