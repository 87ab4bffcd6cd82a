// upstart (Ubuntu 10.04–14.04): the getty on Xen's console is a job of its own,
// /etc/init/hvc0.conf; the same job on ttyS0 (ttyS0.conf, at the serial speed) is
// made next to it. hvc0.conf stays: under KVM its device does not exist and upstart
// gives up on it, and the guest still boots under Xen.
import type { EditContext, TreeEdit } from '../types.js';

/** ttyS0.conf from a Xen console job's text. */
export function ttyS0Job(text: string, ctx: EditContext): string {
  return text.split('\n').map((line) => {
    if (/^\s*#/.test(line)) return line.replace(/\b(hvc0|xvc0)\b/g, 'ttyS0');
    if (/^\s*exec\s/.test(line)) {
      return line.replace(/\b(hvc0|xvc0)\b/, 'ttyS0').replace(/(\s)\d{3,6}(\s+ttyS0\b)/, `$1${ctx.serialSpeed}$2`).replace(/(\bttyS0\s+)\d{3,6}\b/, `$1${ctx.serialSpeed}`);
    }
    return line;
  }).join('\n');
}

export const upstartConsole: TreeEdit = {
  kind: 'tree',
  id: 'upstart-console',
  describe: 'upstart: a getty job on ttyS0 (/etc/init/ttyS0.conf) next to the Xen console\'s',
  plan: async (fs, ctx) => {
    if (ctx.facts.initSystem !== 'upstart' || (await fs.kind('/etc/init/ttyS0.conf')) !== undefined) return [];
    for (const name of ['hvc0.conf', 'xvc0.conf']) {
      const text = await fs.readText(`/etc/init/${name}`);
      if (text !== undefined) return [{ op: 'create', path: '/etc/init/ttyS0.conf', text: ttyS0Job(text, ctx), mode: 0o644 }];
    }
    return [];
  },
};
