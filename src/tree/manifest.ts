// The record of one conversion run, kept in the guest under
// /var/lib/xen2kvm/backup/<run-id>/ with a copy of every file before it changed,
// so `xen2kvm rollback` can restore the guest — even on another host.

export const BACKUP_ROOT = '/var/lib/xen2kvm/backup';

export type ManifestEntry =
  | { action: 'modified'; edit: string; path: string; backup: string; mode: number; uid: number; gid: number; sha256Before: string; sha256After?: string }
  | { action: 'created'; edit: string; path: string; sha256After: string; dir?: boolean }
  | { action: 'renamed'; edit: string; from: string; to: string }
  | { action: 'symlinked'; edit: string; path: string; target: string }
  /** Bytes of a disk outside any filesystem (the MBR and the gap after it, where a boot loader goes), by the guest's disk name. */
  | { action: 'region'; edit: string; disk: string; offset: number; length: number; backup: string; sha256Before: string; sha256After?: string };

/** The whole-disk devices of the guest as attached now, by the guest's disk name (xvda) — what `region` entries are restored to. */
export type DiskDevices = Record<string, string>;

export interface Manifest {
  runId: string;
  created: string;
  guest: string;
  kernel: string;
  /** The settings the run used (absent in manifests of older runs). */
  settings?: Record<string, string | number | boolean>;
  /** Guest directories this run created (removed by rollback when empty). */
  createdDirs: string[];
  entries: ManifestEntry[];
  /** True once every change was made. */
  complete: boolean;
}

/** A run id that sorts by time: 20261127T190631-3fa2c1. */
export function newRunId(now = new Date(), suffix = Math.random().toString(16).slice(2, 8)): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${suffix}`;
}
