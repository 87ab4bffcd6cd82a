// Benchmark: 8 sample guests converted as one batch with --jobs 1 and --jobs 2 (wall
// time, the ratio, per-stage medians, peak memory). Prints figures.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBatch } from '../../src/batch.js';
import { setLogLevel } from '../../src/log.js';
import { buildRhel5Guest } from '../images/build.js';
import { parseXenConfig } from '../../src/xen/parse.js';
import { benchOptions, median } from './convert.js';

export async function benchBatch(count = 8): Promise<string[]> {
  setLogLevel('quiet');
  const lines: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-bench-'));
  const walls: Record<number, number> = {};
  try {
    for (const jobs of [1, 2]) {
      const guests = [];
      for (let i = 0; i < count; i++) {
        const g = await buildRhel5Guest(join(dir, `j${jobs}`, `g${i}`), { name: `bench-${jobs}-${i}` });
        guests.push({ name: g.name, config: g.config, guest: parseXenConfig(readFileSync(g.config, 'utf8'), g.config) });
      }
      // The images just built are still being written back: not the conversion's time.
      spawnSync('sync');
      const t0 = Date.now();
      const results = await runBatch(guests, benchOptions(join(dir, 'out')), jobs, false);
      const wall = (Date.now() - t0) / 1000;
      walls[jobs] = wall;
      const ok = results.filter((r) => r.result === 'converted').length;
      const stage = (k: string) => median(results.map((r) => r.timings?.[k] ?? 0));
      lines.push(`batch of ${count} guests, --jobs ${jobs}: ${wall.toFixed(1)} s wall, ${ok}/${count} converted; per guest (median): plan ${stage('plan')} ms, apply ${stage('apply')} ms (mkinitrd ${stage('guestCommand')} ms), unmount ${stage('unmount')} ms, host ${stage('host')} ms`);
      rmSync(join(dir, `j${jobs}`), { recursive: true, force: true });
    }
    const ratio = walls[2] / walls[1];
    lines.push(`batch: --jobs 2 takes ${ratio.toFixed(2)}x the time of --jobs 1 on ${cpus().length} cores (goal ≤ 0.65x: ${ratio <= 0.65 ? 'met' : 'NOT met'}); peak memory ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (the xen2kvm process)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
