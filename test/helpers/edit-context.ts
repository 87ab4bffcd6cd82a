// A sample RHEL 5 guest tree and an edit context for it (no disks, no root).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootFs } from '../../src/tree/fs.js';
import { inspectGuest, chooseKernel } from '../../src/guest/inspect.js';
import type { EditContext } from '../../src/edits/types.js';
import { familyOf } from '../../src/families/index.js';
import { writeRhel5Tree } from '../../scripts/images/rhel5-tree.js';
import { writeDebianTree, type DebianRelease } from '../../scripts/images/debian-tree.js';
import { writeCentosTree, type CentosRelease } from '../../scripts/images/rhel-tree.js';
import { writeSles11Tree } from '../../scripts/images/suse-tree.js';
import { writeSuseGrub2Tree, type SuseGrub2Release } from '../../scripts/images/suse-grub2-tree.js';
import { planDevices } from '../../src/xen/devmap.js';
import { parseXenConfig } from '../../src/xen/parse.js';

export const SEED_CFG = `name = "test1"\nmemory = 512\nbootloader = "/usr/bin/pygrub"\ndisk = [ "tap:aio:/var/lib/xen/images/test1.img,xvda,w" ]\nvif = [ "mac=00:16:3e:1a:d0:96,bridge=xenbr0", "mac=00:16:3e:1a:d0:97,bridge=xenbr1" ]\n`;

export function sampleTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'xen2kvm-edit-'));
  writeRhel5Tree({ root, boot: join(root, 'boot'), rootSpec: '/dev/VolGroup00/LogVol00', swapSpec: '/dev/VolGroup00/LogVol01', bootSpec: 'LABEL=/boot', macs: ['00:16:3e:1a:d0:96', '00:16:3e:1a:d0:97'], hostname: 'test1' });
  return root;
}

export const DEBIAN_CFG = `name = "deb"\nmemory = 512\nbootloader = "/usr/bin/pygrub"\ndisk = [ "file:/var/lib/xen/images/deb.img,xvda,w" ]\nvif = [ "mac=00:16:3e:4e:0a:01,bridge=xenbr0" ]\n`;

/** A guest release's sample tree (scripts/images/). */
export type SampleRelease = DebianRelease | CentosRelease | 'sles11' | SuseGrub2Release;

/** A Debian, Ubuntu, CentOS or SUSE guest tree, file by file (scripts/images/debian-tree.ts, rhel-tree.ts, suse-tree.ts, suse-grub2-tree.ts). */
export function releaseSampleTree(release: SampleRelease): string {
  const root = mkdtempSync(join(tmpdir(), 'xen2kvm-edit-'));
  if (release === 'sles11') writeSles11Tree({ root, macs: ['00:16:3e:4e:0a:01'], hostname: release });
  else if (release === 'sles12' || release === 'leap15') writeSuseGrub2Tree({ root, release, macs: ['00:16:3e:4e:0a:01'], hostname: release });
  else if (release === 'centos6' || release === 'centos7') writeCentosTree({ root, boot: join(root, 'boot'), release, macs: ['00:16:3e:4e:0a:01'], hostname: release });
  else writeDebianTree({ root, release, macs: ['00:16:3e:4e:0a:01'], hostname: release });
  return root;
}

export async function contextFor(root: string, cfg = SEED_CFG, over: Partial<EditContext> = {}): Promise<EditContext & { warnings: string[] }> {
  const guest = parseXenConfig(cfg, 'test1.cfg');
  const facts = await inspectGuest(rootFs(root), undefined, familyOf);
  const family = familyOf(facts.os)!;
  const warnings: string[] = [];
  return {
    guest, facts, family, kernel: chooseKernel(facts.kernels, facts.bootloader.kind)!,
    deviceMap: planDevices(guest, { machine: 'pc', hvmVirtio: false }),
    macs: guest.nics.map((n) => n.mac ?? ''), serialSpeed: 115200, clockFix: true, arch: 'x86_64',
    boot: 'disk', host: { devices: [], mounts: [], leaks: [] }, netNames: family.netNaming(facts),
    warn: (w) => warnings.push(w.message), warnings, ...over,
  };
}

export function read(root: string, path: string): string {
  return readFileSync(join(root, path), 'utf8');
}
