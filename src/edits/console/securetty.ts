// root may log in on the serial console: ttyS0 in /etc/securetty (the seed:
// "echo ttyS0 >> /etc/securetty").
import type { FileEdit } from '../types.js';

export function addTtyS0(text: string): string {
  if (text.split('\n').some((l) => l.trim() === 'ttyS0')) return text;
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}ttyS0\n`;
}

export const securetty: FileEdit = {
  kind: 'file',
  id: 'securetty',
  describe: 'root login allowed on ttyS0',
  paths: async () => ['/etc/securetty'],
  apply: (text) => addTtyS0(text),
};
