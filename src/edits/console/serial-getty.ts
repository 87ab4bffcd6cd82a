// systemd: a login on the serial console. Without explicit units the kernel's
// console=ttyS0 is enough (systemd's getty generator starts serial-getty@ttyS0);
// an explicit serial-getty@hvc0 (or xvc0) link in a .wants directory, as Xen guest
// images carry, is renamed to serial-getty@ttyS0 — the same unit template, on the
// device KVM has.
import type { TreeEdit, TreeOp } from '../types.js';

const UNIT_DIRS = ['/etc/systemd/system'];
const XEN_GETTY = /^(serial-getty|getty)@(hvc0|xvc0)\.service$/;

export const serialGettyLinks: TreeEdit = {
  kind: 'tree',
  id: 'serial-getty',
  describe: 'systemd: explicit serial-getty@hvc0 links moved to serial-getty@ttyS0',
  plan: async (fs, ctx) => {
    if (ctx.facts.initSystem !== 'systemd') return [];
    const ops: TreeOp[] = [];
    for (const base of UNIT_DIRS) {
      for (const dir of (await fs.list(base)).filter((d) => d.endsWith('.wants'))) {
        const names = await fs.list(`${base}/${dir}`);
        for (const name of names) {
          if (!XEN_GETTY.test(name)) continue;
          const to = 'serial-getty@ttyS0.service';
          if (names.includes(to)) continue;
          ops.push({ op: 'rename', from: `${base}/${dir}/${name}`, to: `${base}/${dir}/${to}` });
        }
      }
    }
    return ops;
  },
};
