// One whole conversion of a sample guest, checked end to end: inspect names the
// family and the pending edits; a dry run shows diffs and writes nothing; convert
// changes exactly the expected files; the domain boots the right kernel with the
// right arguments; inspect then finds nothing left; a second convert changes no
// byte; rollback gives back every file as it was. Shared by the family tests.
import { readFileSync } from 'node:fs';
import { onlyGuest } from './contract.js';
import { join } from 'node:path';
import type { SampleGuest } from '../../scripts/images/build.js';
import { loopsUnder, mountsUnder, sha256, xen2kvm, type Workspace } from './system.js';
import { imageTree, treeDiff, type Tree } from './image-tree.js';

type Tap = Parameters<Parameters<(typeof import('tap'))['default']['test']>[0]>[0];

export interface Expected {
  family: string;
  kernel: string;
  boot: 'disk' | 'mbr' | 'direct';
  /** Guest paths the conversion changes (besides its backups under /var/lib/xen2kvm). */
  changed: string[];
  /** What the domain's kernel command line must say (direct boot). */
  cmdline: RegExp;
  ifnames: boolean;
  /** The Xen names the sweep may still find after the conversion ("FILE:LINE"), each one listed: none unless said. */
  xenNamesLeft?: string[];
}

const BACKUPS = /^\/var\/lib\/xen2kvm(\/|$)/;

/** Every file of every filesystem of the guest's first image, by guest path. */
export function guestTree(g: SampleGuest): Tree {
  const out: Tree = {};
  for (const f of g.filesystems ?? []) {
    for (const [p, v] of Object.entries(imageTree(g.images[0], f.offset, f.type, f.subvol))) out[`${f.mountpoint === '/' ? '' : f.mountpoint}${p}`] = v;
  }
  return out;
}

export function checkWholeConversion(t: Tap, ws: Workspace, g: SampleGuest, dir: string, e: Expected): void {
  const pristine = guestTree(g);
  const inspected = xen2kvm(ws, ['inspect', g.config, '--json']);
  t.equal(inspected.code, 0, inspected.stderr);
  const facts = onlyGuest(inspected.stdout);
  t.equal(facts.os.family, e.family);
  t.equal(facts.boot.mode, e.boot, `boot: ${e.boot}`);
  t.ok(facts.edits.includes('initrd'), 'inspect lists the pending edits');

  const sum = sha256(g.images[0]);
  const dry = xen2kvm(ws, ['convert', g.config, '--dry-run', '-o', join(dir, 'out')]);
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.stdout, /console=tty0 console=ttyS0,115200n8/, 'the dry run shows the diff');
  t.equal(sha256(g.images[0]), sum, 'a dry run writes nothing');

  const args = ['convert', g.config, '--json', '-o', join(dir, 'out'), '--boot-dir', join(dir, 'boot')];
  const r = xen2kvm(ws, args);
  t.equal(r.code, 0, r.stderr);
  t.equal(onlyGuest(r.stdout).kernel, e.kernel);
  const converted = guestTree(g);
  t.same(treeDiff(pristine, converted).filter((p) => !BACKUPS.test(p)), [...e.changed].sort(), 'exactly the expected files changed');

  const xml = readFileSync(join(dir, 'out', `${g.name}.xml`), 'utf8');
  if (e.boot === 'direct') {
    const cmdline = /<cmdline>([^<]*)<\/cmdline>/.exec(xml)?.[1] ?? '';
    t.match(cmdline, e.cmdline, 'the domain boots the kernel with the KVM arguments');
    t.equal(/net\.ifnames=0/.test(cmdline), e.ifnames, e.ifnames ? 'net.ifnames=0, so eth0 keeps its name' : 'no net.ifnames=0 needed');
    t.notMatch(cmdline, /hvc0|xvc0|xencons/, 'no Xen console');
    t.match(xml, new RegExp(`<kernel>${join(dir, 'boot')}/${g.name}/vmlinuz</kernel>`));
  }

  const after = onlyGuest(xen2kvm(ws, ['inspect', g.config, '--json']).stdout);
  t.equal(after.kernels.find((x: { version: string }) => x.version === e.kernel).initrdHasVirtio, true, 'the rebuilt initrd has virtio_blk');
  t.same(after.edits, [], 'nothing left to do');
  // No Xen name left behind: whatever the sweep still finds is exactly what the family leaves on purpose, and it is listed.
  const left = after.problems.filter((p: { code: string }) => p.code === 'xen-name-left').map((p: { message: string }) => p.message.split(' ')[0]);
  t.same(left, e.xenNamesLeft ?? [], 'the Xen-name sweep finds nothing unlisted');
  const again = xen2kvm(ws, args);
  t.equal(again.code, 0, again.stderr);
  t.equal(onlyGuest(again.stdout).result, 'already-converted', 'a second run changes nothing');
  t.same(treeDiff(converted, guestTree(g)), [], 'not a byte of it');

  const back = xen2kvm(ws, ['rollback', g.config]);
  t.equal(back.code, 0, back.stderr);
  t.same(treeDiff(pristine, guestTree(g)), [], 'rollback: every file as it was');
  t.same(loopsUnder(ws.dir), []);
  t.same(mountsUnder(ws.runDir), []);
}
