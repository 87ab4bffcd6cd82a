// Image headers as bytes: what each format names besides the image (pure).
import t from 'tap';
import { qemuInfoReferences, readReferences, vmdkDescriptorReferences } from '../../src/image/header.js';

/** A qcow2 v3 header (104 bytes + extensions), with the fields tests change. */
function qcow2Header(o: { backing?: string; dataFile?: string; incompatible?: bigint; version?: number; headerLength?: number } = {}): Buffer {
  const buf = Buffer.alloc(65536);
  buf.writeUInt32BE(0x514649fb, 0);
  buf.writeUInt32BE(o.version ?? 3, 4);
  buf.writeUInt32BE(16, 20); // cluster bits
  buf.writeBigUInt64BE(64n << 20n, 24);
  buf.writeBigUInt64BE(o.incompatible ?? (o.dataFile ? 4n : 0n), 72);
  buf.writeUInt32BE(4, 96);
  buf.writeUInt32BE(o.headerLength ?? 104, 100);
  let at = o.headerLength ?? 104;
  if (o.dataFile) {
    buf.writeUInt32BE(0x44415441, at);
    buf.writeUInt32BE(o.dataFile.length, at + 4);
    buf.write(o.dataFile, at + 8, 'latin1');
    at += 8 + Math.ceil(o.dataFile.length / 8) * 8;
  }
  buf.writeUInt32BE(0, at); // end of extensions
  if (o.backing) {
    buf.writeBigUInt64BE(BigInt(at + 8), 8);
    buf.writeUInt32BE(o.backing.length, 16);
    buf.write(o.backing, at + 8, 'latin1');
  }
  return buf;
}

t.test('qcow2: self-contained, backing file, external data file', async (t) => {
  t.same(readReferences('qcow2', qcow2Header()), { ok: true, references: [] });
  t.same(readReferences('qcow2', qcow2Header({ backing: '/etc/shadow' })), { ok: true, references: [{ kind: 'backing', name: '/etc/shadow' }] });
  t.same(readReferences('qcow2', qcow2Header({ dataFile: '/var/lib/libvirt/images/other.img' })), { ok: true, references: [{ kind: 'data-file', name: '/var/lib/libvirt/images/other.img' }] });
  // The data-file bit without a name: qemu would take one from its options — still another file.
  t.match(readReferences('qcow2', qcow2Header({ incompatible: 4n })), { ok: true, references: [{ kind: 'data-file' }] });
  t.same(readReferences('qcow2', qcow2Header({ version: 2, backing: 'base.img' })).ok, true);
});

t.test('qcow2: a header that cannot be read with certainty is refused', async (t) => {
  t.match(readReferences('qcow2', Buffer.from('not a qcow2 image at all, just text')), { ok: false, reason: /magic/ });
  t.match(readReferences('qcow2', qcow2Header({ version: 9 })), { ok: false, reason: /version is 9/ });
  t.match(readReferences('qcow2', qcow2Header({ headerLength: 50 })), { ok: false, reason: /header length/ });
  const cut = qcow2Header({ backing: 'x'.repeat(40) });
  cut.writeUInt32BE(1_000_000, 16);
  t.match(readReferences('qcow2', cut), { ok: false, reason: /outside the header/ });
  const endless = qcow2Header();
  for (let at = 104; at < endless.length - 8; at += 8) endless.writeUInt32BE(0x12345678, at);
  t.match(readReferences('qcow2', endless), { ok: false, reason: /do not end/ });
  t.match(readReferences('qcow2', qcow2Header().subarray(0, 60)), { ok: false, reason: /cut short/ });
});

t.test('qcow (version 1) and qed backing files', async (t) => {
  const qcow = Buffer.alloc(4096);
  qcow.writeUInt32BE(0x514649fb, 0);
  qcow.writeUInt32BE(1, 4);
  qcow.writeBigUInt64BE(48n, 8);
  qcow.writeUInt32BE(9, 16);
  qcow.write('/host.img', 48, 'latin1');
  t.same(readReferences('qcow', qcow), { ok: true, references: [{ kind: 'backing', name: '/host.img' }] });
  const qed = Buffer.alloc(4096);
  qed.writeUInt32LE(0x00444551, 0);
  qed.writeBigUInt64LE(1n, 16);
  qed.writeUInt32LE(512, 56);
  qed.writeUInt32LE(9, 60);
  qed.write('/host.img', 512, 'latin1');
  t.same(readReferences('qed', qed), { ok: true, references: [{ kind: 'backing', name: '/host.img' }] });
  qed.writeBigUInt64LE(0n, 16);
  t.same(readReferences('qed', qed), { ok: true, references: [] }, 'no backing feature bit: the name is not used');
});

t.test('vmdk: text descriptor extents, parent hint, sparse files', async (t) => {
  const desc = (body: string) => Buffer.from(`# Disk DescriptorFile\nversion=1\ncreateType="monolithicFlat"\n${body}\n`);
  t.same(readReferences('vmdk', desc('RW 2048 FLAT "/etc/passwd" 0')), { ok: true, references: [{ kind: 'extent', name: '/etc/passwd' }] });
  t.same(readReferences('vmdk', desc('RDONLY 2048 SPARSE "g-s001.vmdk"\nRW 10 ZERO')), { ok: true, references: [{ kind: 'extent', name: 'g-s001.vmdk' }] });
  t.same(readReferences('vmdk', desc('  NOACCESS   7  VMFSRDM   "/dev/sda"')).ok, true);
  t.match(readReferences('vmdk', desc('RW 2048 FLAT /no/quotes 0')), { ok: false, reason: /cannot read/ });
  t.match(readReferences('vmdk', desc('RW 2048 FLAT')), { ok: false, reason: /no file name/ });
  // qemu finds the hint anywhere, comments included.
  t.same(readReferences('vmdk', desc('# parentFileNameHint="/host/base.vmdk"')), { ok: true, references: [{ kind: 'backing', name: '/host/base.vmdk' }] });
  t.same(vmdkDescriptorReferences('# Disk DescriptorFile\n# RW 1 FLAT "/commented/out" 0\n').ok, true);
  t.same(vmdkDescriptorReferences('# Disk DescriptorFile\n# RW 1 FLAT "/commented/out" 0\n'), { ok: true, references: [] });
  const sparse = Buffer.alloc(8192);
  sparse.writeUInt32LE(0x564d444b, 0);
  const own = '# Disk DescriptorFile\nRW 2048 SPARSE "self.vmdk"\n';
  sparse.write(own, 512, 'latin1');
  t.same(readReferences('vmdk', sparse), { ok: true, references: [] }, 'a sparse file\'s own extents are not opened');
  sparse.write('parentFileNameHint="/host/base.vmdk"\n', 512 + own.length, 'latin1');
  t.same(readReferences('vmdk', sparse), { ok: true, references: [{ kind: 'backing', name: '/host/base.vmdk' }] });
  t.match(readReferences('vmdk', Buffer.alloc(4096)), { ok: false, reason: /neither/ });
});

t.test('vhd: differencing disks are refused, fixed and dynamic pass', async (t) => {
  const footer = (type: number) => {
    const f = Buffer.alloc(512);
    f.write('conectix', 0, 'latin1');
    f.writeUInt32BE(type, 60);
    return f;
  };
  t.same(readReferences('vhd', Buffer.alloc(512), footer(2)), { ok: true, references: [] });
  t.same(readReferences('vhd', footer(3), Buffer.alloc(512)), { ok: true, references: [] });
  t.match(readReferences('vhd', footer(4), footer(4)), { ok: false, reason: /differencing/ });
  t.match(readReferences('vhd', Buffer.alloc(512), Buffer.alloc(512)), { ok: false, reason: /footer/ });
});

t.test('raw is never read as a header; unknown formats are refused', async (t) => {
  t.match(readReferences('raw', qcow2Header({ backing: '/x' })), { ok: false });
  t.match(readReferences('vhdx', Buffer.alloc(10)), { ok: false, reason: /does not read vhdx/ });
});

t.test('qemu-img info: backing, data file and foreign extents', async (t) => {
  t.same(qemuInfoReferences({ 'backing-filename': 'b.img', 'full-backing-filename': '/d/b.img' }, '/d/a'), [{ kind: 'backing', name: 'b.img' }, { kind: 'backing', name: '/d/b.img' }]);
  t.same(qemuInfoReferences({ 'format-specific': { type: 'qcow2', data: { 'data-file': '/h' } } }, '/d/a'), [{ kind: 'data-file', name: '/h' }]);
  t.same(qemuInfoReferences({ 'format-specific': { type: 'vmdk', data: { extents: [{ filename: '/d/a' }, { filename: '/h' }] } } }, '/d/a'), [{ kind: 'extent', name: '/h' }]);
  t.same(qemuInfoReferences(null, '/x'), []);
});
