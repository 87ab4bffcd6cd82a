// With the RHEL 5.0-5.3 timing arguments, the seed post also starts ntpd at boot
// (`chkconfig --level 2345 ntpd on`): the clock still drifts without kvm-clock.
import { needsClockFix } from '../context.js';
import { planChkconfig } from '../../tree/rc-links.js';
import type { TreeEdit } from '../types.js';

export const ntpd: TreeEdit = {
  kind: 'tree',
  id: 'ntpd',
  describe: 'ntpd on in runlevels 2-5, where it is installed (RHEL 5.0-5.3 clock drift)',
  plan: async (fs, ctx) => {
    if (!needsClockFix(ctx) || (await fs.kind('/usr/sbin/ntpd')) === undefined) return [];
    return planChkconfig(fs, 'ntpd', true);
  },
};
