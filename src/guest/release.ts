// Which distribution a guest runs, from its release files (pure).

export interface OsInfo {
  family: 'rhel' | 'debian' | 'suse' | 'arch' | 'unknown';
  distro: string;
  version: string;
  major: number;
  minor: number;
  /** The release file's text, first line. */
  description: string;
}

export interface ReleaseFiles {
  redhat?: string;
  centos?: string;
  osRelease?: string;
  debianVersion?: string;
  suse?: string;
  /** /etc/lsb-release (Ubuntu before os-release existed: 10.04 and earlier). */
  lsb?: string;
  /** /etc/arch-release exists (it is empty on Arch). */
  arch?: boolean;
}

/** os-release IDs that libguestfs (virt-inspector's <distro>) names otherwise. */
const LIBGUESTFS_NAMES: Record<string, string> = {
  arch: 'archlinux', ol: 'oraclelinux', scientific: 'scientificlinux',
  'opensuse-leap': 'opensuse', 'opensuse-tumbleweed': 'opensuse', 'sles_sap': 'sles',
};

function versionParts(v: string): { major: number; minor: number } {
  const m = /^(\d+)(?:\.(\d+))?/.exec(v);
  return { major: m ? Number(m[1]) : 0, minor: m?.[2] ? Number(m[2]) : 0 };
}

export function detectOs(f: ReleaseFiles): OsInfo {
  const first = (s: string) => s.split('\n').find((l) => l.trim())?.trim() ?? '';
  const rh = f.centos ?? f.redhat;
  if (rh) {
    const line = first(rh);
    const m = /release\s+(\d+(?:\.\d+)?)/i.exec(line);
    const version = m?.[1] ?? '';
    let distro = 'rhel';
    if (/centos/i.test(line)) distro = 'centos';
    // libguestfs's names (virt-inspector's <distro>), so both tools agree.
    else if (/scientific/i.test(line)) distro = 'scientificlinux';
    else if (/fedora/i.test(line)) distro = 'fedora';
    else if (/oracle|enterprise linux enterprise/i.test(line)) distro = 'oraclelinux';
    return { family: 'rhel', distro, version, ...versionParts(version), description: line };
  }
  if (f.suse) {
    const line = first(f.suse);
    const v = /VERSION\s*=\s*(\S+)/.exec(f.suse)?.[1] ?? '';
    const p = /PATCHLEVEL\s*=\s*(\d+)/.exec(f.suse)?.[1];
    const version = p ? `${v}.${p}` : v;
    return { family: 'suse', distro: /opensuse/i.test(line) ? 'opensuse' : 'sles', version, ...versionParts(version), description: line };
  }
  if (f.osRelease) {
    const kv = Object.fromEntries(f.osRelease.split('\n').map((l) => /^([A-Z_]+)=("?)(.*)\2$/.exec(l.trim())).filter(Boolean).map((m) => [m![1], m![3]]));
    const id = LIBGUESTFS_NAMES[kv.ID ?? ''] ?? kv.ID ?? 'unknown';
    const like = `${kv.ID ?? ""} ${kv.ID_LIKE ?? ""}`;
    const family = /rhel|fedora|centos/.test(like) ? 'rhel' : /debian|ubuntu/.test(like) ? 'debian' : /suse/.test(like) ? 'suse' : /\barch\b/.test(like) ? 'arch' : 'unknown';
    const version = kv.VERSION_ID ?? f.debianVersion?.trim() ?? '';
    return { family, distro: id, version, ...versionParts(version), description: kv.PRETTY_NAME ?? id };
  }
  const lsb = f.lsb ? Object.fromEntries(f.lsb.split('\n').map((l) => /^(DISTRIB_[A-Z]+)=("?)(.*)\2$/.exec(l.trim())).filter(Boolean).map((m) => [m![1], m![3]])) : {};
  if (lsb.DISTRIB_ID) {
    const id = lsb.DISTRIB_ID.toLowerCase();
    const version = lsb.DISTRIB_RELEASE ?? '';
    const family = /ubuntu|debian|mint/.test(id) ? 'debian' : 'unknown';
    return { family, distro: id, version, ...versionParts(version), description: lsb.DISTRIB_DESCRIPTION ?? `${lsb.DISTRIB_ID} ${version}` };
  }
  if (f.arch) return { family: 'arch', distro: 'archlinux', version: '', major: 0, minor: 0, description: 'Arch Linux' };
  if (f.debianVersion) {
    const version = f.debianVersion.trim();
    return { family: 'debian', distro: 'debian', version, ...versionParts(version), description: `Debian ${version}` };
  }
  return { family: 'unknown', distro: 'unknown', version: '', major: 0, minor: 0, description: '' };
}
