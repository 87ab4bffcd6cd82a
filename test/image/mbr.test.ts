// MBR boot code: real loaders by their signatures; a generic stub is "unknown".
import t from 'tap';
import { identifyBootCode, mbrProblem } from '../../src/image/mbr.js';
import { grubBootSector } from '../../scripts/images/rhel5-tree.js';

const at = (offset: number, s: string, base = Buffer.alloc(440)) => {
  Buffer.from(s, 'latin1').copy(base, offset);
  base[0] = 0xeb;
  return base;
};

t.test('boot code kinds', async (t) => {
  t.equal(identifyBootCode(Buffer.alloc(440)), 'empty');
  t.equal(identifyBootCode(grubBootSector()), 'grub-legacy', 'GRUB legacy stage1 (the sample guest\'s)');
  t.equal(identifyBootCode(at(0x180, 'GRUB \0Geom\0Hard Disk\0Read\0 Error\r\n\0Floppy\0')), 'grub2', 'GRUB 2 boot.img');
  // GRUB 2.06's boot.img (Debian 12, as its grub-install writes it): EB 63 90, the messages at 0x180, no "Floppy".
  const boot206 = at(0x180, 'GRUB \0Geom\0Hard Disk\0Read\0 Error\r\n\0');
  boot206[1] = 0x63;
  boot206[2] = 0x90;
  t.equal(identifyBootCode(boot206), 'grub2', 'GRUB 2.06 boot.img (no "Floppy" message)');
  t.equal(identifyBootCode(at(0x150, 'Missing operating system.\r\n\0Multiple active partitions.\r\n')), 'syslinux', 'SYSLINUX mbr.bin');
  t.equal(identifyBootCode(at(6, 'LILO')), 'lilo');
  // A 62-byte generic stub: code, but no loader we know.
  const stub = Buffer.alloc(440);
  for (let i = 0; i < 62; i++) stub[i] = (i * 37 + 11) & 0xff;
  t.equal(identifyBootCode(stub), 'unknown');
  t.equal(identifyBootCode(at(0x100, 'Invalid partition table\0Error loading operating system\0Missing operating system\0')), 'unknown', 'a DOS MBR is not a Linux loader');
});

t.test('what each kind means for booting', async (t) => {
  t.equal(mbrProblem('grub-legacy'), undefined);
  t.equal(mbrProblem('empty'), 'holds no boot loader');
  t.match(mbrProblem('unknown'), /unknown boot code/);
});
