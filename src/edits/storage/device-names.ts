// Disk names move with the disks: /dev/xvdXN (and the hdXN / sdXN names Xen also
// shows, RHBZ#1142004) become /dev/vdXN per the Xen → KVM device map, in fstab,
// crypttab and grub's root= / resume=. LABEL=, UUID= and LVM paths stay. A name
// the map does not cover is a warning with the file and line.
import { grubMenuPaths, remapDevice } from '../context.js';
import type { EditContext, FileEdit } from '../types.js';
import { mapLines } from '../types.js';

const rename = remapDevice;

/** fstab: the first field. */
export function remapFstab(text: string, ctx: EditContext, path = '/etc/fstab'): string {
  return mapLines(text, (line, i) => {
    const m = /^(\s*)(\S+)(.*)$/.exec(line);
    if (!m || m[2].startsWith('#')) return line;
    return `${m[1]}${rename(m[2], ctx, `${path} line ${i + 1}`)}${m[3]}`;
  });
}

/** crypttab: the second field (the device). */
export function remapCrypttab(text: string, ctx: EditContext): string {
  return mapLines(text, (line, i) => {
    const m = /^(\s*[^#\s]\S*\s+)(\S+)(.*)$/.exec(line);
    if (!m) return line;
    return `${m[1]}${rename(m[2], ctx, `/etc/crypttab line ${i + 1}`)}${m[3]}`;
  });
}

/** grub kernel lines: root= and resume=. */
export function remapGrubDevices(text: string, ctx: EditContext, path: string): string {
  return mapLines(text, (line, i) => {
    if (!/^\s*kernel\s/.test(line)) return line;
    return line.replace(/(\s(?:root|resume)=)(\/dev\/\S+)/g, (_, k: string, dev: string) => `${k}${rename(dev, ctx, `${path} line ${i + 1}`)}`);
  });
}

/** RESUME=/dev/xvda2 (initramfs-tools' conf.d/resume), resume device = … (uswsusp). */
export function remapResume(text: string, ctx: EditContext, path: string): string {
  return mapLines(text, (line, i) => line.replace(/^(\s*(?:RESUME\s*=\s*|resume device\s*=\s*)["']?)(\/dev\/[^"'\s]+)/, (_, k: string, dev: string) => `${k}${rename(dev, ctx, `${path} line ${i + 1}`)}`));
}

const RESUME_FILES = ['/etc/initramfs-tools/conf.d/resume', '/etc/uswsusp.conf'];

export const deviceNames: FileEdit = {
  kind: 'file',
  id: 'device-names',
  describe: 'Xen disk names (xvda) renamed to virtio (vda) in fstab, crypttab, the resume device and grub legacy root= / resume=',
  paths: async (fs, ctx) => ['/etc/fstab', '/etc/crypttab', ...RESUME_FILES, ...(await grubMenuPaths(fs, ctx))],
  apply: (text, ctx, path) => (path === '/etc/fstab' ? remapFstab(text, ctx) : path === '/etc/crypttab' ? remapCrypttab(text, ctx)
    : RESUME_FILES.includes(path) ? remapResume(text, ctx, path) : remapGrubDevices(text, ctx, path)),
};
