import t from 'tap';
import { isLvmType, isSwapType, parseSfdiskJson } from '../../src/image/layout.js';

t.test('MBR with an extended partition: logical partitions kept, the container skipped', async (t) => {
  const table = parseSfdiskJson(JSON.stringify({
    partitiontable: {
      label: 'dos', id: '0xcabe9997', device: '/img/rhel5.img', unit: 'sectors', sectorsize: 512,
      partitions: [
        { node: '/img/rhel5.img1', start: 2048, size: 131072, type: '83', bootable: true },
        { node: '/img/rhel5.img2', start: 133120, size: 20480, type: '5' },
        { node: '/img/rhel5.img5', start: 135168, size: 8192, type: '8e' },
        { node: '/img/rhel5.img6', start: 145408, size: 4096, type: '82' },
      ],
    },
  }));
  t.equal(table.label, 'dos');
  t.same(table.partitions.map((p) => [p.number, p.startBytes, p.sizeBytes, p.type, p.bootable]), [
    [1, 1048576, 67108864, '83', true],
    [5, 135168 * 512, 8192 * 512, '8e', false],
    [6, 145408 * 512, 4096 * 512, '82', false],
  ]);
  t.ok(isLvmType('8e'));
  t.ok(isSwapType('82'));
});

t.test('GPT with 4K sectors and loop-style node names', async (t) => {
  const table = parseSfdiskJson(JSON.stringify({
    partitiontable: {
      label: 'gpt', device: '/dev/loop7', unit: 'sectors', sectorsize: 4096,
      partitions: [{ node: '/dev/loop7p1', start: 256, size: 1024, type: 'E6D6D379-F507-44C2-A23C-238F2A3DF928' }],
    },
  }));
  t.same(table.partitions[0], { number: 1, startBytes: 256 * 4096, sizeBytes: 1024 * 4096, type: 'E6D6D379-F507-44C2-A23C-238F2A3DF928', bootable: false });
  t.ok(isLvmType(table.partitions[0].type));
});

t.test('malformed sfdisk output', async (t) => {
  t.throws(() => parseSfdiskJson('nope'), /not JSON/);
  t.throws(() => parseSfdiskJson('{}'), /no partition table/);
  t.throws(() => parseSfdiskJson(JSON.stringify({ partitiontable: { device: '/x', partitions: [{ node: '/x1', start: 'a', size: 1 }] } })), /no usable start/);
});
