// xend's records (config.sxp, `xm list -l`): real output shapes into the guest
// model, and broken S-expressions refused with line:column.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseSxp, parseSxpConfig } from '../../src/xen/sxp.js';
import { renderDomainXml } from '../../src/host/domain-xml.js';
import { repoRoot } from '../helpers/corpus.js';

const fixture = (n: string) => join(repoRoot, 'test/fixtures/sxp', n);

t.test('xm list -l of a RHEL 5 pygrub guest', async (t) => {
  const g = parseSxpConfig(readFileSync(fixture('test1.sxp'), 'utf8'), 'test1.sxp');
  t.match(g, { name: 'test1', uuid: '3d5e2f8a-1c1b-4a8e-9f7e-2b7c0e1a9d11', memoryMiB: 512, maxmemMiB: 1024, vcpus: 2, bootloader: '/usr/bin/pygrub', onPoweroff: 'destroy', onReboot: 'restart', onCrash: 'restart', file: 'test1.sxp' });
  t.same(g.nics.map((n) => [n.mac, n.bridge]), [['00:16:3e:1a:d0:96', 'xenbr0'], ['00:16:3e:1a:d0:97', 'xenbr1']]);
  t.same(g.disks.map((d) => [d.vdev, d.path, d.device, d.readonly]), [['xvda', '/var/lib/xen/images/test1.img', 'disk', false], ['hdc', '/var/lib/xen/images/rhel5.iso', 'cdrom', true]]);
  t.equal(g.disks[0].pos.line, 65, 'positions point into the S-expression (its (tap …) line)');
  const xml = renderDomainXml(g).xml;
  t.match(xml, /<source file="\/var\/lib\/xen\/images\/test1.img"\/>/);
  t.match(xml, /<mac address="00:16:3e:1a:d0:96"\/>/);
});

t.test('a dom0 kernel: (image (linux (kernel …) (ramdisk …) (args …))) boots directly, Xen-only arguments dropped', async (t) => {
  const g = parseSxpConfig(readFileSync(fixture('dom0-kernel.sxp'), 'utf8'), 'dom0-kernel.sxp');
  t.match(g, { kernel: '/boot/vmlinuz-2.6.18-128.el5xen', ramdisk: '/boot/initrd-2.6.18-128.el5xen.img', cmdline: 'root=/dev/xvda1 ro console=xvc0 xencons=xvc0' });
  const r = renderDomainXml(g);
  t.ok(r.directBoot);
  t.notMatch(r.directBoot!.cmdline, /xencons|xvc0/, 'no xencons= and no xvc0 console under KVM');
  t.match(r.directBoot!.cmdline, /root=\/dev\/vda ro .*console=ttyS0,115200n8/);
});

t.test('broken S-expressions: clear errors with line:column', async (t) => {
  t.throws(() => parseSxp('(domain\n  (name test1)\n', 'x.sxp'), /x\.sxp:1:1: this \( is never closed/);
  t.throws(() => parseSxp('(domain (name a)))', 'x.sxp'), /x\.sxp:1:18: a \) with no \( before it/);
  t.throws(() => parseSxp('(domain (name "a\n))', 'x.sxp'), /x\.sxp:1:15: a quoted string runs past the end of its line/);
  t.throws(() => parseSxp('', 'x.sxp'), /x\.sxp:1:1: empty/);
  t.throws(() => parseSxp('(a) (b)', 'x.sxp'), /x\.sxp:1:5: more than one S-expression/);
  t.throws(() => parseSxp(`${'('.repeat(4000)}${')'.repeat(4000)}`, 'deep.sxp'), /deep\.sxp:1:65: nested more than 64 deep/, '4,000 levels: refused, no stack overflow');
  t.throws(() => parseSxp('(domain (name a\u0001))', 'x.sxp'), /control character 0x01/);
  t.throws(() => parseSxpConfig('(vm (name a))', 'x.sxp'), /x\.sxp:1:1: a xend record starts with \(domain/);
  t.throws(() => parseSxpConfig('(domain\n (name a)\n (memory lots)\n)', 'x.sxp'), /x\.sxp:3\b/, 'a bad value is reported at its S-expression line');
});
