// Benchmark: attach + mount + inspect + teardown of the sample RHEL 5 guest with
// the loop strategy, for a 1 GiB and a 100 GiB sparse image. Prints figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openGuest } from '../../src/guest/open.js';
import { decompressWith, inspectGuest } from '../../src/guest/inspect.js';
import { externalDecompress } from '../../src/guest/decompress.js';
import { setLogLevel } from '../../src/log.js';
import { buildRhel5Guest } from '../images/build.js';
import { withSession } from '../../src/session.js';
import { parseXenConfig } from '../../src/xen/parse.js';
import { readFileSync } from 'node:fs';

export async function benchAttach(runs = 9): Promise<string[]> {
  setLogLevel('quiet');
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-bench-'));
  const lines: string[] = [];
  try {
    const results: Record<string, number> = {};
    for (const [label, sizeMiB] of [['1 GiB', 1024], ['100 GiB', 100 * 1024]] as const) {
      const g = await buildRhel5Guest(join(dir, label.replace(' ', '')), { name: 'bench', sizeMiB, rootMiB: 128 });
      const guest = parseXenConfig(readFileSync(g.config, 'utf8'), g.config);
      const times: number[] = [];
      for (let i = 0; i < runs + 1; i++) {
        const t0 = process.hrtime.bigint();
        await withSession('bench', async (acq) => {
          const open = await openGuest(guest.disks, { strategy: 'loop', readOnly: true, force: false, name: guest.name }, acq);
          await inspectGuest(open.mounted.fs, decompressWith(externalDecompress));
        });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (i > 0) times.push(ms); // the first run warms caches
      }
      times.sort((x, y) => x - y);
      const median = times[Math.floor(times.length / 2)];
      results[label] = median;
      lines.push(`attach+mount+inspect+teardown, loop, ${label.padEnd(7)} image: median ${median.toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms (${runs} runs)`);
    }
    const ratio = results['100 GiB'] / results['1 GiB'];
    lines.push(`100 GiB / 1 GiB: ${ratio.toFixed(2)} (target: within 1.10); target ≤ 1000 ms: ${results['1 GiB'] <= 1000 ? 'met' : 'NOT met'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
