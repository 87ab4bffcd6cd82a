// Is there a boot loader in a disk's MBR? A PV guest booted through pygrub may
// have none, and then KVM's BIOS finds nothing to boot ("No bootable device").
import { closeSync, openSync, readSync } from 'node:fs';

/** True when the MBR's boot code area (its first 440 bytes) is not all zero. */
export function mbrHasBootCode(device: string): boolean {
  const fd = openSync(device, 'r');
  try {
    const b = Buffer.alloc(440);
    readSync(fd, b, 0, 440, 0);
    return b.some((x) => x !== 0);
  } finally {
    closeSync(fd);
  }
}
