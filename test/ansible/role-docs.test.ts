// The role's README names every public variable the playbooks and the role use (so a new
// one cannot go undocumented, as xen2kvm_waves once was), and the example inventory is
// one Ansible reads, with the groups the playbooks expect.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/corpus.js';

const ansibleDir = join(repoRoot, 'ansible');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(n) ? [p] : [];
  });
}

t.test('every public variable is in the role README, and every variable there is used', async (t) => {
  const readme = readFileSync(join(ansibleDir, 'roles/xen2kvm/README.md'), 'utf8');
  const used = new Set(yamlFiles(ansibleDir).filter((f) => !f.endsWith('inventory.example.yml')).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\bxen2kvm_[a-z_]+\b/g)].map((m) => m[0])));
  t.ok(used.size > 10, `found ${used.size} variables`);
  for (const v of used) t.match(readme, new RegExp(`\\| \`${v}\` \\|`), `${v} has a row in the README's tables`);
  const documented = [...readme.matchAll(/^\| `(xen2kvm_[a-z_]+)` \|/gm)].map((m) => m[1]);
  for (const v of documented) t.ok(used.has(v), `${v} (documented) is used by the role or a playbook`);
  const defaults = readFileSync(join(ansibleDir, 'roles/xen2kvm/defaults/main.yml'), 'utf8');
  for (const m of defaults.matchAll(/^(xen2kvm_[a-z_]+):/gm)) t.ok(documented.includes(m[1]), `default ${m[1]} is documented`);
});

const inventory = spawnSync('ansible-inventory', ['--version'], { encoding: 'utf8' });
t.test('the example inventory parses, with xen_hosts and kvm_hosts', { skip: inventory.status === 0 ? false : 'ansible-core is not installed (scripts/setup.sh --test installs it)' }, async (t) => {
  const r = spawnSync('ansible-inventory', ['-i', join(ansibleDir, 'inventory.example.yml'), '--list'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const inv = JSON.parse(r.stdout) as Record<string, { hosts?: string[] }> & { _meta: { hostvars: Record<string, Record<string, unknown>> } };
  t.same(inv.xen_hosts.hosts, ['dom0-a', 'dom0-b']);
  t.same(inv.kvm_hosts.hosts, ['kvm1']);
  for (const h of inv.xen_hosts.hosts ?? []) t.ok(inv.kvm_hosts.hosts?.includes(String(inv._meta.hostvars[h].xen2kvm_kvm_host)), `${h}'s xen2kvm_kvm_host is a KVM host of the inventory`);
});

// meta/argument_specs.yml: Ansible checks an entry point's options before its first task.
// Every playbook's tasks_from has an entry, and every public variable (but the two that are
// a playbook's, not the role's) is an option of one — and the README has every option.
const python = spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf8' });
t.test('argument_specs: an entry point per tasks_from, every public variable checked', { skip: python.status === 0 ? false : 'python3 with PyYAML is not installed (ansible-core brings it)' }, async (t) => {
  const r = spawnSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', join(ansibleDir, 'roles/xen2kvm/meta/argument_specs.yml')], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const specs = JSON.parse(r.stdout).argument_specs as Record<string, { short_description?: string; options?: Record<string, { type?: string; description?: string }> }>;
  const entries = new Set(yamlFiles(ansibleDir).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/tasks_from: ([a-z_]+)/g)].map((m) => m[1])));
  t.ok(entries.size >= 6, `${entries.size} entry points`);
  for (const e of entries) t.ok(specs[e], `tasks_from ${e} has an argument spec`);
  const options = new Map<string, string>();
  for (const [e, spec] of Object.entries(specs)) {
    t.ok(spec.short_description, `${e} says what it does`);
    for (const [o, v] of Object.entries(spec.options ?? {})) {
      t.ok(v.type && v.description, `${e}: ${o} has a type and a description`);
      options.set(o, e);
    }
  }
  const readme = readFileSync(join(ansibleDir, 'roles/xen2kvm/README.md'), 'utf8');
  const documented = [...readme.matchAll(/^\| `(xen2kvm_[a-z_]+)` \|/gm)].map((m) => m[1]);
  const playbooks = ['xen2kvm_waves', 'xen2kvm_source']; // a play's serial, install.yml's own
  for (const v of documented.filter((d) => !playbooks.includes(d))) t.ok(options.has(v), `${v} is checked by an entry point`);
  for (const o of options.keys()) t.ok(documented.includes(o), `${o} (an option) is in the README`);
});

const playbook = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' });
t.test('a bad value stops the entry point before its first task', { skip: playbook.status === 0 ? false : 'ansible-core is not installed (scripts/setup.sh --test installs it)' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'x2k-argspec-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'play.yml'), '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: Migrate\n      ansible.builtin.import_role: { name: xen2kvm, tasks_from: migrate_guest }\n');
  for (const [bad, why] of [['xen2kvm_copy_mode=hot', /value of xen2kvm_copy_mode must be one of: cold, warm, got: hot/], ['xen2kvm_jobs=two', /xen2kvm_jobs' is of type .* unable to convert to int/]] as const) {
    const r = spawnSync('ansible-playbook', [join(dir, 'play.yml'), '-e', bad], {
      encoding: 'utf8', env: { ...process.env, ANSIBLE_ROLES_PATH: join(ansibleDir, 'roles'), ANSIBLE_LOCALHOST_WARNING: 'false' },
    });
    t.equal(r.status, 2, bad);
    t.match(r.stdout, why, bad);
    t.match(r.stdout, /ok=0 .*failed=1/, `${bad}: nothing ran before the check`);
  }
});
