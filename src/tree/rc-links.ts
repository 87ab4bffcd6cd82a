// SysV runlevel links, changed offline the way chkconfig would: the priorities come
// from the init script's `# chkconfig: LEVELS START STOP` header. Pure planning
// over a RootFs.
import { posix } from 'node:path';
import type { RootFs } from './fs.js';
import type { TreeOp } from './types.js';

export interface ChkconfigHeader {
  levels: string;
  start: string;
  stop: string;
}

export function parseChkconfigHeader(script: string): ChkconfigHeader | undefined {
  const m = /^#\s*chkconfig:\s*(\S+)\s+(\d+)\s+(\d+)/m.exec(script);
  return m ? { levels: m[1], start: m[2].padStart(2, '0'), stop: m[3].padStart(2, '0') } : undefined;
}

/** The rcN.d directory of a runlevel (RHEL: /etc/rc.d/rcN.d, Debian: /etc/rcN.d). */
async function rcDir(fs: RootFs, level: number): Promise<string | undefined> {
  for (const d of [`/etc/rc.d/rc${level}.d`, `/etc/rc${level}.d`]) {
    if ((await fs.kind(d)) === 'dir') return fs.realGuestPath(d);
  }
  return undefined;
}

async function initScript(fs: RootFs, service: string): Promise<string | undefined> {
  for (const d of ['/etc/rc.d/init.d', '/etc/init.d']) {
    const text = await fs.readText(`${d}/${service}`);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** Renames S??name → K??name (off) or K??name → S??name (on) in runlevels 2-5. */
export async function planChkconfig(fs: RootFs, service: string, on: boolean): Promise<TreeOp[]> {
  const script = await initScript(fs, service);
  if (script === undefined) return [];
  const header = parseChkconfigHeader(script) ?? { levels: '2345', start: on ? '50' : '50', stop: '50' };
  const ops: TreeOp[] = [];
  for (const level of [2, 3, 4, 5]) {
    const dir = await rcDir(fs, level);
    if (!dir) continue;
    const names = await fs.list(dir);
    const from = names.find((n) => new RegExp(`^${on ? 'K' : 'S'}\\d\\d${service}$`).test(n));
    const already = names.some((n) => new RegExp(`^${on ? 'S' : 'K'}\\d\\d${service}$`).test(n));
    if (from && !already) ops.push({ op: 'rename', from: posix.join(dir, from), to: posix.join(dir, `${on ? `S${header.start}` : `K${header.stop}`}${service}`) });
  }
  return ops;
}
