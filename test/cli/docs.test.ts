// Help, completion and the man page: every command has examples, the man page
// is generated from the same text and is up to date.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/corpus.js';

const bin = join(repoRoot, 'bin', 'xen2kvm');
const run = (...args: string[]) => spawnSync(bin, args, { encoding: 'utf8' });

t.test('every command has --help with examples', async (t) => {
  const top = run('--help');
  t.equal(top.status, 0);
  const commands = [...top.stdout.matchAll(/^ {2}xen2kvm ([a-z-]+)/gm)].map((m) => m[1]);
  t.same(commands.sort(), ['cleanup', 'completion', 'convert', 'demo', 'domxml', 'host-prep', 'inspect', 'list-edits', 'rollback', 'runs'].sort());
  for (const c of commands.filter((x) => x !== 'completion')) {
    const h = run(c, '--help');
    t.equal(h.status, 0, c);
    t.match(h.stdout, /Examples:\n {2}xen2kvm /, `${c} --help has examples`);
  }
});

t.test('bash completion', async (t) => {
  const r = run('completion');
  t.equal(r.status, 0);
  t.match(r.stdout, /_xen2kvm_yargs_completions|complete -o/);
  // What it offers: real options only (no --v for -v), the commands at the start.
  const opts = run('--get-yargs-completions', 'convert', '--').stdout.split('\n').filter(Boolean);
  t.ok(opts.includes('--bridge') && opts.includes('--dry-run') && opts.includes('--verbose'), 'convert\'s options');
  t.same(opts.filter((o) => /^--.$/.test(o)), [], 'no one-letter alias offered as --x');
  const cmds = run('--get-yargs-completions', 'ro').stdout.split('\n').filter(Boolean);
  t.ok(cmds.includes('rollback') && cmds.includes('runs'), 'the commands');
  const help = run('completion', '--help');
  t.equal(help.status, 0);
  t.match(help.stdout, /^xen2kvm completion\n\nPrint a bash completion script/, 'completion --help describes the command');
  t.notMatch(help.stdout, /_xen2kvm_yargs_completions/, 'and does not print the script');
});

t.test('the man page is generated from the help texts and up to date', async (t) => {
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts/make-man.mjs'), '--check'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
});

t.test('list-edits names every edit of each family, in order', async (t) => {
  const r = run('list-edits');
  const [rhel, rhel6, rhel7, debian] = r.stdout.trim().split('\n\n');
  t.match(rhel, /^RHEL family 5/);
  t.same(rhel6.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[0]), ['grub-default', 'grub-console', 'device-map', 'sysconfig-grub', 'modprobe', 'active-consoles', 'securetty', 'device-names', 'sysconfig-kernel', 'persistent-net', 'dracut-conf', 'initrd', 'selinux-relabel']);
  t.same(rhel7.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[0]), ['grub2-defaults', 'device-map', 'serial-getty', 'securetty', 'device-names', 'modprobe', 'sysconfig-kernel', 'persistent-net', 'dracut-conf', 'initrd', 'grub-mkconfig', 'grub2-cfg', 'grubenv', 'grub-install', 'selinux-relabel']);
  t.same(rhel.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[0]), ['grub-default', 'grub-console', 'grub-clock', 'device-map', 'sysconfig-grub', 'modprobe', 'inittab', 'securetty', 'device-names', 'kudzu', 'ntpd', 'sysconfig-kernel', 'persistent-net', 'initrd', 'selinux-relabel']);
  t.match(debian, /^Debian family/);
  t.same(debian.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[0]), ['grub-default', 'grub-console', 'grub-kopt', 'device-map', 'grub2-defaults', 'inittab', 'upstart-console', 'serial-getty', 'securetty', 'device-names', 'persistent-net', 'initramfs-conf', 'initramfs-modules', 'dracut-conf', 'initrd', 'grub-mkconfig', 'grub2-cfg', 'grub-install']);
});

t.test('the man page\'s ENVIRONMENT and EXIT STATUS match the code', async (t) => {
  const page = readFileSync(join(repoRoot, 'docs', 'xen2kvm.1'), 'utf8');
  const section = (name: string) => page.split(`.SH ${name}\n`)[1]?.split('\n.SH ')[0] ?? '';
  const env = section('ENVIRONMENT');
  const src = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? src(join(dir, e.name)) : e.name.endsWith('.ts') ? [readFileSync(join(dir, e.name), 'utf8')] : []));
  const code = src(join(repoRoot, 'src')).join('\n');
  const vars = [...new Set([...code.matchAll(/process\.env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]))]
    .filter((v) => v !== 'PATH' && !v.startsWith('XEN2KVM_TEST_'));
  t.ok(vars.includes('LIBVIRT_DEFAULT_URI') && vars.includes('XEN2KVM_RUN_DIR'), 'the variables the code reads were found');
  for (const v of vars) t.match(env, v, `${v} is in ENVIRONMENT`);
  const exits = section('EXIT STATUS');
  const codes = new Set<string>(['0']);
  for (const m of code.matchAll(/exitCode(?:: number)? = (\d+)|process\.exit\((\d+)\)|return (\d+);/g)) codes.add(m[1] ?? m[2] ?? m[3]);
  for (const m of code.matchAll(/'SIG(INT|HUP|TERM)' \? (\d+)|: (\d+)\)/g)) if (m[2] ?? m[3]) codes.add(m[2] ?? m[3]);
  for (const c of ['129', '130', '143']) codes.add(c);
  for (const c of codes) t.match(exits, new RegExp(`(^|[ ,])${c}([ ,]|$)`, 'm'), `exit ${c} is documented`);
  // And the README's table says the same codes.
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8').split('## Exit codes')[1].split('\n## ')[0];
  for (const c of codes) t.match(readme, new RegExp(`\\| [^|]*\\b${c}\\b[^|]*\\|`), `README: exit ${c}`);
});
