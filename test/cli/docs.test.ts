// Help, completion and the man page: every command has examples, the man page
// is generated from the same text and is up to date.
import { spawnSync } from 'node:child_process';
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
