// Benchmark: 8 sample guests converted as one batch by the CLI, as a user runs it
// (`xen2kvm convert CFG… --jobs N --report FILE`), with --jobs 1 and --jobs 2, interleaved,
// the median of several runs each on fresh guests: wall time, the ratio, per-stage
// medians from the report, peak memory (GNU time). Prints figures.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { buildRhel5Guest } from '../images/build.js';
import { median, timed } from './convert.js';

interface BatchRun { ok: boolean; ms: number; peakKiB: number; converted: number; stages: Record<string, number[]>; why?: string }

async function oneBatch(dir: string, count: number, jobs: number, tag: string): Promise<BatchRun> {
  const configs: string[] = [];
  for (let i = 0; i < count; i++) configs.push((await buildRhel5Guest(join(dir, tag, `g${i}`), { name: `bench-${tag}-${i}` })).config);
  // The images just built are still being written back: not the conversion's time.
  spawnSync('sync');
  const report = join(dir, tag, 'report.json');
  const t = timed([join(packageRoot(), 'bin/xen2kvm'), 'convert', ...configs, '-q', '--attach', 'loop', '--jobs', String(jobs), '-o', join(dir, tag, 'out'), '--report', report]);
  const stages: Record<string, number[]> = {};
  let converted = 0;
  try {
    const doc = JSON.parse(readFileSync(report, 'utf8')) as { guests: { result: string; timings?: Record<string, number> }[] };
    for (const g of doc.guests) {
      if (g.result === 'converted') converted++;
      for (const [k, v] of Object.entries(g.timings ?? {})) (stages[k] ??= []).push(v);
    }
  } catch {
    /* no report: the run failed, and says why */
  }
  rmSync(join(dir, tag), { recursive: true, force: true });
  return { ...t, converted, stages };
}

export async function benchBatch(count = 8, runs = 3): Promise<string[]> {
  const lines: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-bench-'));
  const results: Record<number, BatchRun[]> = { 1: [], 2: [] };
  try {
    // Interleaved, so that a slower moment of the machine falls on both alike.
    for (let r = 0; r < runs; r++) for (const jobs of [1, 2]) results[jobs].push(await oneBatch(dir, count, jobs, `j${jobs}-${r}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const walls: Record<number, number | undefined> = {};
  for (const jobs of [1, 2]) {
    const rs = results[jobs];
    const failed = rs.find((x) => !x.ok || x.converted !== count);
    if (failed) {
      lines.push(`batch of ${count} guests, --jobs ${jobs}: FAILED: ${failed.why ?? `${failed.converted}/${count} converted`} (no figure, no ratio)`);
      continue;
    }
    walls[jobs] = median(rs.map((x) => x.ms));
    const stage = (k: string) => median(rs.flatMap((x) => x.stages[k] ?? []));
    lines.push(`batch of ${count} guests, --jobs ${jobs}: ${(walls[jobs]! / 1000).toFixed(1)} s wall (median of ${runs}: ${rs.map((x) => (x.ms / 1000).toFixed(1)).join(', ')} s), peak ${(median(rs.map((x) => x.peakKiB)) / 1024).toFixed(0)} MiB; per guest (median): plan ${stage('plan')} ms, apply ${stage('apply')} ms (mkinitrd ${stage('guestCommand')} ms), unmount ${stage('unmount')} ms, host ${stage('host')} ms`);
  }
  if (walls[1] && walls[2]) {
    const ratio = walls[2] / walls[1];
    lines.push(`batch: --jobs 2 takes ${ratio.toFixed(2)}x the time of --jobs 1 on ${cpus().length} cores (goal ≤ 0.65x: ${ratio <= 0.65 ? 'met' : 'NOT met'})`);
  }
  return lines;
}
