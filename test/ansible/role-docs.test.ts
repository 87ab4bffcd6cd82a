// The role's README names every public variable the playbooks and the role use (so a new
// one cannot go undocumented, as xen2kvm_waves once was), and the example inventory is
// one Ansible reads, with the groups the playbooks expect.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
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
