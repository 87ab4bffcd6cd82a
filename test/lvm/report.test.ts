import t from 'tap';
import { lvExtents, mapperName, parseLvSegments, parsePvs } from '../../src/lvm/report.js';

const pvs = parsePvs(JSON.stringify({ report: [{ pv: [
  { pv_name: '/dev/loop1', pv_uuid: 'P1', vg_name: 'VolGroup00', vg_uuid: 'V1', pe_start: '1048576', vg_extent_size: '33554432' },
  { pv_name: '/dev/loop2', pv_uuid: 'P2', vg_name: 'VolGroup00', vg_uuid: 'V1', pe_start: '196608B', vg_extent_size: '33554432B' },
] }] }));
const seg = (lv: string, segtype: string, ranges: string) => ({ vg_name: 'VolGroup00', vg_uuid: 'V1', lv_name: lv, lv_uuid: `U-${lv}`, segtype, seg_pe_ranges: ranges, lv_attr: '-wi-------' });

t.test('pvs report', async (t) => {
  t.same(pvs.map((p) => [p.pvName, p.peStartBytes, p.extentBytes]), [['/dev/loop1', 1048576, 33554432], ['/dev/loop2', 196608, 33554432]]);
});

t.test('linear LVs get their byte range; adjacent segments merge', async (t) => {
  const segs = parseLvSegments(JSON.stringify({ report: [{ seg: [
    seg('LogVol00', 'linear', '/dev/loop1:0-3'),
    seg('LogVol01', 'linear', '/dev/loop1:4-4'),
    seg('grown', 'linear', '/dev/loop2:0-1'),
    seg('grown', 'linear', '/dev/loop2:2-5'),
  ] }] }));
  const { mapped, unmappable } = lvExtents(pvs, segs);
  t.same(unmappable, []);
  t.same(mapped.map((m) => [m.lvName, m.pvName, m.offsetBytes, m.sizeBytes]), [
    ['LogVol00', '/dev/loop1', 1048576, 4 * 33554432],
    ['LogVol01', '/dev/loop1', 1048576 + 4 * 33554432, 33554432],
    ['grown', '/dev/loop2', 196608, 6 * 33554432],
  ]);
});

t.test('striped, mirrored and scattered LVs cannot be loop-mapped', async (t) => {
  const segs = parseLvSegments(JSON.stringify({ report: [{ seg: [
    seg('striped', 'striped', '/dev/loop1:0-1 /dev/loop2:0-1'),
    seg('scattered', 'linear', '/dev/loop1:5-6'),
    seg('scattered', 'linear', '/dev/loop1:9-9'),
    seg('split', 'linear', '/dev/loop1:10-10'),
    seg('split', 'linear', '/dev/loop2:11-11'),
    seg('mirror', 'raid1', '/dev/loop1:12-12'),
  ] }] }));
  const { mapped, unmappable } = lvExtents(pvs, segs);
  t.same(mapped, []);
  t.same(unmappable.map((u) => [u.lvName, u.reason]), [
    ['striped', 'it is striped, not linear'],
    ['scattered', 'its extents are not one contiguous run on one PV'],
    ['split', 'its extents are not one contiguous run on one PV'],
    ['mirror', 'it is raid1, not linear'],
  ]);
});

t.test('device-mapper names double the dashes', async (t) => {
  t.equal(mapperName('VolGroup00', 'LogVol00'), 'VolGroup00-LogVol00');
  t.equal(mapperName('vg-data', 'lv-home'), 'vg--data-lv--home');
});

t.test('lvm fullreport: one report per VG (and one for PVs in none), each with its pv and seg rows', async (t) => {
  // As `lvm fullreport --reportformat json --configreport pv -o … --configreport seg -o …` prints it (lvm 2.03).
  const text = JSON.stringify({ report: [
    { vg: [{ vg_name: 'VolGroup00' }], pv: [{ pv_name: '/dev/loop1', pv_uuid: 'P1', vg_name: 'VolGroup00', vg_uuid: 'V1', pe_start: '1048576', vg_extent_size: '33554432' }],
      lv: [{ lv_name: 'LogVol00' }], pvseg: [{ pvseg_start: '0' }], seg: [seg('LogVol00', 'linear', '/dev/loop1:0-3')] },
    { vg: [{ vg_name: 'data' }], pv: [{ pv_name: '/dev/loop2', pv_uuid: 'P2', vg_name: 'data', vg_uuid: 'V2', pe_start: '1048576', vg_extent_size: '4194304' }],
      lv: [{ lv_name: 'srv' }], pvseg: [{ pvseg_start: '0' }], seg: [{ ...seg('srv', 'linear', '/dev/loop2:0-9'), vg_name: 'data', vg_uuid: 'V2' }] },
    { vg: [], pv: [{ pv_name: '/dev/loop3', pv_uuid: 'P3', vg_name: '', vg_uuid: '', pe_start: '0', vg_extent_size: '0' }], lv: [], pvseg: [], seg: [] },
  ] });
  const all = parsePvs(text);
  t.same(all.map((p) => [p.pvName, p.vgName]), [['/dev/loop1', 'VolGroup00'], ['/dev/loop2', 'data'], ['/dev/loop3', '']]);
  const { mapped, unmappable } = lvExtents(all.filter((p) => p.vgName), parseLvSegments(text));
  t.same(unmappable, []);
  t.same(mapped.map((m) => [m.vgName, m.lvName, m.pvName, m.offsetBytes, m.sizeBytes]), [
    ['VolGroup00', 'LogVol00', '/dev/loop1', 1048576, 4 * 33554432],
    ['data', 'srv', '/dev/loop2', 1048576, 10 * 4194304],
  ]);
});
