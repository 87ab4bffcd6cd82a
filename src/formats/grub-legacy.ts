// Reads a GRUB legacy menu (grub.conf / menu.lst) into its settings and boot
// entries, keeping line numbers so edits can change single lines (pure).

export interface GrubEntry {
  title: string;
  /** Line index (0-based) of the title line. */
  titleLine: number;
  /** Line index one past the entry's last line. */
  endLine: number;
  root?: string;
  kernel?: { path: string; args: string[]; line: number };
  initrd?: { path: string; line: number };
}

export interface GrubMenu {
  lines: string[];
  /** `default=` as written: a number, or "saved". */
  defaultValue?: string;
  defaultLine?: number;
  /** Index of the default entry (0 when unset or saved). */
  defaultIndex: number;
  entries: GrubEntry[];
  /** Global commands before the first title: name → line index. */
  globals: Map<string, number>;
}

/** `kernel /vmlinuz-2.6.18-128.el5 ro root=…` → the command word and the rest. */
function split(line: string): { cmd: string; rest: string } {
  const m = /^\s*([A-Za-z_]+)\s*(?:=\s*|\s+)?(.*)$/.exec(line);
  return m ? { cmd: m[1], rest: m[2].trim() } : { cmd: '', rest: '' };
}

export function parseGrubLegacy(text: string): GrubMenu {
  const lines = text.split('\n');
  const menu: GrubMenu = { lines, defaultIndex: 0, entries: [], globals: new Map() };
  let cur: GrubEntry | undefined;
  lines.forEach((raw, i) => {
    // CRLF files: the CR is kept in `lines` (edits put it back), not parsed.
    const line = raw.replace(/\r$/, '');
    if (/^\s*(#|$)/.test(line)) return;
    const { cmd, rest } = split(line);
    if (cmd === 'title') {
      if (cur) cur.endLine = i;
      cur = { title: rest, titleLine: i, endLine: lines.length };
      menu.entries.push(cur);
      return;
    }
    if (!cur) {
      menu.globals.set(cmd, i);
      if (cmd === 'default') {
        menu.defaultValue = rest;
        menu.defaultLine = i;
        menu.defaultIndex = /^\d+$/.test(rest) ? Number(rest) : 0;
      }
      return;
    }
    if (cmd === 'root') cur.root = rest;
    if (cmd === 'kernel') {
      const [path, ...args] = rest.split(/\s+/);
      cur.kernel = { path, args, line: i };
    }
    if (cmd === 'initrd') cur.initrd = { path: rest.split(/\s+/)[0], line: i };
  });
  // Trailing blank/comment lines after the last entry do not belong to it.
  if (cur) {
    let end = lines.length;
    while (end > cur.titleLine + 1 && /^\s*(#.*)?\r?$/.test(lines[end - 1])) end--;
    cur.endLine = end;
  }
  return menu;
}

/** The kernel version a grub kernel path names (`/vmlinuz-2.6.18-128.el5xen` → `2.6.18-128.el5xen`). */
export function kernelVersionOf(path: string): string | undefined {
  return /vmlinu[xz]-(.+)$/.exec(path)?.[1];
}

/** Index of the menu entry that boots `version`, or -1. */
export function entryIndex(text: string, version: string): number {
  return parseGrubLegacy(text).entries.findIndex((e) => e.kernel && kernelVersionOf(e.kernel.path) === version);
}

