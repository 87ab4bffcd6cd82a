// A login on the serial console: the inittab getty on xvc0 / hvc0 moves to ttyS0
// (the seed: "Change xvc0 to ttyS0. If the line is not present, add it"); the
// tty1-6 mingettys stay.
import type { EditContext, FileEdit } from '../types.js';
import { mapLines } from '../types.js';
import { fileCr } from '../../formats/lines.js';

const GETTY = /^([^#:][^:]*:[^:]*:[^:]*:\S*(?:a?getty|mingetty)\b.*)$/;

export function serialGetty(text: string, ctx: EditContext): string {
  let hasSerial = false;
  let lastGetty = -1;
  let out = mapLines(text, (line, i) => {
    if (!GETTY.test(line.replace(/\r$/, ''))) return line;
    lastGetty = i;
    if (/\b(xvc0|hvc0)\b/.test(line)) {
      hasSerial = true;
      // id:runlevels:action:process — the device is in the process; an id named after the
      // console (Debian's "hvc0:2345:…") becomes T0 (ids are at most 4 characters).
      const [id, levels, action, ...proc] = line.split(':');
      let l = [/^(xvc0|hvc0)$/.test(id) ? 'T0' : id, levels, action, proc.join(':').replace(/\b(xvc0|hvc0)\b/g, 'ttyS0')].join(':');
      // agetty DEVICE SPEED … (or SPEED DEVICE): the speed follows the console's.
      l = l.replace(/(\bttyS0\s+)\d+(,\d+)*/, `$1${ctx.serialSpeed}`).replace(/(\s)\d+(,\d+)*(\s+ttyS0\b)/, `$1${ctx.serialSpeed}$3`);
      return l;
    }
    if (/\bttyS0\b/.test(line)) hasSerial = true;
    return line;
  });
  if (!hasSerial) {
    const lines = out.split('\n');
    const at = lastGetty >= 0 ? lastGetty + 1 : lines.length - (lines[lines.length - 1] === '' ? 1 : 0);
    lines.splice(at, 0, `co:2345:respawn:/sbin/agetty ttyS0 ${ctx.serialSpeed} vt100-nav${fileCr(text)}`);
    out = lines.join('\n');
  }
  return out;
}

export const inittab: FileEdit = {
  kind: 'file',
  id: 'inittab',
  describe: 'a getty on the serial console ttyS0 instead of xvc0',
  // Only where init reads it: upstart and systemd guests have their own consoles (console/upstart.ts, console/serial-getty.ts).
  paths: async (_fs, ctx) => (ctx.facts.initSystem === 'sysvinit' || ctx.facts.initSystem === 'unknown' ? ['/etc/inittab'] : []),
  apply: serialGetty,
};
