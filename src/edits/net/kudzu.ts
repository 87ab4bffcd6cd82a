// kudzu off: at boot it would take the virtio NIC for new hardware and rewrite
// the network configuration (eth0 → eth1, ifcfg-eth0.bak). The seed runs
// `chkconfig --level 2345 kudzu off`; offline, that is renaming rc2-5.d's
// S??kudzu links to K??kudzu with the stop priority from the init script.
import { planChkconfig } from '../../tree/rc-links.js';
import type { TreeEdit } from '../types.js';

export const kudzu: TreeEdit = {
  kind: 'tree',
  id: 'kudzu',
  describe: 'kudzu off in runlevels 2-5 (chkconfig --level 2345 kudzu off)',
  plan: (fs) => planChkconfig(fs, 'kudzu', false),
};
