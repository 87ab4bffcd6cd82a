// Guests that boot dom0's kernel (kernel= / ramdisk= in the config, nothing in the
// guest's /boot, the kernel's modules in its /lib/modules): the kernel is read from
// the Xen host's files (--xen-root), checked, copied for direct boot; its ramdisk,
// which lacks virtio, is rebuilt in the guest; inspect lists every pending edit;
// rollback removes what was copied and built.
import { createHash } from 'node:crypto';
import { onlyGuest } from '../helpers/contract.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildRhel5Guest } from '../../scripts/images/build.js';
import { RHEL5_KERNEL } from '../../scripts/images/rhel5-tree.js';
import { listInitrd, moduleNames } from '../../src/formats/cpio.js';
import { decompressWith } from '../../src/guest/inspect.js';
import { externalDecompress } from '../../src/guest/decompress.js';
import { hostTierOnly, isRoot, leftovers, workspace, xen2kvm } from '../helpers/system.js';
import { parseXml, text } from '../helpers/xml.js';

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

if (!isRoot) {
  t.fail('the integration tests need root (loop devices, mounts)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());

  t.test('a dom0-kernel guest: inspected, converted, booted directly, rolled back', hostTierOnly, async (t) => {
    const dir = join(ws.dir, 'd0');
    const g = await buildRhel5Guest(dir, { name: 'dom0k', layout: 'flat', dom0Kernel: true });
    const xenRoot = join(dir, 'xenroot');
    const out = join(ws.dir, 'out');
    const boot = join(ws.dir, 'boot');

    // Without the Xen host's files: inspect says what is missing; convert refuses, naming --xen-root.
    const blind = onlyGuest(xen2kvm(ws, ['inspect', g.config, '--json']).stdout);
    t.match(blind.problems, [{ code: 'dom0-kernel', message: /boots dom0's kernel \/boot\/vmlinuz-.* which is not at \/boot\/vmlinuz-/, fix: /--xen-root DIR/ }]);
    const refused = xen2kvm(ws, ['convert', g.config, '-o', out, '--boot-dir', boot]);
    t.equal(refused.code, 2, refused.stderr);
    t.match(refused.stderr, /--xen-root DIR/);

    const seen = onlyGuest(xen2kvm(ws, ['inspect', g.config, '--json', '--xen-root', xenRoot]).stdout);
    t.equal(seen.kernels[0].version, RHEL5_KERNEL, 'dom0\'s kernel is the guest\'s');
    t.ok(seen.problems.some((p: { code: string }) => p.code === 'dom0-ramdisk-without-virtio'));
    for (const e of ['device-names', 'inittab', 'initrd']) t.ok(seen.edits.includes(e), `pending: ${e}`);
    t.notOk(seen.problems.some((p: { code: string }) => p.code === 'no-kernels'), 'not "no kernels were found"');
    t.same(seen.disks.map((d: { xen: string; kvm: string }) => `${d.xen}>${d.kvm}`), ['xvda1>vda', 'xvda2>vdb']);

    const r = xen2kvm(ws, ['convert', g.config, '-o', out, '--boot-dir', boot, '--xen-root', xenRoot]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /Disks \(Xen → KVM\): xvda1 → vda \(\/\), xvda2 → vdb \(swap\)/);
    const d = parseXml(readFileSync(join(out, 'dom0k.xml'), 'utf8'));
    t.equal(text(d, 'os/kernel'), join(boot, 'dom0k', 'vmlinuz'));
    t.equal(text(d, 'os/initrd'), join(boot, 'dom0k', 'initrd.img'));
    t.equal(text(d, 'os/cmdline'), 'root=/dev/vda ro elevator=noop console=tty0 console=ttyS0,115200n8', 'the one KVM command line: xvc0 out, root renamed');
    t.equal(sha(join(boot, 'dom0k', 'vmlinuz')), sha(join(xenRoot, 'boot', `vmlinuz-${RHEL5_KERNEL}`)), 'dom0\'s kernel, copied');
    const mods = moduleNames(await listInitrd(readFileSync(join(boot, 'dom0k', 'initrd.img')), decompressWith(externalDecompress)));
    t.ok(mods.has('virtio_blk') && mods.has('virtio_pci'), 'the initrd built in the guest, with virtio');

    const again = xen2kvm(ws, ['convert', g.config, '-o', out, '--boot-dir', boot, '--xen-root', xenRoot]);
    t.equal(again.code, 0, again.stderr);
    t.match(again.stdout, /Already converted/);

    const back = xen2kvm(ws, ['rollback', g.config]);
    t.equal(back.code, 0, back.stderr);
    t.match(back.stderr, /removed .*\/dom0k\/vmlinuz \(copied to the host for direct boot\)/);
    t.notOk(existsSync(join(boot, 'dom0k', 'vmlinuz')));
    t.notOk(existsSync(join(boot, 'dom0k', 'initrd.img')));
    const after = onlyGuest(xen2kvm(ws, ['inspect', g.config, '--json', '--xen-root', xenRoot]).stdout);
    t.ok(after.edits.includes('initrd'), 'the guest-built initrd is gone again: the initrd is pending once more');
    t.same(leftovers(ws), { loops: [], mounts: [], locks: [] });
  });
}
