// RHEL/CentOS 6 (upstart): /etc/sysconfig/init's ACTIVE_CONSOLES are the ttys
// start-ttys.conf runs a mingetty on; a Xen console listed there (/dev/hvc0,
// /dev/xvc0) has no device under KVM and is dropped. The serial login comes from
// /etc/init/serial.conf, which follows console=ttyS0.
import { readVar, setVar } from '../../formats/shell-vars.js';
import type { FileEdit } from '../types.js';

export function dropXenConsoles(text: string): string {
  const v = readVar(text, 'ACTIVE_CONSOLES');
  if (!v) return text;
  const words = v.value.split(/\s+/).filter(Boolean);
  const kept = words.filter((w) => !/^\/dev\/(hvc|xvc)\d+$/.test(w));
  return kept.length === words.length ? text : setVar(text, 'ACTIVE_CONSOLES', kept.join(' ') || '/dev/tty[1-6]');
}

export const activeConsoles: FileEdit = {
  kind: 'file',
  id: 'active-consoles',
  describe: '/etc/sysconfig/init: Xen consoles dropped from ACTIVE_CONSOLES (upstart; serial.conf follows console=ttyS0)',
  paths: async (_fs, ctx) => (ctx.facts.initSystem === 'upstart' ? ['/etc/sysconfig/init'] : []),
  apply: (text) => dropXenConsoles(text),
};
