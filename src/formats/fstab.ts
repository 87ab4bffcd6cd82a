// Reads /etc/fstab text into entries (pure). Comments and blank lines are kept
// out; every entry remembers its line for messages.

export interface FstabEntry {
  spec: string;
  file: string;
  vfstype: string;
  options: string[];
  line: number;
}

/** Decodes fstab's octal escapes (\040 is a space). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseFstab(text: string): FstabEntry[] {
  const out: FstabEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const f = line.split(/\s+/);
    if (f.length < 2) return;
    out.push({ spec: unescape(f[0]), file: unescape(f[1]), vfstype: f[2] ?? 'auto', options: (f[3] ?? 'defaults').split(','), line: i + 1 });
  });
  return out;
}

/** Filesystem types that live on a local block device and that xen2kvm will mount. */
export const MOUNTABLE = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'jfs', 'reiserfs', 'vfat']);

/** Why an entry is not mounted, or undefined when it should be. */
export function skipReason(e: FstabEntry): string | undefined {
  if (e.vfstype === 'swap' || e.file === 'swap' || e.file === 'none') return 'swap space';
  if (['proc', 'sysfs', 'devpts', 'tmpfs', 'devtmpfs', 'usbfs', 'binfmt_misc', 'securityfs', 'debugfs', 'rpc_pipefs', 'nfsd', 'cgroup', 'hugetlbfs', 'mqueue'].includes(e.vfstype)) return `a ${e.vfstype} pseudo filesystem`;
  if (/^(nfs|nfs4|cifs|smbfs|glusterfs|ceph|sshfs|fuse.*)$/.test(e.vfstype) || /^[^/]+:\//.test(e.spec) || e.spec.startsWith('//')) return 'a network filesystem';
  if (e.options.includes('bind') || e.options.includes('rbind')) return 'a bind mount';
  if (e.options.includes('noauto')) return 'marked noauto';
  if (!e.file.startsWith('/')) return `its mount point ${e.file} is not an absolute path`;
  if (e.file.split('/').includes('..')) return `its mount point ${e.file} contains ..`;
  if (e.vfstype !== 'auto' && !MOUNTABLE.has(e.vfstype)) return `filesystem type ${e.vfstype} is not one xen2kvm mounts`;
  return undefined;
}
