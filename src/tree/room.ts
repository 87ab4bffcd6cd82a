// Room for a run's writes, checked before the first one: each file a run changes
// is copied into the backup area and rewritten through a temp file beside it, so
// its filesystem and the backup area's each need its size again. A guest whose
// filesystem is full (reserved blocks included: xen2kvm writes as root) is
// refused before anything is touched, never half-converted.
import { lstat, statfs } from 'node:fs/promises';
import { posix } from 'node:path';
import { EnvironmentError } from '../errors.js';
import type { RootFs } from './fs.js';

/** Slack for the manifest, directories and small files (bytes), and inodes. */
const SLACK_BYTES = 256 * 1024;
const SLACK_INODES = 16;

interface Need {
  where: string;
  bytes: number;
  inodes: number;
  host: string;
}

/** The nearest existing folder of a guest path, as a host path, and its filesystem's device. */
async function holder(fs: RootFs, guestPath: string): Promise<{ host: string; dev: number; guest: string }> {
  let p = posix.normalize(guestPath);
  for (;;) {
    const host = await fs.resolve(p);
    try {
      const st = await lstat(host);
      if (st.isDirectory()) return { host, dev: st.dev, guest: p };
    } catch {
      /* not there yet */
    }
    if (p === '/') throw new Error('the guest root is not a directory');
    p = posix.dirname(p);
  }
}

/**
 * Refuses (exit 1) when the filesystems that `files` (guest paths) and the
 * backup area `backupDir` live on have too little room for this run's copies.
 */
export async function checkRoom(fs: RootFs, files: string[], backupDir: string): Promise<void> {
  const needs = new Map<number, Need>();
  const add = (h: { host: string; dev: number; guest: string }, bytes: number, inodes: number) => {
    const n = needs.get(h.dev) ?? { where: h.guest, bytes: 0, inodes: 0, host: h.host };
    n.bytes += bytes;
    n.inodes += inodes;
    needs.set(h.dev, n);
  };
  const backup = await holder(fs, backupDir);
  add(backup, SLACK_BYTES, SLACK_INODES);
  for (const file of new Set(files)) {
    let size = 0;
    try {
      const st = await lstat(await fs.resolve(file));
      if (st.isFile()) size = st.size;
    } catch {
      /* a file the run creates: small */
    }
    add(await holder(fs, posix.dirname(file)), size + 4096, 2);
    add(backup, size + 4096, 1);
  }
  for (const n of needs.values()) {
    const st = await statfs(n.host);
    const free = st.bfree * st.bsize;
    // Filesystems without inode counts (btrfs) report files = 0.
    const inodesShort = st.files > 0 && st.ffree < n.inodes;
    if (free < n.bytes || inodesShort) {
      throw new EnvironmentError(
        `the guest filesystem holding ${n.where} is too full for this conversion: ${inodesShort ? `${st.ffree} free inodes, ${n.inodes} needed` : `${Math.floor(free / 1024)} KiB free (reserved blocks included), about ${Math.ceil(n.bytes / 1024)} KiB needed`} for the backups and the rewritten files`,
        'Nothing was changed. Free space in the guest (old kernels in /boot, logs in /var/log), or grow the filesystem, then run xen2kvm again.',
      );
    }
  }
}
