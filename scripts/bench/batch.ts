// Benchmark: 20 sample guests converted with --jobs 1 and --jobs 2 (wall time,
// per-guest time, peak memory); and virt-v2v-in-place on the same kind of guest
// when it is installed. Prints figures.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { runBatch } from '../../src/batch.js';
import { setLogLevel } from '../../src/log.js';
import { buildRhel5Guest } from '../images/build.js';
import { parseXenConfig } from '../../src/xen/parse.js';
import { benchOptions } from './convert.js';

export async function benchBatch(count = 20): Promise<string[]> {
  setLogLevel('quiet');
  const lines: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-bench-'));
  try {
    for (const jobs of [1, 2]) {
      const guests = [];
      for (let i = 0; i < count; i++) {
        const g = await buildRhel5Guest(join(dir, `j${jobs}`, `g${i}`), { name: `bench-${jobs}-${i}` });
        guests.push({ name: g.name, config: g.config, guest: parseXenConfig(readFileSync(g.config, 'utf8'), g.config) });
      }
      const rssBefore = process.memoryUsage().rss;
      const t0 = Date.now();
      const results = await runBatch(guests, benchOptions(join(dir, 'out')), jobs, false);
      const wall = (Date.now() - t0) / 1000;
      const ok = results.filter((r) => r.result === 'converted').length;
      const peak = process.resourceUsage().maxRSS / 1024;
      lines.push(`batch of ${count} guests, --jobs ${jobs}: ${wall.toFixed(1)} s wall, ${((wall / count) * 1000).toFixed(0)} ms per guest, ${ok}/${count} converted, peak memory ${peak.toFixed(0)} MiB (xen2kvm process; was ${(rssBefore / 1048576).toFixed(0)} MiB before)`);
      rmSync(join(dir, `j${jobs}`), { recursive: true, force: true });
    }
    lines.push(...(await benchVirtV2v(dir)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

async function benchVirtV2v(dir: string): Promise<string[]> {
  const which = spawnSync('sh', ['-c', 'command -v virt-v2v-in-place'], { encoding: 'utf8' });
  if (which.status !== 0) return ['virt-v2v-in-place: not installed (apt-get install virt-v2v), so no side-by-side figure'];
  const ours = await buildRhel5Guest(join(dir, 'ours'), { name: 'v2v-ours' });
  const theirs = await buildRhel5Guest(join(dir, 'theirs'), { name: 'v2v-theirs' });
  const t0 = Date.now();
  await runBatch([{ name: ours.name, config: ours.config, guest: parseXenConfig(readFileSync(ours.config, 'utf8'), ours.config) }], benchOptions(join(dir, 'out')), 1, false);
  const oursS = (Date.now() - t0) / 1000;
  const t1 = Date.now();
  let note = '';
  try {
    execFileSync('/usr/bin/time', ['-f', '%M', 'virt-v2v-in-place', '-i', 'disk', theirs.images[0]], {
      env: { ...process.env, LIBGUESTFS_BACKEND: 'direct', LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg' }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000,
    });
  } catch (e) {
    note = ` (it failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim().split('\n').slice(-2).join(' ')})`;
  }
  const theirsS = (Date.now() - t1) / 1000;
  return [`same guest: xen2kvm ${oursS.toFixed(1)} s, virt-v2v-in-place ${theirsS.toFixed(1)} s${note}; ratio ${(theirsS / oursS).toFixed(0)}x`];
}
