// A read-only look at the files of a filesystem inside an image (loop device at
// an offset, mounted read-only, then let go): every path with its type, mode,
// owner and content hash or link target — for "every changed file" and
// "rollback is exact" checks.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Tree = Record<string, string>;

/** Every entry under a host directory, by path relative to it. */
export function walk(root: string, dir = '', out: Tree = {}): Tree {
  for (const name of readdirSync(join(root, dir)).sort()) {
    const rel = `${dir}/${name}`;
    const st = lstatSync(join(root, rel));
    const meta = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
    if (st.isSymbolicLink()) out[rel] = `link ${readlinkSync(join(root, rel))}`;
    else if (st.isDirectory()) {
      out[rel] = `dir ${meta}`;
      if (rel !== '/lost+found') walk(root, rel, out);
    } else if (st.isFile()) out[rel] = `file ${meta} ${createHash('sha256').update(readFileSync(join(root, rel))).digest('hex')}`;
    else out[rel] = `other ${meta} ${st.rdev}`;
  }
  return out;
}

function must(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** One file of the filesystem at `offset` bytes into `image` (undefined when it is not there). */
export function imageFile(image: string, offset: number, path: string, type = 'ext4', subvol?: string): Buffer | undefined {
  return withImage(image, offset, type, subvol, (dir) => {
    try {
      return readFileSync(join(dir, path));
    } catch {
      return undefined;
    }
  });
}

/** Every file of the filesystem at `offset` bytes into `image` (btrfs: of one subvolume, its nested ones left out). */
export function imageTree(image: string, offset: number, type = 'ext4', subvol?: string): Tree {
  return withImage(image, offset, type, subvol, (dir) => walk(dir));
}

function withImage<T>(image: string, offset: number, type: string, subvol: string | undefined, f: (dir: string) => T): T {
  const loop = must('losetup', ['--find', '--show', '--read-only', '--offset', String(offset), image]);
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-tree-'));
  try {
    must('mount', ['-t', type, '-o', type === 'xfs' ? 'ro,norecovery' : type === 'btrfs' ? `ro${subvol ? `,subvol=${subvol}` : ''}` : 'ro,noload', loop, dir]);
    try {
      return f(dir);
    } finally {
      must('umount', [dir]);
    }
  } finally {
    spawnSync('losetup', ['-d', loop]);
    rmdirSync(dir);
  }
}

/** The paths whose entry differs between two trees (added, removed or changed). */
export function treeDiff(a: Tree, b: Tree): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((p) => a[p] !== b[p]).sort();
}
