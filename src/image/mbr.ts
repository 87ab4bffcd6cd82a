// What is in a disk's MBR boot code? A PV guest booted through pygrub may have
// none, and then KVM's BIOS finds nothing to boot ("No bootable device"). Real
// loaders are recognised by their signatures; anything else is "unknown boot
// code", which is not trusted to boot the guest.
import { readRegion } from '../tree/files.js';

export type BootCode = 'empty' | 'grub-legacy' | 'grub2' | 'syslinux' | 'lilo' | 'unknown';

/** The boot loaders recognised in an MBR (kept here once: everything else asks isLoader / mbrProblem). */
const LOADERS: BootCode[] = ['grub-legacy', 'grub2', 'syslinux', 'lilo'];

/** The boot code is a loader we recognise (it boots the disk). */
export function isLoader(kind: BootCode): boolean {
  return LOADERS.includes(kind);
}

/** Names the boot code in an MBR's first 440 bytes (pure). */
export function identifyBootCode(code: Buffer): BootCode {
  const b = code.subarray(0, 440);
  if (b.every((x) => x === 0)) return 'empty';
  const text = b.toString('latin1');
  // GRUB's stage1 (legacy) and boot.img (GRUB 2) both carry "GRUB \0Geom\0Hard Disk\0Read\0 Error".
  // boot.img jumps over a larger BPB area (EB 63; stage1: EB 48), and older ones add "Floppy".
  if (text.includes('GRUB \0Geom\0Hard Disk\0Read\0 Error')) return b[0] === 0xeb && b[1] === 0x63 || text.includes('Floppy') ? 'grub2' : 'grub-legacy';
  // SYSLINUX's mbr.bin chain-loads the active partition's extlinux.
  if (text.includes('Multiple active partitions.') && text.includes('Missing operating system.')) return 'syslinux';
  // LILO's first stage has its magic at offset 6.
  if (text.slice(6, 10) === 'LILO') return 'lilo';
  return 'unknown';
}

/** Reads and names the boot code of a disk (or image). */
export function mbrBootCode(device: string): BootCode {
  return identifyBootCode(Buffer.concat([readRegion(device, 0, 440), Buffer.alloc(440)]).subarray(0, 440));
}

/** Why an MBR does not boot the guest, or undefined when it holds a known loader. */
export function mbrProblem(kind: BootCode): string | undefined {
  if (isLoader(kind)) return undefined;
  return kind === 'empty' ? 'holds no boot loader' : 'holds unknown boot code (not GRUB, SYSLINUX or LILO)';
}
