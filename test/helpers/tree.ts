// Snapshots of a guest's files (paths, modes, owners, sha256s, link targets),
// read through a read-only attach of its disks, in this process.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { openGuest } from '../../src/guest/open.js';
import { decompressWith } from '../../src/guest/inspect.js';
import { externalDecompress } from '../../src/guest/decompress.js';
import { listInitrd, moduleNames } from '../../src/formats/cpio.js';
import { setLogLevel } from '../../src/log.js';
import { withSession } from '../../src/session.js';
import { parseXenConfig } from '../../src/xen/parse.js';

export function snapshotDir(root: string, dir = '', skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(root, dir)).sort()) {
    const rel = `${dir}/${name}`;
    if (skip(rel)) continue;
    const st = lstatSync(join(root, rel));
    if (st.isSymbolicLink()) out[rel] = `link ${readlinkSync(join(root, rel))}`;
    else if (st.isDirectory()) {
      out[rel] = `dir ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
      Object.assign(out, snapshotDir(root, rel, skip));
    } else out[rel] = `file ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${createHash('sha256').update(readFileSync(join(root, rel))).digest('hex')}`;
  }
  return out;
}

/** Every file of the guest (all its mounted filesystems), read-only; for each initrd in /boot, whether it holds virtio_blk and virtio_pci (read, not assumed). */
export async function guestSnapshot(configPath: string): Promise<{ tree: Record<string, string>; read: (p: string) => string | undefined; virtio: Record<string, boolean> }> {
  setLogLevel('quiet');
  const guest = parseXenConfig(readFileSync(configPath, 'utf8'), configPath);
  return withSession('snapshot', async (acq) => {
    const { mounted } = await openGuest(guest.disks, { strategy: 'loop', readOnly: true, force: false, name: guest.name }, acq);
    const tree = snapshotDir(mounted.root, '', (rel) => rel === '/lost+found' || rel === '/boot/lost+found');
    const files: Record<string, string> = {};
    for (const p of Object.keys(tree)) if (tree[p].startsWith('file') && !p.endsWith('.img') && !p.includes('/lib/modules/') && !p.startsWith('/bin/') && !p.startsWith('/usr/')) files[p] = readFileSync(join(mounted.root, p), 'utf8');
    const virtio: Record<string, boolean> = {};
    for (const p of Object.keys(tree)) {
      if (!/^\/boot\/initr(d|amfs)[-.].*img/.test(p) || !tree[p].startsWith('file')) continue;
      const mods = moduleNames(await listInitrd(readFileSync(join(mounted.root, p)), decompressWith(externalDecompress)));
      virtio[p] = mods.has('virtio_blk') && mods.has('virtio_pci');
    }
    return { tree, read: (p: string) => files[p], virtio };
  });
}
