// Benchmark: a whole conversion of the sample RHEL 5 guest (MBR: /boot + LVM root
// and swap), side by side, in one run: the xen2kvm CLI as a user runs it; the
// project's shell floor for the same steps (scripts/bench/shell-floor: loop devices,
// the seed post's edits, chroot mkinitrd, no checks); and virt-v2v-in-place when it
// is installed. Each is the median of several runs on fresh copies of the guest,
// with its peak memory (GNU time's maximum resident set). A run that failed is
// reported as failed, with why — never as a ratio. Prints figures.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConvertOptions } from '../../src/convert.js';
import { packageRoot } from '../../src/paths.js';
import { buildRhel5Guest, type SampleGuest } from '../images/build.js';

export const benchOptions = (outputDir: string): ConvertOptions => ({
  dryRun: false, showDiff: false, outputDir, attach: 'loop', force: false, domain: { machine: 'pc' },
  serialSpeed: 115200, clockFix: true, initrd: true,
});

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Timed { ok: boolean; ms: number; peakKiB: number; why?: string }

/** Runs a command under GNU time: wall time, peak memory, and why it failed. */
export function timed(argv: string[], env: NodeJS.ProcessEnv = process.env): Timed {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'X2K-PEAK %M', ...argv], { encoding: 'utf8', env, timeout: 900_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const peak = Number(/X2K-PEAK (\d+)/.exec(r.stderr)?.[1] ?? 0);
  const why = r.status === 0 ? undefined : (r.stderr.replace(/X2K-PEAK \d+\n?/, '').trim().split('\n').filter(Boolean).slice(-2).join(' ') || `exit ${r.status ?? r.signal}`);
  return { ok: r.status === 0, ms, peakKiB: peak, ...(why ? { why } : {}) };
}

interface Contender {
  label: string;
  available(): string | undefined;
  run(g: SampleGuest, out: string): Timed;
}

export async function benchConvert(runs = 3): Promise<string[]> {
  const root = packageRoot();
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-bench-'));
  const contenders: Contender[] = [
    {
      label: 'xen2kvm convert (the CLI)',
      available: () => undefined,
      run: (g, out) => timed([join(root, 'bin/xen2kvm'), 'convert', g.config, '-q', '--attach', 'loop', '-o', out]),
    },
    {
      label: 'shell floor (scripts/bench/shell-floor)',
      available: () => undefined,
      run: (g, out) => timed([join(root, 'scripts/bench/shell-floor'), g.images[0], out]),
    },
    {
      label: 'virt-v2v-in-place',
      available: () => (spawnSync('sh', ['-c', 'command -v virt-v2v-in-place'], { encoding: 'utf8' }).status === 0 ? undefined : 'not installed (apt-get install virt-v2v)'),
      run: (g) => timed(['virt-v2v-in-place', '-i', 'disk', g.images[0]], { ...process.env, LIBGUESTFS_BACKEND: 'direct', ...(existsSync('/dev/kvm') ? {} : { LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg' }) }),
    },
  ];
  const lines = [`convert of the sample RHEL 5 guest (MBR: /boot + LVM root), median of ${runs} runs each, in this one run (${(await import('node:os')).cpus().length} cores):`];
  const results = new Map<string, Timed[]>();
  try {
    for (let i = 0; i < runs; i++) {
      // Interleaved, so that a slower moment of the machine falls on every contender alike.
      for (const c of contenders) {
        if (c.available()) continue;
        const g = await buildRhel5Guest(join(dir, `g${i}`), { name: `bench${i}` });
        spawnSync('sync');
        const r = c.run(g, join(dir, 'out'));
        results.set(c.label, [...(results.get(c.label) ?? []), r]);
        rmSync(join(dir, `g${i}`), { recursive: true, force: true });
        // A failed peer is not run again: its figure would not count anyway.
        if (!r.ok) break;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const figures = new Map<string, number>();
  for (const c of contenders) {
    const absent = c.available();
    const rs = results.get(c.label) ?? [];
    const failed = rs.find((r) => !r.ok);
    if (absent) lines.push(`  ${c.label.padEnd(42)} ${absent}`);
    else if (failed) lines.push(`  ${c.label.padEnd(42)} FAILED: ${failed.why} (no figure, no ratio)`);
    else {
      const ms = median(rs.map((r) => r.ms));
      figures.set(c.label, ms);
      lines.push(`  ${c.label.padEnd(42)} ${ms.toFixed(0).padStart(6)} ms   peak ${(median(rs.map((r) => r.peakKiB)) / 1024).toFixed(0)} MiB   (runs: ${rs.map((r) => r.ms.toFixed(0)).join(', ')} ms)`);
    }
  }
  const ours = figures.get(contenders[0].label);
  const floor = figures.get(contenders[1].label);
  const peer = figures.get(contenders[2].label);
  if (ours && floor) lines.push(`  xen2kvm / shell floor: ${(ours / floor).toFixed(2)}x (goal ≤ 1.3x: ${ours / floor <= 1.3 ? 'met' : 'NOT met'})`);
  if (ours && peer) lines.push(`  virt-v2v-in-place / xen2kvm: ${(peer / ours).toFixed(0)}x`);
  return lines;
}
