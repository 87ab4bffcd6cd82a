// Runs a command of the guest's in a chroot of its mounted root, with /proc,
// /sys and /dev bind-mounted (as mkinitrd needs), a clean environment and a time
// limit. The guest's code runs as root on this host: see the README's safety model.
import { join } from 'node:path';
import { run } from '../run.js';
import type { Acquirer } from '../image/release.js';
import type { RootFs } from '../tree/fs.js';

const BINDS = ['/proc', '/sys', '/dev'];

export async function runInGuestChroot(root: string, fs: RootFs, argv: string[], acq: Acquirer): Promise<string> {
  const stack = acq.stack;
  const before = stack.size;
  try {
    for (const b of BINDS) {
      if ((await fs.kind(b)) !== 'dir') throw new Error(`the guest has no ${b} directory to bind-mount for the chroot`);
      const target = join(root, await fs.realGuestPath(b));
      acq.intend({ kind: 'mount', target, source: b });
      await run('mount', ['--bind', b, target]);
    }
    const r = await run('chroot', [root, ...argv], {
      env: { PATH: '/sbin:/bin:/usr/sbin:/usr/bin', HOME: '/root', LANG: 'C', TERM: 'dumb' },
      timeoutMs: 15 * 60 * 1000,
      cleanEnv: true,
      advice: 'The command ran inside the guest; its own output above says why it failed.',
    });
    return r.stdout;
  } finally {
    while (stack.size > before) await stack.popAndUndo();
  }
}
