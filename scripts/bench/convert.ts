// Benchmark: a whole `convert` of the sample RHEL 5 guest, with the per-stage
// breakdown, and a second convert (already converted). Prints figures.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertGuest, type ConvertOptions } from '../../src/convert.js';
import { setLogLevel } from '../../src/log.js';
import { buildRhel5Guest } from '../images/build.js';
import { parseXenConfig } from '../../src/xen/parse.js';

export const benchOptions = (outputDir: string): ConvertOptions => ({
  dryRun: false, showDiff: false, outputDir, attach: 'loop', force: false, domain: { machine: 'pc' },
  serialSpeed: 115200, clockFix: true, initrd: true,
});

export async function benchConvert(runs = 5): Promise<string[]> {
  setLogLevel('quiet');
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-bench-'));
  const lines: string[] = [];
  try {
    const totals: number[] = [];
    const stages: Record<string, number[]> = {};
    let second = 0;
    for (let i = 0; i < runs; i++) {
      const g = await buildRhel5Guest(join(dir, String(i)), { name: `bench${i}` });
      const guest = parseXenConfig(readFileSync(g.config, 'utf8'), g.config);
      const t0 = Date.now();
      const r = await convertGuest(guest, benchOptions(join(dir, 'out')));
      totals.push(Date.now() - t0);
      for (const [k, v] of Object.entries(r.timings)) (stages[k] ??= []).push(v);
      const t1 = Date.now();
      await convertGuest(guest, benchOptions(join(dir, 'out')));
      second += Date.now() - t1;
      rmSync(join(dir, String(i)), { recursive: true, force: true });
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const total = median(totals);
    const guestCmd = median(stages.guestCommand ?? [0]);
    lines.push(`convert of the sample RHEL 5 guest (loop): median ${total} ms over ${runs} runs (target ≤ 2000 ms: ${total <= 2000 ? 'met' : 'NOT met'})`);
    lines.push(`  attach, mount read-only, inspect, plan   ${median(stages.plan)} ms`);
    lines.push(`  remount read-write, backups, writes, mkinitrd   ${median(stages.apply)} ms`);
    lines.push(`    of which the guest's mkinitrd   ${guestCmd} ms`);
    lines.push(`  unmount and detach   ${median(stages.unmount)} ms`);
    lines.push(`  host side (domain XML) ${median(stages.host)} ms`);
    lines.push(`  our own overhead (all but mkinitrd): ${total - guestCmd} ms (target ≤ 1000 ms: ${total - guestCmd <= 1000 ? 'met' : 'NOT met'})`);
    lines.push(`second convert (already converted, read-only only): ${Math.round(second / runs)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
