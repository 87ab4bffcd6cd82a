// Writing into the guest: atomic replacement that keeps mode and owner, copies
// into the backup area, and sha256s. Paths are guest paths resolved inside the
// guest's root, so a guest symlink never leads a write out to the host.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { RootFs } from './fs.js';
import { environmentError } from '../errors.js';

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Host path of a guest path's parent directory resolved inside the guest, plus the final name (not followed). */
export async function hostPathNoFollow(fs: RootFs, guestPath: string): Promise<string> {
  const parent = await fs.resolve(posix.dirname(guestPath));
  return join(parent, posix.basename(guestPath));
}

/** Creates the guest directories for a guest path; returns the guest dirs it made (outermost first). */
export async function mkdirsInRoot(fs: RootFs, guestDir: string, mode = 0o700): Promise<string[]> {
  const made: string[] = [];
  const parts = posix.normalize(guestDir).split('/').filter(Boolean);
  let cur = '';
  for (const p of parts) {
    cur = `${cur}/${p}`;
    const kind = await fs.kind(cur);
    if (kind === 'dir') continue;
    if (kind !== undefined) throw new Error(`${cur} in the guest is not a directory`);
    try {
      mkdirSync(await fs.resolve(cur), { mode });
    } catch (e) {
      throw environmentError(e, `${cur} in the guest`);
    }
    made.push(cur);
  }
  return made;
}

/**
 * Replaces (or creates) a regular file atomically: a temp file in the same
 * directory, written, chmod/chown'd, fsync'd, renamed over the target, and the
 * directory fsync'd. Asynchronous: the fsyncs (a journal commit each on the guest's
 * filesystem) wait in Node's thread pool, not on the event loop, so a batch's other
 * guests go on meanwhile (measured: ~90 ms of fsync per RHEL 5 convert).
 */
export async function atomicWrite(hostPath: string, data: Buffer | string, mode: number, uid = 0, gid = 0, label = hostPath): Promise<void> {
  try {
    await atomicWriteOnce(hostPath, data, mode, uid, gid);
  } catch (e) {
    throw environmentError(e, label, typeof data === 'string' ? Buffer.byteLength(data) : data.length);
  }
}

async function atomicWriteOnce(hostPath: string, data: Buffer | string, mode: number, uid: number, gid: number): Promise<void> {
  try {
    const st = lstatSync(hostPath);
    if (!st.isFile()) throw new Error(`${hostPath} is not a regular file; not replacing it`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const tmp = join(dirname(hostPath), `.xen2kvm-${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
    await fh.chown(uid, gid);
    await fh.chmod(mode & 0o7777);
    await fh.sync();
  } catch (e) {
    await fh.close();
    unlinkSync(tmp);
    throw e;
  }
  await fh.close();
  renameSync(tmp, hostPath);
  const dir = await open(dirname(hostPath), constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export interface FileState {
  data: Buffer;
  mode: number;
  uid: number;
  gid: number;
}

/** A regular file's contents and metadata (not following a final symlink). */
export function readState(hostPath: string): FileState {
  const st = lstatSync(hostPath);
  if (!st.isFile()) throw new Error(`${hostPath} is not a regular file`);
  return { data: readFileSync(hostPath), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/** `length` bytes of a device (or image) at `offset`. */
export function readRegion(device: string, offset: number, length: number): Buffer {
  const fd = openSync(device, 'r');
  try {
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

export function writeRegion(device: string, offset: number, data: Buffer): void {
  const fd = openSync(device, 'r+');
  try {
    writeSync(fd, data, 0, data.length, offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
