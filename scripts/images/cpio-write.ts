// Writes newc cpio archives (what initrds are), for the sample guests. Pure.

export interface CpioEntry {
  name: string;
  /** File contents; directories have none; symlinks give their target. */
  data?: Buffer;
  type: 'file' | 'dir' | 'symlink';
  mode?: number;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

export function writeNewc(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const pad = (len: number) => Buffer.alloc((4 - (len % 4)) % 4);
  const push = (name: string, mode: number, data: Buffer, nlink: number) => {
    const nameBuf = Buffer.from(`${name}\0`);
    const header = `070701${hex8(ino++)}${hex8(mode)}${hex8(0)}${hex8(0)}${hex8(nlink)}${hex8(0)}${hex8(data.length)}${hex8(0)}${hex8(0)}${hex8(0)}${hex8(0)}${hex8(nameBuf.length)}${hex8(0)}`;
    const head = Buffer.concat([Buffer.from(header, 'latin1'), nameBuf]);
    parts.push(head, pad(head.length), data, pad(data.length));
  };
  for (const e of entries) {
    const kind = e.type === 'dir' ? 0o040000 : e.type === 'symlink' ? 0o120000 : 0o100000;
    const perm = e.mode ?? (e.type === 'dir' ? 0o755 : e.type === 'symlink' ? 0o777 : 0o644);
    push(e.name, kind | perm, e.data ?? Buffer.alloc(0), e.type === 'dir' ? 2 : 1);
  }
  push('TRAILER!!!', 0, Buffer.alloc(0), 1);
  return Buffer.concat(parts);
}
