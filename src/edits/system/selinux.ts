// Files written from the host carry no SELinux labels the guest expects; with
// SELinux on, the guest relabels at its next boot when /.autorelabel exists.
import type { TreeEdit } from '../types.js';

export const selinuxRelabel: TreeEdit = {
  kind: 'tree',
  id: 'selinux-relabel',
  describe: 'relabel SELinux contexts at first boot (/.autorelabel)',
  plan: async (fs, ctx) => {
    if (ctx.facts.selinux !== 'enforcing' && ctx.facts.selinux !== 'permissive') return [];
    if ((await fs.kind('/.autorelabel')) !== undefined) return [];
    return [{ op: 'create', path: '/.autorelabel', text: '', mode: 0o644 }];
  },
};
