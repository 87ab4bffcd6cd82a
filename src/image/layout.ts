// Partition tables, from `sfdisk --json` (MBR and GPT, logical partitions inside
// an extended one). Pure: JSON text in, byte ranges out.

export interface Partition {
  /** Partition number as Linux numbers it (1-4 primary, 5+ logical). */
  number: number;
  startBytes: number;
  sizeBytes: number;
  /** MBR type code (83, 8e, 82…) or GPT type GUID. */
  type: string;
  bootable: boolean;
}

export interface PartitionTable {
  label: 'dos' | 'gpt' | string;
  sectorSize: number;
  partitions: Partition[];
}

/** MBR types that only hold logical partitions. */
const EXTENDED = new Set(['5', '05', 'f', '0f', '85']);

/** Well-known partition types, for messages and for LVM detection. */
export function isLvmType(type: string): boolean {
  return /^8e$/i.test(type) || /^E6D6D379-F507-44C2-A23C-238F2A3DF928$/i.test(type);
}
export function isSwapType(type: string): boolean {
  return /^82$/i.test(type) || /^0657FD6D-A4AB-43C4-84E5-0933C84B4F4F$/i.test(type);
}

/** Parses `sfdisk --json` output. Throws Error with a reason on malformed input. */
export function parseSfdiskJson(text: string): PartitionTable {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('sfdisk printed something that is not JSON');
  }
  const pt = (doc as { partitiontable?: Record<string, unknown> }).partitiontable;
  if (!pt || typeof pt !== 'object') throw new Error('sfdisk printed no partition table');
  const sectorSize = Number(pt.sectorsize ?? 512);
  const label = String(pt.label ?? 'dos');
  const device = String(pt.device ?? '');
  const partitions: Partition[] = [];
  for (const raw of (pt.partitions as Record<string, unknown>[] | undefined) ?? []) {
    const node = String(raw.node ?? '');
    const type = String(raw.type ?? '');
    if (label === 'dos' && EXTENDED.has(type.toLowerCase())) continue;
    const m = /(\d+)$/.exec(node.startsWith(device) ? node.slice(device.length) : node);
    if (!m) throw new Error(`cannot tell the partition number of ${node}`);
    const start = Number(raw.start);
    const size = Number(raw.size);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(size) || size <= 0) throw new Error(`partition ${node} has no usable start or size`);
    partitions.push({ number: Number(m[1]), startBytes: start * sectorSize, sizeBytes: size * sectorSize, type, bootable: raw.bootable === true });
  }
  partitions.sort((a, b) => a.number - b.number);
  return { label, sectorSize, partitions };
}
