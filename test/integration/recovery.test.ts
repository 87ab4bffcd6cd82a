// Integration (root): inspect as a diagnosis of guests that do not boot under
// KVM, with the command that fixes each finding.
import { readFileSync, existsSync } from 'node:fs';
import { onlyGuest } from '../helpers/contract.js';
import { join } from 'node:path';
import t from 'tap';
import { buildRhel5Guest } from '../../scripts/images/build.js';
import { hostTierOnly, isRoot, workspace, xen2kvm } from '../helpers/system.js';
import { parseXml, text } from '../helpers/xml.js';

if (!isRoot) {
  t.fail('the integration tests need root (loop devices, mounts)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());

  t.test('an unconverted guest: every pending edit, each with its fix; a partly converted one: what is left', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'r1'), { name: 'r1' });
    const j = onlyGuest(xen2kvm(ws, ['inspect', g.config, '--json']).stdout);
    const codes = j.problems.map((p: { code: string }) => p.code);
    t.same(codes, ['pending:grub-default', 'pending:grub-console', 'pending:grub-clock', 'pending:device-map', 'pending:modprobe', 'pending:inittab', 'pending:securetty', 'pending:kudzu', 'pending:ntpd', 'pending:sysconfig-kernel', 'pending:initrd', 'pending:selinux-relabel']);
    const console = j.problems.find((p: { code: string }) => p.code === 'pending:grub-console');
    t.match(console.message, /console is still xvc0/);
    t.equal(console.fix, `xen2kvm convert ${g.config} --only grub-console`);
    // Re-apply two of them, as the fix says: they are no longer reported.
    t.equal(xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out'), '--only', 'grub-console,inittab']).code, 0);
    const k = onlyGuest(xen2kvm(ws, ['inspect', g.config, '--json']).stdout);
    t.notOk(k.problems.some((p: { code: string }) => p.code === 'pending:grub-console' || p.code === 'pending:inittab'));
    t.ok(k.problems.some((p: { code: string }) => p.code === 'pending:initrd'));
  });

  t.test('an MBR without a boot loader: reported, and convert boots the kernel directly', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'r2'), { name: 'r2', emptyMbr: true });
    const j = onlyGuest(xen2kvm(ws, ['inspect', g.config, '--json']).stdout);
    t.ok(j.problems.some((p: { code: string }) => p.code === 'mbr-no-bootloader'));
    const boot = join(ws.dir, 'boot');
    const r = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out'), '--boot-dir', boot]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, /boot direct: the boot disk's MBR holds no boot loader, and the guest boots with GRUB legacy.*libvirt boots its kernel directly/);
    const d = parseXml(readFileSync(join(ws.dir, 'out', 'r2.xml'), 'utf8'));
    t.equal(text(d, 'os/kernel'), `${boot}/r2/vmlinuz`);
    t.equal(text(d, 'os/initrd'), `${boot}/r2/initrd.img`);
    t.equal(text(d, 'os/cmdline'), 'ro root=/dev/VolGroup00/LogVol00 console=tty0 console=ttyS0,115200n8 divider=10 notsc');
    t.ok(existsSync(join(boot, 'r2', 'vmlinuz')) && existsSync(join(boot, 'r2', 'initrd.img')));
  });
}
