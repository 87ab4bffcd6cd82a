// The Debian family's edits and what they read: shell-variable files, interface
// names, the boot mode, net.ifnames, the tree edits (systemd links, upstart job),
// the GRUB 2 checks, and the runner's command features the boot loader needs —
// a fallible command put back, files a command creates and the disk's start it
// writes recorded, so rollback is exact.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync, lstatSync, readlinkSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { writeNewc } from '../../scripts/images/cpio-write.js';
import { join } from 'node:path';
import t from 'tap';
import { readVar, setVar } from '../../src/formats/shell-vars.js';
import { interfacesNames, netplanNames } from '../../src/guest/network.js';
import { chooseBootMode, grubModules } from '../../src/guest/boot.js';
import { debian } from '../../src/families/debian.js';
import { FAMILIES } from '../../src/families/index.js';
import { kvmKernelArgs } from '../../src/edits/context.js';

const DEBIAN_EDITS = debian.edits;
import { cfgSettled, hostLeaks } from '../../src/edits/grub2/cmdline-state.js';
import { grubMkconfig } from '../../src/edits/grub2/mkconfig.js';
import { rootFs } from '../../src/tree/fs.js';
import { applyEdits } from '../../src/tree/runner.js';
import { rollbackGuest } from '../../src/tree/rollback.js';
import type { CommandEdit } from '../../src/tree/types.js';
import { contextFor, releaseSampleTree } from '../helpers/edit-context.js';
import { RELEASES, type DebianRelease } from '../../scripts/images/debian-tree.js';

t.test('shell-variable files: read and set, quoting and CRLF kept', async (t) => {
  const text = 'A=1\nexport B="two words"\nC=\'single\'\n# D=commented\nA=3\r\n';
  t.same(readVar(text, 'A'), { line: 4, value: '3', quote: '' }, 'the last assignment wins');
  t.equal(readVar(text, 'B')?.value, 'two words');
  t.equal(readVar(text, 'C')?.quote, "'");
  t.equal(readVar(text, 'D'), undefined, 'comments are not assignments');
  t.equal(setVar(text, 'A', '4'), 'A=1\nexport B="two words"\nC=\'single\'\n# D=commented\nA=4\r\n', 'rewritten in place, CR kept');
  t.equal(setVar(text, 'B', 'x y'), text.replace('"two words"', '"x y"'), 'export kept');
  t.equal(setVar('X=1', 'Y', 'a b'), 'X=1\nY="a b"\n', 'appended, with a newline first');
  t.equal(setVar(text, 'B', 'two words'), text, 'same value: unchanged');
  t.equal(readVar('E=`cmd`\n', 'E'), undefined, 'command substitutions are not read as values');
});

t.test('interface names from ifupdown and netplan', async (t) => {
  t.same(interfacesNames('auto lo\niface lo inet loopback\nauto eth0 eth1\nallow-hotplug ens3\niface eth0 inet dhcp\n'), ['eth0', 'eth1', 'ens3']);
  t.same(netplanNames('network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n      match:\n        macaddress: 00:16:3e:00:00:01\n    ens4:\n      set-name: lan1\n  bridges:\n    br0: {}\n'), ['eth0', 'ens4', 'lan1']);
});

t.test('boot mode: disk, mbr, direct, and --boot refusals', async (t) => {
  const grub2 = { bootloader: { kind: 'grub2' as const }, grub2: { defaults: true, install: '/usr/sbin/grub-install' } };
  const noPc = { bootloader: { kind: 'grub2' as const }, grub2: { defaults: true } };
  const legacy = { bootloader: { kind: 'grub-legacy' as const }, grub2: { defaults: false } };
  t.equal(chooseBootMode('auto', { partitioned: true, mbr: 'grub2' }, grub2).boot, 'disk');
  t.equal(chooseBootMode('auto', { partitioned: true, mbr: 'empty' }, grub2).boot, 'mbr');
  t.equal(chooseBootMode('auto', { partitioned: true, mbr: 'empty' }, noPc).boot, 'direct');
  t.match(chooseBootMode('auto', { partitioned: true, mbr: 'empty' }, noPc).why, /no GRUB for BIOS/);
  t.equal(chooseBootMode('auto', { partitioned: true, mbr: 'unknown' }, legacy).boot, 'direct');
  t.equal(chooseBootMode('auto', { partitioned: true }, grub2).boot, 'disk', 'no Xen boot loader: it booted from its disk');
  t.equal(chooseBootMode('auto', { configDirect: 'partitionless', partitioned: false }, grub2).boot, 'direct');
  t.equal(chooseBootMode('direct', { partitioned: true, mbr: 'empty' }, grub2).boot, 'direct');
  t.equal(chooseBootMode('mbr', { partitioned: true, mbr: 'grub2' }, grub2).boot, 'mbr');
  t.throws(() => chooseBootMode('mbr', { configDirect: 'dom0-kernel', partitioned: true }, grub2), /--boot mbr cannot work for this guest: its Xen config boots a kernel kept in dom0/);
  t.throws(() => chooseBootMode('mbr', { partitioned: true, mbr: 'empty' }, legacy), /GRUB legacy/);
  t.throws(() => chooseBootMode('mbr', { partitioned: true, mbr: 'empty' }, noPc), /no GRUB for BIOS/);
  t.same(grubModules('dos', 'ext4', false), ['part_msdos', 'ext2']);
  t.same(grubModules('gpt', 'xfs', true), ['part_gpt', 'xfs', 'lvm']);
});

t.test('every Debian and Ubuntu sample: family, init, net naming, edits planned', async (t) => {
  const expect: Record<DebianRelease, { init: string; names: string; netplan: boolean }> = {
    debian7: { init: 'sysvinit', names: 'keep', netplan: false },
    debian12: { init: 'systemd', names: 'ifnames-off', netplan: false },
    ubuntu1404: { init: 'upstart', names: 'keep', netplan: false },
    ubuntu2004: { init: 'systemd', names: 'ifnames-off', netplan: true },
  };
  for (const release of Object.keys(RELEASES) as DebianRelease[]) {
    const root = releaseSampleTree(release);
    t.teardown(() => rmSync(root, { recursive: true, force: true }));
    const ctx = await contextFor(root, 'name = "d"\ndisk = [ "file:/x.img,xvda,w" ]\nvif = [ "mac=00:16:3e:4e:0a:01" ]\n');
    t.equal(ctx.facts.family, 'debian', `${release}: Debian family`);
    t.equal(ctx.family, debian);
    t.equal(ctx.facts.initSystem, expect[release].init, `${release}: ${expect[release].init}`);
    t.equal(ctx.netNames, expect[release].names, `${release}: interface names ${expect[release].names}`);
    t.equal(ctx.facts.network.tools.includes('netplan'), expect[release].netplan);
    t.equal(ctx.facts.initrdTool, 'update-initramfs');
    t.equal(ctx.kernel.version, RELEASES[release].kernel, `${release}: its kernel is chosen`);
    const { outcomes } = await applyEdits(rootFs(root), DEBIAN_EDITS, ctx, { dryRun: true, runId: 'x', label: release, runInGuest: async () => undefined });
    const changed = outcomes.filter((o) => o.changed).map((o) => o.id);
    for (const id of ['grub2-defaults', 'device-names', 'initramfs-modules', 'initrd', 'grub2-cfg']) t.ok(changed.includes(id), `${release}: ${id} planned`);
    t.equal(changed.includes('upstart-console'), release === 'ubuntu1404', `${release}: upstart job only on upstart`);
    t.equal(changed.includes('inittab'), release === 'debian7', `${release}: inittab only on sysvinit`);
    t.equal(changed.includes('serial-getty'), release === 'debian12', `${release}: serial-getty links only where they exist`);
    t.equal(changed.includes('grub-mkconfig'), RELEASES[release].mkconfig !== 'none', `${release}: grub-mkconfig only where the guest has it`);
  }
  t.ok(FAMILIES.includes(debian));
});

t.test('systemd: serial-getty@hvc0 links renamed to ttyS0; rollback puts them back', async (t) => {
  const root = releaseSampleTree('debian12');
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const ctx = await contextFor(root);
  const edit = DEBIAN_EDITS.find((e) => e.id === 'serial-getty')!;
  const wants = join(root, 'etc/systemd/system/getty.target.wants');
  await applyEdits(rootFs(root), [edit], ctx, { dryRun: false, runId: 'r1', label: 'd', runInGuest: async () => undefined });
  t.notOk(existsSync(join(wants, 'serial-getty@hvc0.service')));
  t.equal(readlinkSync(join(wants, 'serial-getty@ttyS0.service')), '/lib/systemd/system/serial-getty@.service');
  const again = await applyEdits(rootFs(root), [edit], ctx, { dryRun: false, runId: 'r2', label: 'd', runInGuest: async () => undefined });
  t.notOk(again.outcomes[0].changed, 'a second run changes nothing');
  await rollbackGuest(rootFs(root), 'r1');
  t.ok(lstatSync(join(wants, 'serial-getty@hvc0.service')).isSymbolicLink(), 'rolled back');
});

t.test('kernel arguments: Xen ones dropped, console, names, idempotent', async (t) => {
  const root = releaseSampleTree('debian12');
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const ctx = await contextFor(root);
  const once = kvmKernelArgs(['root=/dev/xvda1', 'ro', 'console=hvc0', 'xencons=tty', 'clocksource=xen', 'xen_blkfront.sda_is_xvda=1', 'quiet'], ctx, 'test');
  t.same(once, ['root=/dev/vda1', 'ro', 'quiet', 'console=tty0', 'console=ttyS0,115200n8', 'net.ifnames=0']);
  t.same(kvmKernelArgs(once, ctx, 'test'), once, 'idempotent');
  t.same(kvmKernelArgs(['ro', 'net.ifnames=1'], ctx, 'test'), ['ro', 'net.ifnames=1', 'console=tty0', 'console=ttyS0,115200n8'], 'a chosen net.ifnames is left alone');
  t.equal(debian.netNaming({ ...ctx.facts, network: { tools: ['ifupdown'], names: ['ens3'], unpinned: [] } }), 'keep', 'a configuration for predictable names needs nothing');
});

t.test('grub-mkconfig: the result is checked for host devices and the serial console', async (t) => {
  const root = releaseSampleTree('debian12');
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const ctx = await contextFor(root, undefined, { host: { devices: [], mounts: [], leaks: ['/dev/loop7', '1111-2222'] } });
  const good = `terminal_input serial console\nterminal_output serial console\nmenuentry 'Debian' {\n\tlinux\t/boot/vmlinuz-${ctx.kernel.version} root=UUID=abcd ro console=tty0 console=ttyS0,115200n8 net.ifnames=0\n}\n`;
  t.ok(cfgSettled(good, ctx, 'grub.cfg'));
  t.notOk(cfgSettled(good.replace('terminal_output serial console\n', ''), ctx, 'grub.cfg'), 'no serial terminal: not settled');
  t.same(hostLeaks(good.replace('root=UUID=abcd', 'root=/dev/loop7'), ctx), ['/dev/loop7']);
  t.same(hostLeaks(good.replace('root=UUID=abcd', 'root=/dev/mapper/loop0p1'), ctx), ['/dev/mapper/loop0p1']);
  t.same(hostLeaks(good.replace('abcd', '1111-2222'), ctx), ['1111-2222'], 'the host root UUID');
  const fs = rootFs(root);
  writeFileSync(join(root, 'boot/grub/grub.cfg'), good.replace('root=UUID=abcd', 'root=/dev/loop7'));
  await t.rejects(grubMkconfig.verify(fs, ctx), /names the host's \/dev\/loop7/);
  writeFileSync(join(root, 'boot/grub/grub.cfg'), good);
  await grubMkconfig.verify(fs, ctx);
  t.equal(await grubMkconfig.needed(fs, { ...ctx, facts: { ...ctx.facts, grub2: { defaults: true, mkconfig: '/usr/sbin/grub-mkconfig' } } }), undefined, 'settled: not needed again');
});

t.test('runner: a fallible command that fails is put back and the run goes on', async (t) => {
  const root = releaseSampleTree('ubuntu1404');
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const ctx = await contextFor(root);
  const cfg = join(root, 'boot/grub/grub.cfg');
  const original = readFileSync(cfg);
  const edits = DEBIAN_EDITS.filter((e) => ['grub2-defaults', 'grub-mkconfig', 'grub2-cfg'].includes(e.id));
  const r = await applyEdits(rootFs(root), edits, ctx, {
    dryRun: false, runId: 'f1', label: 'u',
    runInGuest: async () => {
      writeFileSync(cfg, 'half-written');
      throw Object.assign(new Error('command failed'), { stderr: "grub-probe: error: failed to get canonical path of `/dev/root'.\n" });
    },
  });
  const mk = r.outcomes.find((o) => o.id === 'grub-mkconfig')!;
  t.notOk(mk.changed);
  t.match(mk.note, /did not work in the guest \(grub-probe: error: failed to get canonical path/);
  t.ok(r.outcomes.find((o) => o.id === 'grub2-cfg')!.changed, 'grub.cfg edited directly instead');
  t.match(readFileSync(cfg, 'utf8'), /linux\t\/boot\/vmlinuz-\S+ root=\/dev\/vda1 ro quiet console=tty0 console=ttyS0,115200n8/);
  t.notOk(r.manifest!.entries.some((e) => e.edit === 'grub-mkconfig'), 'the failed command left nothing in the manifest');
  await rollbackGuest(rootFs(root), 'f1');
  t.same(readFileSync(cfg), original, 'rollback: grub.cfg exactly as it was');
});

t.test('runner: files a command creates and the disk region it writes are recorded and rolled back', async (t) => {
  const root = releaseSampleTree('debian12');
  const scratch = mkdtempSync(join(tmpdir(), 'xen2kvm-disk-'));
  t.teardown(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });
  const disk = join(scratch, 'disk.img');
  const head = Buffer.alloc(4096, 0);
  head.write('partition table stays', 446);
  writeFileSync(disk, Buffer.concat([head, Buffer.alloc(4096, 7)]));
  mkdirSync(join(root, 'var/lib/cache-of-it/sub'), { recursive: true });
  writeFileSync(join(root, 'var/lib/cache-of-it/sub/kept'), 'before');
  const ctx = await contextFor(root);
  const install: CommandEdit<typeof ctx> = {
    kind: 'command', id: 'fake-install', describe: 'a boot loader', needed: async () => 'no boot loader',
    touches: () => [], argv: () => ['grub-install', '/dev/vda'], creates: () => ['/boot/grub'], keeps: () => ['/var/lib/cache-of-it'],
    regions: () => [{ disk: 'xvda', device: disk, offset: 0, length: 4096 }],
    verify: async () => undefined,
  };
  await applyEdits(rootFs(root), [install], ctx, {
    dryRun: false, runId: 'g1', label: 'd',
    runInGuest: async () => {
      mkdirSync(join(root, 'boot/grub/i386-pc'), { recursive: true });
      writeFileSync(join(root, 'boot/grub/i386-pc/core.img'), 'core');
      symlinkSync('core.img', join(root, 'boot/grub/i386-pc/core.link'));
      writeFileSync(join(root, 'boot/grub/grubenv'), '# GRUB Environment Block\n');
      writeFileSync(join(root, 'var/lib/cache-of-it/sub/kept'), 'rewritten');
      writeFileSync(join(root, 'var/lib/cache-of-it/sub/new'), 'new');
      const b = readFileSync(disk);
      b.write('GRUB boot code', 0);
      writeFileSync(disk, b);
    },
  });
  t.ok(existsSync(join(root, 'boot/grub/i386-pc/core.img')));
  t.equal(readFileSync(disk).subarray(0, 14).toString(), 'GRUB boot code');
  await t.rejects(rollbackGuest(rootFs(root), 'g1'), /changed the start of disk xvda .* not attached/, 'the disk must be there to roll back');
  const done = await rollbackGuest(rootFs(root), 'g1', { xvda: disk });
  t.ok(done);
  t.notOk(existsSync(join(root, 'boot/grub/i386-pc')), 'the directory it made is gone, with the link it made in it');
  t.notOk(existsSync(join(root, 'boot/grub/grubenv')));
  t.ok(existsSync(join(root, 'boot/grub/grub.cfg')), 'what was there stays');
  t.equal(readFileSync(join(root, 'var/lib/cache-of-it/sub/kept'), 'utf8'), 'before', 'a cache file it rewrote is put back');
  t.notOk(existsSync(join(root, 'var/lib/cache-of-it/sub/new')), 'a cache file it made is removed');
  t.same(readFileSync(disk), Buffer.concat([head, Buffer.alloc(4096, 7)]), 'the disk start exactly as it was');
});

t.test('initrd: a rebuilt image that names a host device is refused', async (t) => {
  const root = releaseSampleTree('debian12');
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const ctx = await contextFor(root, undefined, { host: { devices: [], mounts: [], leaks: ['/dev/loop7', '/dev/mapper/loop0p1'] } });
  const initrd = DEBIAN_EDITS.find((e) => e.id === 'initrd') as CommandEdit<typeof ctx>;
  const image = (cmdline: string) => gzipSync(writeNewc([
    { name: `lib/modules/${ctx.kernel.version}/kernel/drivers/block/virtio_blk.ko`, type: 'file', data: Buffer.from('m') },
    { name: `lib/modules/${ctx.kernel.version}/kernel/drivers/virtio/virtio_pci.ko`, type: 'file', data: Buffer.from('m') },
    { name: 'etc/cmdline.d/90root.conf', type: 'file', data: Buffer.from(cmdline) },
  ]));
  writeFileSync(join(root, `boot/initrd.img-${ctx.kernel.version}`), image('root=UUID=0e4c8b2a-6d1f-4f3e-a2b7-5c9d8e7f6a10\n'));
  await initrd.verify(rootFs(root), ctx);
  writeFileSync(join(root, `boot/initrd.img-${ctx.kernel.version}`), image('root=/dev/mapper/loop0p1\n'));
  await t.rejects(initrd.verify(rootFs(root), ctx), /names the host's \/dev\/mapper\/loop0p1/);
});

t.test('interface names on RHEL 7: ifcfg with HWADDR keeps eth0, one without gets net.ifnames=0', async (t) => {
  const root = releaseSampleTree('centos7');
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  t.equal((await contextFor(root)).netNames, 'keep', 'HWADDR pins eth0');
  const ifcfg = join(root, 'etc/sysconfig/network-scripts/ifcfg-eth0');
  writeFileSync(ifcfg, readFileSync(ifcfg, 'utf8').replace(/^HWADDR=.*\n/m, ''));
  const ctx = await contextFor(root);
  t.same(ctx.facts.network.unpinned, ['eth0']);
  t.equal(ctx.netNames, 'ifnames-off');
  t.same(kvmKernelArgs(['ro', 'console=hvc0'], ctx, 'test'), ['ro', 'console=tty0', 'console=ttyS0,115200n8', 'net.ifnames=0']);
});
