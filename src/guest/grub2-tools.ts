// GRUB 2's tools in a guest, read from its files: update-grub / grub-mkconfig /
// grub2-mkconfig, and grub-install with its i386-pc modules (GRUB for BIOS).
import type { RootFs } from '../tree/fs.js';

export interface Grub2Tools {
  /** /etc/default/grub exists (grub-mkconfig reads it). */
  defaults: boolean;
  /** argv that regenerates grub.cfg in the guest (it is given `-o CFG` when it is grub-mkconfig). */
  mkconfig?: string;
  /** The guest's grub-install, when GRUB for BIOS (i386-pc) is installed. */
  install?: string;
}

async function firstPresent(fs: RootFs, paths: string[]): Promise<string | undefined> {
  for (const p of paths) if ((await fs.kind(p)) === 'file' || (await fs.linkTarget(p)) !== undefined) return p;
  return undefined;
}

export async function grub2Tools(fs: RootFs): Promise<Grub2Tools> {
  const mkconfig = await firstPresent(fs, ['/usr/sbin/grub-mkconfig', '/usr/sbin/grub2-mkconfig', '/sbin/grub2-mkconfig', '/sbin/grub-mkconfig']);
  const install = await firstPresent(fs, ['/usr/sbin/grub-install', '/usr/sbin/grub2-install', '/sbin/grub2-install', '/sbin/grub-install']);
  // Debian's grub-pc, RHEL's grub2-pc (/usr/lib/grub2), SUSE's grub2-i386-pc (/usr/share/grub2).
  let i386 = false;
  for (const d of ['/usr/lib/grub/i386-pc', '/usr/lib/grub2/i386-pc', '/usr/share/grub2/i386-pc']) i386 ||= (await fs.kind(d)) === 'dir';
  return {
    defaults: await fs.isFile('/etc/default/grub'),
    ...(mkconfig ? { mkconfig } : {}),
    ...(install && i386 ? { install } : {}),
  };
}
