// Reads LVM's JSON reports (pvs, lvs --segments) and works out where each
// linear LV lives inside its PV, so it can be mapped with a loop device.

export interface PvInfo {
  pvName: string;
  pvUuid: string;
  vgName: string;
  vgUuid: string;
  peStartBytes: number;
  extentBytes: number;
}

export interface LvSegment {
  vgName: string;
  vgUuid: string;
  lvName: string;
  lvUuid: string;
  segtype: string;
  /** "/dev/loop1:0-511" (one or more space-separated ranges). */
  peRanges: string;
  lvAttr: string;
}

export interface LvExtent {
  vgName: string;
  vgUuid: string;
  lvName: string;
  lvUuid: string;
  pvName: string;
  /** Byte offset of the LV's data inside the PV device. */
  offsetBytes: number;
  sizeBytes: number;
}

/** An LV that cannot be mapped with one loop device, and why. */
export interface UnmappableLv {
  vgName: string;
  lvName: string;
  reason: string;
}

function rows(text: string, key: 'pv' | 'lv' | 'seg' | 'vg'): Record<string, string>[] {
  const doc = JSON.parse(text) as { report?: Record<string, Record<string, string>[]>[] };
  return (doc.report ?? []).flatMap((r) => r[key] ?? []);
}

const bytes = (v: string) => Number(String(v).replace(/B$/, ''));

/** `pvs --reportformat json --units b -o pv_name,pv_uuid,vg_name,vg_uuid,pe_start,vg_extent_size` */
export function parsePvs(text: string): PvInfo[] {
  return rows(text, 'pv').map((r) => ({
    pvName: r.pv_name, pvUuid: r.pv_uuid, vgName: r.vg_name, vgUuid: r.vg_uuid,
    peStartBytes: bytes(r.pe_start), extentBytes: bytes(r.vg_extent_size),
  }));
}

/** `lvs --segments --reportformat json -o vg_name,vg_uuid,lv_name,lv_uuid,segtype,seg_pe_ranges,lv_attr` */
export function parseLvSegments(text: string): LvSegment[] {
  return rows(text, 'seg').map((r) => ({
    vgName: r.vg_name, vgUuid: r.vg_uuid, lvName: r.lv_name, lvUuid: r.lv_uuid,
    segtype: r.segtype, peRanges: r.seg_pe_ranges, lvAttr: r.lv_attr,
  }));
}

/**
 * Byte ranges of every LV, when each is linear and contiguous on one PV.
 * Several segments that follow each other on the same PV count as one range.
 */
export function lvExtents(pvs: PvInfo[], segments: LvSegment[]): { mapped: LvExtent[]; unmappable: UnmappableLv[] } {
  const byLv = new Map<string, LvSegment[]>();
  for (const s of segments) {
    const k = `${s.vgUuid}/${s.lvUuid}`;
    byLv.set(k, [...(byLv.get(k) ?? []), s]);
  }
  const mapped: LvExtent[] = [];
  const unmappable: UnmappableLv[] = [];
  for (const segs of byLv.values()) {
    const { vgName, vgUuid, lvName, lvUuid } = segs[0];
    const bad = segs.find((s) => s.segtype !== 'linear');
    if (bad) {
      unmappable.push({ vgName, lvName, reason: `it is ${bad.segtype}, not linear` });
      continue;
    }
    const ranges = segs.flatMap((s) => s.peRanges.split(/\s+/).filter(Boolean)).map((r) => {
      const m = /^(.*):(\d+)-(\d+)$/.exec(r);
      if (!m) throw new Error(`cannot read the extent range "${r}" of ${vgName}/${lvName}`);
      return { pv: m[1], first: Number(m[2]), last: Number(m[3]) };
    });
    let contiguous = true;
    for (let i = 1; i < ranges.length; i++) {
      if (ranges[i].pv !== ranges[0].pv || ranges[i].first !== ranges[i - 1].last + 1) contiguous = false;
    }
    if (!contiguous) {
      unmappable.push({ vgName, lvName, reason: 'its extents are not one contiguous run on one PV' });
      continue;
    }
    const pv = pvs.find((p) => p.pvName === ranges[0].pv && p.vgUuid === vgUuid);
    if (!pv) {
      unmappable.push({ vgName, lvName, reason: `its PV ${ranges[0].pv} is not among the guest's disks` });
      continue;
    }
    const extents = ranges[ranges.length - 1].last - ranges[0].first + 1;
    mapped.push({
      vgName, vgUuid, lvName, lvUuid, pvName: pv.pvName,
      offsetBytes: pv.peStartBytes + ranges[0].first * pv.extentBytes,
      sizeBytes: extents * pv.extentBytes,
    });
  }
  return { mapped, unmappable };
}

/** The /dev/mapper name of an LV: dashes in either name are doubled. */
export function mapperName(vg: string, lv: string): string {
  return `${vg.replace(/-/g, '--')}-${lv.replace(/-/g, '--')}`;
}
