// No Xen name left behind: after the edits, the guest's text files under /etc
// and /boot are swept for names that exist only under Xen — its disk names
// (/dev/xvda, xvdb1), its consoles (xvc0, hvc0 as a console or getty), and its
// by-id names (/dev/disk/by-id/xen-…). Each one left is reported with its file
// and line, for inspect and convert; the family edits rewrite those they know.
import type { RootFs } from '../tree/fs.js';
import { warning, type Warning } from '../errors.js';

/** One line that still names a Xen device. */
export interface XenNameHit {
  path: string;
  line: number;
  name: string;
  text: string;
}

const PATTERNS: RegExp[] = [
  /\/dev\/xvd[a-z]+\d*/,
  /(?:^|[\s(=,"':])(xvd[a-z]+\d*)\b/,
  /\bconsole=((?:xvc|hvc)\d+)/,
  /\/dev\/((?:xvc|hvc)\d+)\b/,
  /getty\b.*\b((?:xvc|hvc)\d+)\b/,
  /\/dev\/disk\/by-id\/xen-\S+/,
];

/** A boot loader line of a Xen kernel (kernel-xen's vmlinuz-…xen, the hypervisor's xen.gz and its modules). */
const XEN_KERNEL_LINE = /^\s*(kernel|module|linux|linux16|multiboot)\s+\S*(xen\.gz|vmlinu[xz]-\S*xen)/;

/** The Xen names in a text, line by line (comments skipped: they configure nothing). Pure. */
export function findXenNames(path: string, text: string): XenNameHit[] {
  const hits: XenNameHit[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*[#;]/.test(line)) return;
    // A Xen kernel's own boot entry keeps its Xen console and disks: it boots only under Xen (and after a rollback).
    if (XEN_KERNEL_LINE.test(line)) return;
    for (const p of PATTERNS) {
      const m = p.exec(line);
      if (!m) continue;
      hits.push({ path, line: i + 1, name: m[1] ?? m[0], text: line.trim().slice(0, 160) });
      return;
    }
  });
  return hits;
}

/** Where the sweep looks, how deep, and what it skips (a backup of the guest's own files is not the guest's configuration). */
const ROOTS = ['/etc', '/boot'];
const MAX_DEPTH = 6;
const MAX_FILE = 1024 * 1024;
const SKIP = /^\/etc\/(xen|ssl|pki|selinux\/targeted\/(policy|modules)|gconf|fonts)(\/|$)|\.(bak|orig|rpmsave|rpmnew|dpkg-old|dpkg-dist)$|~$/;

/** Every line of the guest's text files under /etc and /boot that names a Xen device. */
export async function sweepXenNames(fs: RootFs): Promise<XenNameHit[]> {
  const hits: XenNameHit[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) return;
    for (const name of await fs.list(dir)) {
      const p = `${dir}/${name}`;
      if (SKIP.test(p) || (await fs.linkTarget(p)) !== undefined) continue;
      const kind = await fs.kind(p);
      if (kind === 'dir') await walk(p, depth + 1);
      if (kind !== 'file') continue;
      const head = await fs.head(p, 8192);
      if (!head || head.includes(0)) continue;
      const data = await fs.read(p, MAX_FILE).catch(() => undefined);
      if (data && !data.includes(0)) hits.push(...findXenNames(p, data.toString('latin1')));
    }
  };
  for (const r of ROOTS) if ((await fs.kind(r)) === 'dir') await walk(r, 0);
  return hits;
}

/** The Xen names a conversion leaves: those in files no (pending) edit changes, as warnings naming file and line. */
export async function xenNamesLeft(fs: RootFs, changing: string[] = []): Promise<Warning[]> {
  const skip = new Set(changing);
  const hits = (await sweepXenNames(fs)).filter((h) => !skip.has(h.path));
  return hits.map((h) => warning('xen-name-left', `${h.path}:${h.line} still names Xen's ${h.name} (${h.text}); no edit of its family changes it — change it by hand if the guest reads it`));
}
