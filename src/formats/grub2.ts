// Reads a GRUB 2 grub.cfg's menu entries — `menuentry 'Title' … {` blocks with
// their `linux` / `linux16` / `linuxefi` and `initrd` lines, submenus included —
// into the same shape as a GRUB legacy menu, so kernels can be matched to the
// boot loader's entries (pure).
import type { GrubEntry, GrubMenu } from './grub-legacy.js';

/** The first quoted or bare word after `menuentry`. */
function title(rest: string): string {
  const m = /^\s*(?:'([^']*)'|"([^"]*)"|(\S+))/.exec(rest);
  return m ? (m[1] ?? m[2] ?? m[3] ?? '') : '';
}

export function parseGrub2Cfg(text: string): GrubMenu {
  const lines = text.split('\n');
  const menu: GrubMenu = { lines, defaultIndex: 0, entries: [], globals: new Map() };
  let cur: GrubEntry | undefined;
  let depth = 0;
  let entryDepth = -1;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const def = /^set\s+default=(?:"([^"]*)"|'([^']*)'|(\S+))/.exec(line);
    if (def && !cur) {
      const v = def[1] ?? def[2] ?? def[3] ?? '';
      menu.defaultValue = v;
      menu.defaultLine = i;
      menu.defaultIndex = /^\d+$/.test(v) ? Number(v) : 0;
    }
    const me = /^menuentry\s+(.*)$/.exec(line);
    if (me) {
      cur = { title: title(me[1]), titleLine: i, endLine: lines.length };
      menu.entries.push(cur);
      entryDepth = depth;
    }
    const k = /^(linux|linux16|linuxefi|kernel)\s+(\S+)\s*(.*)$/.exec(line);
    if (cur && k) cur.kernel = { path: k[2], args: k[3].split(/\s+/).filter(Boolean), line: i };
    const r = /^(initrd|initrd16|initrdefi)\s+(\S+)/.exec(line);
    if (cur && r) cur.initrd = { path: r[2], line: i };
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    if (cur && depth <= entryDepth) {
      cur.endLine = i + 1;
      cur = undefined;
      entryDepth = -1;
    }
  });
  // A default given by title ("Debian GNU/Linux") or id points at that entry.
  if (menu.defaultValue && !/^\d+$/.test(menu.defaultValue)) {
    const byTitle = menu.entries.findIndex((e) => e.title === menu.defaultValue);
    if (byTitle >= 0) menu.defaultIndex = byTitle;
  }
  return menu;
}
