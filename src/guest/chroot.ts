// Runs a command of the guest's (mkinitrd, dracut, update-initramfs) contained:
// in new mount, PID, IPC, UTS and network namespaces (unshare), with the guest's
// root made the root by pivot_root (the host's is detached, so no chroot escape
// and no /proc/PID/root leads back to it), a fresh /proc of the new PID namespace,
// a minimal /dev (null, zero, full, random, urandom, tty — and the guest's own
// disks when a command must see them, e.g. grub-install) on a tmpfs, /sys
// read-only, no network, a clean environment and a time limit. Every mount lives
// in the private namespace: when the command ends, is killed or times out, the
// namespace's PID 1 dies, the kernel kills everything in it, and its mounts vanish
// — nothing is left on the host or in the guest.
import { statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { run } from '../run.js';
import type { Acquirer } from '../image/acquire.js';
import { processStart } from '../image/journal.js';
import type { RootFs } from '../tree/fs.js';

/** The setup, run by the host's sh as PID 1 of the new namespaces, before the guest's command replaces it. */
const SETUP = `set -e
root=$1; shift
n=$1; shift
nodes=
while [ "$n" -gt 0 ]; do nodes="$nodes $1"; shift; n=$((n - 1)); done
# NAME=MAJOR:MINOR[@UUID] → a block device node under the directory $1 (and its by-uuid link).
make_nodes() {
  for spec in $nodes; do
    path=\${spec%%=*}; nums=\${spec#*=}; uuid=
    case $nums in *@*) uuid=\${nums#*@}; nums=\${nums%@*} ;; esac
    mkdir -p "$1\${path%/*}"
    mknod -m 600 "$1$path" b \${nums%:*} \${nums#*:}
    if [ -n "$uuid" ]; then mkdir -p "$1/dev/disk/by-uuid"; ln -sf "$path" "$1/dev/disk/by-uuid/$uuid"; fi
  done
}
m=$1; shift
if [ "$m" -gt 0 ]; then
  # The guest's filesystems mounted again inside this namespace from device nodes
  # named as the guest will see them under KVM (/dev/vda1), so its tools (grub-probe)
  # find its disks by those names, never by the host's loop or mapper names.
  mount -t tmpfs -o mode=0755,size=1m xen2kvm-nodes /dev
  make_nodes ""
  mount -t tmpfs -o mode=0755,size=1m xen2kvm-root /mnt
  mkdir /mnt/root
  while [ "$m" -gt 0 ]; do
    spec=$1; shift; m=$((m - 1))
    mp=\${spec%%|*}; rest=\${spec#*|}; dev=\${rest%%|*}; rest=\${rest#*|}; fstype=\${rest%%|*}; opts=\${rest#*|}
    mount -t "$fstype" -o "$opts" "$dev" "/mnt/root$mp"
  done
  root=/mnt/root
fi
cd "$root"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount -t tmpfs -o nosuid,noexec,mode=0755,size=1m xen2kvm-dev "$root/dev"
mknod -m 666 "$root/dev/null" c 1 3
mknod -m 666 "$root/dev/zero" c 1 5
mknod -m 666 "$root/dev/full" c 1 7
mknod -m 666 "$root/dev/random" c 1 8
mknod -m 666 "$root/dev/urandom" c 1 9
mknod -m 666 "$root/dev/tty" c 5 0
ln -s /proc/self/fd "$root/dev/fd"
make_nodes "$root"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
pivot_root . .
umount -l .
cd /
exec "$@"
`;

/** Guest directories the setup mounts on: each must be a real directory of the guest, not a link. */
const MOUNT_POINTS = ['/proc', '/sys', '/dev'];

/** A host block device a guest command sees, and the name it has there (what the guest calls it under KVM). */
export interface GuestDevice {
  host: string;
  name: string;
  /** Its filesystem UUID: /dev/disk/by-uuid/UUID links to it (grub-mkconfig writes root=UUID= only when that link exists). */
  uuid?: string;
}

/** A guest filesystem mounted again inside the namespace from its device's guest name. */
export interface GuestMount {
  mountpoint: string;
  name: string;
  fstype: string;
  options: string;
}

const DEV_NAME = /^\/dev\/[A-Za-z0-9_.+-]+(\/[A-Za-z0-9_.+-]+)*$/;

/** A host block device as `NAME=MAJOR:MINOR`, for the setup to make in the guest's /dev (and only that). */
export function deviceNode(d: GuestDevice): string {
  if (!DEV_NAME.test(d.name) || d.name.split('/').includes('..')) throw new UserError(`${d.name} is not a device name xen2kvm gives a guest command`);
  const path = d.host;
  const st = statSync(path, { bigint: true });
  if (!st.isBlockDevice()) throw new UserError(`${path} is not a block device`);
  const rdev = st.rdev;
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return `${d.name}=${major}:${minor}${d.uuid && /^[A-Za-z0-9-]+$/.test(d.uuid) ? `@${d.uuid}` : ''}`;
}

export async function runInGuestChroot(root: string, fs: RootFs, argv: string[], acq: Acquirer, devices: GuestDevice[] = [], mounts: GuestMount[] = []): Promise<string> {
  const nodes = [...new Map(devices.map((d) => [d.name, d])).values()].map(deviceNode);
  for (const m of mounts) {
    if (!DEV_NAME.test(m.name) || !/^\/[^|]*$/.test(m.mountpoint) || /[|\s]/.test(m.fstype + m.options)) throw new UserError(`cannot mount ${m.name} on ${m.mountpoint} for a guest command`);
  }
  const remounts = [...mounts].sort((a, b) => a.mountpoint.split('/').filter(Boolean).length - b.mountpoint.split('/').filter(Boolean).length)
    .map((m) => `${m.mountpoint === '/' ? '' : m.mountpoint}|${m.name}|${m.fstype}|${m.options}`);
  // Nothing is acquired on the host (every mount is inside the namespace), but an
  // interrupted run stops the command first: killing unshare kills the namespace.
  const stop = new AbortController();
  let running: Promise<unknown> | undefined;
  const drop = acq.stack.push(`stop the guest's ${argv[0]}`, async () => {
    stop.abort();
    // Wait until it is gone, so nothing of it holds the guest's filesystems when they are unmounted.
    await running?.catch(() => undefined);
  });
  for (const p of MOUNT_POINTS) {
    const link = await fs.linkTarget(p);
    if (link !== undefined) throw new UserError(`the guest's ${p} is a symbolic link (to ${link}); xen2kvm will not mount over what it points to`, `Make ${p} a plain directory in the guest, or run the guest's own tools by hand.`);
    if ((await fs.kind(p)) !== 'dir') throw new UserError(`the guest has no ${p} directory to mount for its own tools`, `Create ${p} in the guest (an empty directory), then convert again.`);
  }
  try {
    const r = runContained(root, [String(nodes.length), ...nodes, String(remounts.length), ...remounts, ...argv], stop.signal, (pid) => {
      // Journaled, so `xen2kvm cleanup` kills it (and its namespace) if this run is killed first.
      const start = processStart(pid);
      if (start) acq.record({ kind: 'process', pid, start, what: argv[0] });
    });
    running = r;
    return (await r).stdout;
  } finally {
    drop();
  }
}

async function runContained(root: string, argv: string[], signal: AbortSignal, onSpawn: (pid: number) => void) {
  return run('unshare', ['--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', '--ipc', '--uts', '--net', '--', 'sh', '-c', SETUP, 'xen2kvm-guest', root, ...argv], {
    env: { PATH: '/sbin:/bin:/usr/sbin:/usr/bin', HOME: '/root', LANG: 'C', TERM: 'dumb' },
    timeoutMs: 15 * 60 * 1000,
    cleanEnv: true,
    advice: 'The command ran inside the guest (contained: its own namespaces, no network); its own output above says why it failed.',
    signal,
    onSpawn,
  });
}
