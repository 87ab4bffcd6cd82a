// Read access to a mounted guest tree where every path — and every symlink met
// on the way — is resolved inside the guest root, never on the host: an absolute
// link /etc/fstab -> /etc/shadow means the guest's /etc/shadow.
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { constants } from 'node:fs';
import { posix } from 'node:path';
import { UserError } from '../errors.js';

const MAX_LINKS = 40;

/** Guest-side files, addressed by guest paths (`/etc/fstab`). */
export interface RootFs {
  /** Host path for a guest path, after resolving symlinks inside the guest. */
  resolve(guestPath: string): Promise<string>;
  /** The guest path a guest path resolves to (symlinks followed inside the guest). */
  realGuestPath(guestPath: string): Promise<string>;
  /** File contents, or undefined when missing; refuses non-regular files and files over maxBytes. */
  read(guestPath: string, maxBytes?: number): Promise<Buffer | undefined>;
  readText(guestPath: string, maxBytes?: number): Promise<string | undefined>;
  /** The first `bytes` bytes of a regular file (however large), or undefined when missing or not a regular file. */
  head(guestPath: string, bytes: number): Promise<Buffer | undefined>;
  list(guestPath: string): Promise<string[]>;
  kind(guestPath: string): Promise<'file' | 'dir' | 'link' | 'other' | undefined>;
  /** The target of a symlink itself (not followed). */
  linkTarget(guestPath: string): Promise<string | undefined>;
}

/** A RootFs over a directory on the host (a mounted guest root, or a test tree). */
export function rootFs(root: string): RootFs {
  const host = (gp: string) => posix.join(root, gp);

  /** Follows symlinks component by component, staying under the guest's /. */
  async function realGuestPath(guestPath: string): Promise<string> {
    let pending = posix.normalize(`/${guestPath}`).split('/').filter(Boolean);
    let done: string[] = [];
    let links = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '.') continue;
      if (part === '..') {
        done.pop();
        continue;
      }
      const candidate = [...done, part];
      let st;
      try {
        st = await lstat(host(`/${candidate.join('/')}`));
      } catch {
        // Missing: the rest cannot be links.
        done = [...candidate, ...pending];
        pending = [];
        break;
      }
      if (st.isSymbolicLink()) {
        if (++links > MAX_LINKS) throw new Error(`too many symbolic links resolving ${guestPath} in the guest`);
        const target = await readlink(host(`/${candidate.join('/')}`));
        const base = target.startsWith('/') ? [] : done;
        pending = [...base, ...target.split('/').filter(Boolean), ...pending];
        done = [];
        // Restart from the guest root with the rewritten path.
        pending = posix.normalize(`/${pending.join('/')}`).split('/').filter(Boolean);
        continue;
      }
      done = candidate;
    }
    return `/${done.join('/')}`;
  }

  const fs: RootFs = {
    realGuestPath,
    resolve: async (gp) => host(await realGuestPath(gp)),
    async read(gp, maxBytes = 16 * 1024 * 1024) {
      const p = await fs.resolve(gp);
      let fh;
      try {
        fh = await open(p, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch {
        return undefined;
      }
      try {
        const st = await fh.stat();
        if (!st.isFile()) throw new UserError(`${gp} in the guest is not a regular file`, 'Look at it in the guest: xen2kvm reads and edits regular files only.');
        if (st.size > maxBytes) throw new UserError(`${gp} in the guest is ${st.size} bytes, larger than ${maxBytes} bytes (more than a file of its kind can be); xen2kvm will not read it`, `Look at ${gp} in the guest: it may be damaged or not what it claims to be.`);
        return await fh.readFile();
      } finally {
        await fh.close();
      }
    },
    async head(gp, bytes) {
      let fh;
      try {
        fh = await open(await fs.resolve(gp), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch {
        return undefined;
      }
      try {
        if (!(await fh.stat()).isFile()) return undefined;
        const b = Buffer.alloc(bytes);
        const { bytesRead } = await fh.read(b, 0, bytes, 0);
        return b.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    },
    async readText(gp, maxBytes = 1024 * 1024) {
      const b = await fs.read(gp, maxBytes);
      return b?.toString('utf8');
    },
    async list(gp) {
      try {
        return (await readdir(await fs.resolve(gp))).sort();
      } catch {
        return [];
      }
    },
    async kind(gp) {
      try {
        const st = await lstat(await fs.resolve(gp));
        return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'other';
      } catch {
        return undefined;
      }
    },
    async linkTarget(gp) {
      const parent = await realGuestPath(posix.dirname(posix.normalize(`/${gp}`)));
      try {
        return await readlink(host(posix.join(parent, posix.basename(gp))));
      } catch {
        return undefined;
      }
    },
  };
  return fs;
}
