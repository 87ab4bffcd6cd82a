// convert --sandbox vm: the pipeline inside a throwaway VM (scripts/vm-run), the
// host's root read-only there, the guest's disks as virtio disks; the host gets
// the domain XML naming the real image, and the guest is converted. Prints its cost.
import { spawnSync } from 'node:child_process';
import { onlyGuest } from '../helpers/contract.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildRhel5Guest } from '../../scripts/images/build.js';
import { hostTierOnly, isRoot, loopsUnder, mountsUnder, sha256, workspace, xen2kvm } from '../helpers/system.js';
import { attr, parseXml } from '../helpers/xml.js';

const haveQemu = spawnSync('sh', ['-c', 'command -v qemu-system-x86_64 && ls /boot/vmlinuz-*']).status === 0;

if (!isRoot) {
  t.fail('the integration tests need root');
} else if (!haveQemu) {
  t.test('--sandbox vm', { skip: 'qemu-system-x86_64 or a kernel in /boot is missing (scripts/setup.sh --test installs them)' }, async () => undefined);
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());

  t.test('--sandbox vm --dry-run changes no byte', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'dry'), { name: 'sbdry' });
    const before = sha256(g.images[0]);
    const r = xen2kvm(ws, ['convert', '--sandbox', 'vm', '--dry-run', g.config]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /Dry run — nothing was written/);
    t.match(r.stdout, /\+default=0/, 'the diffs, made inside the VM');
    t.equal(sha256(g.images[0]), before);
  });

  t.test('--sandbox vm reads a qcow2 image through qemu (no nbd on the host)', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'q'), { name: 'sbq' });
    const qcow = join(ws.dir, 'q', 'sbq.qcow2');
    spawnSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', g.images[0], qcow]);
    const cfg = join(ws.dir, 'q', 'sbq-qcow2');
    writeFileSync(cfg, readFileSync(g.config, 'utf8').replace(`tap:aio:${g.images[0]}`, `tap:qcow2:${qcow}`));
    const before = sha256(qcow);
    const r = xen2kvm(ws, ['convert', '--sandbox', 'vm', '--dry-run', cfg]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /would change +grub-default/);
    t.equal(sha256(qcow), before, 'read-only: not a byte changed');
  });

  t.test('--sandbox vm converts the sample guest; the domain names the real image', hostTierOnly, async (t) => {
    const g = await buildRhel5Guest(join(ws.dir, 'sb'), { name: 'sb1' });
    const out = join(ws.dir, 'out');
    const started = Date.now();
    const r = xen2kvm(ws, ['convert', '--sandbox', 'vm', '--bridge', 'xenbr0=br0', g.config, '-o', out, '--boot-dir', join(ws.dir, 'boot')]);
    const seconds = (Date.now() - started) / 1000;
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /Sandbox: the conversion ran in a throwaway VM: \d+ s in all/);
    const xml = join(out, 'sb1.xml');
    t.ok(existsSync(xml));
    const d = parseXml(readFileSync(xml, 'utf8'));
    t.equal(attr(d, 'devices/disk/source', 'file'), g.images[0], 'the image, not the VM\'s /dev/vda');
    t.equal(attr(d, 'devices/interface/source', 'bridge'), 'br0');
    const hostStarted = Date.now();
    const j = onlyGuest(xen2kvm(ws, ['inspect', g.config, '--json']).stdout);
    t.notOk(j.problems.some((p: { code: string }) => p.code.startsWith('pending:')), 'converted: nothing pending');
    t.same(loopsUnder(ws.dir), [], 'nothing attached on the host');
    t.same(mountsUnder(ws.runDir), [], 'nothing mounted on the host');
    const again = xen2kvm(ws, ['convert', g.config, '-o', join(ws.dir, 'out-host')]);
    t.equal(again.code, 0, again.stderr);
    const line = `sandbox: convert --sandbox vm ${seconds.toFixed(1)} s; on the host (already converted, inspect + convert) ${((Date.now() - hostStarted) / 1000).toFixed(1)} s`;
    t.comment(line);
    console.log(line);
  });
}
