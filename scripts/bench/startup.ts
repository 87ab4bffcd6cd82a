// Benchmark: how long the CLI takes to start — `xen2kvm --help` and `xen2kvm domxml`
// on a config — from the bundle (dist/bundle/cli.mjs, what bin/xen2kvm runs) and
// from the compiled modules (dist/src/cli.js), against Node starting and doing
// nothing. Medians of several runs. Prints figures.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeOf(args: string[], runs: number): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, args, { stdio: 'ignore' });
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ms);
}

export function benchStartup(runs = 9): string[] {
  const root = packageRoot();
  const viaModules = (cliArgs: string[]) => ['--input-type=module', '-e', `import(${JSON.stringify(join(root, 'dist/src/cli.js'))}).then((c) => c.main(${JSON.stringify(cliArgs)})).then((x) => { process.exitCode = x; })`];
  const cfg = join(root, 'examples/test1.cfg');
  const node = timeOf(['-e', '0'], runs);
  const lines = [`startup (median of ${runs}): node alone ${node.toFixed(0)} ms`];
  const age = (f: string) => statSync(join(root, f)).mtimeMs;
  if (age('dist/bundle/cli.mjs') < age('dist/src/cli.js')) lines.push('startup: the bundle is older than dist/src/cli.js, so bin/xen2kvm runs the modules: run npm run build first');
  for (const [label, cliArgs] of [['--help', ['--help']], ['domxml CFG', ['domxml', cfg]]] as const) {
    const bundle = timeOf([join(root, 'bin/xen2kvm'), ...cliArgs], runs);
    const modules = timeOf(viaModules([...cliArgs]), runs);
    lines.push(`startup: xen2kvm ${label}: ${bundle.toFixed(0)} ms from the bundle, ${modules.toFixed(0)} ms from the modules (${(modules / bundle).toFixed(1)}x)`);
  }
  return lines;
}
