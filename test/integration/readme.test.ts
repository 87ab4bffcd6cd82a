// Integration (root): the README cannot go stale. Every ```console runnable block
// of README.md is run — its commands in a scratch directory, against the sample
// guest it names (built here; `/etc/xen/NAME` in a command is that guest's config),
// with xen2kvm from this checkout on PATH — and each command's output (stdout and
// stderr together) must read as the README shows it (test/helpers/readme-examples.ts
// says how placeholders match).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildRhel5Guest } from '../../scripts/images/build.js';
import { repoRoot } from '../helpers/corpus.js';
import { compareOutput, runnableExamples } from '../helpers/readme-examples.js';
import { isRoot, loopsUnder, workspace } from '../helpers/system.js';

t.test('the comparison can fail', async (t) => {
  t.ok(compareOutput(['a …', '…', 'z'], ['a b c', 'x', 'y', 'z'], []).ok, 'placeholders match');
  t.ok(compareOutput(['run 20260101T000000-aaaaaa done'], ['run 20261207T101010-b1c2d3 done'], ['20260101T000000-aaaaaa']).ok, 'a vary literal matches another value');
  t.match(compareOutput(['a', 'b'], ['a', 'c'], []), { ok: false, at: 'b' }, 'a changed line does not');
  t.notOk(compareOutput(['a'], ['a', 'extra'], []).ok, 'nor an extra line');
  t.notOk(compareOutput(['a', 'b'], ['a'], []).ok, 'nor a missing one');
});

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const examples = runnableExamples(readme);

t.test('the README has runnable examples of every kind of output', async (t) => {
  const commands = examples.flatMap((e) => e.steps.map((s) => s.command.split(/\s+/)[1]));
  for (const c of ['domxml', 'inspect', 'convert', 'runs', 'rollback']) t.ok(commands.includes(c), `xen2kvm ${c}`);
});

if (!isRoot) {
  t.fail('the README examples need root (loop devices, mounts)');
} else {
  const ws = workspace();
  t.teardown(() => ws.cleanup());
  // xen2kvm on PATH, as the README's commands call it.
  const binDir = join(ws.dir, 'bin');
  mkdirSync(binDir);
  symlinkSync(join(repoRoot, 'bin', 'xen2kvm'), join(binDir, 'xen2kvm'));

  for (const ex of examples) {
    t.test(`README.md line ${ex.line}: ${ex.steps[0].command}`, async (t) => {
      const dir = join(ws.dir, `block-${ex.line}`);
      mkdirSync(dir);
      symlinkSync(join(repoRoot, 'examples'), join(dir, 'examples'));
      let xenDir = '/etc/xen';
      if (ex.sample) {
        xenDir = join(dir, 'xen');
        await buildRhel5Guest(xenDir, { name: ex.sample });
      }
      for (const step of ex.steps) {
        const command = step.command.split('/etc/xen/').join(`${xenDir}/`);
        const r = spawnSync('bash', ['-o', 'pipefail', '-c', `exec 2>&1; ${command}`], { cwd: dir, encoding: 'utf8', env: { ...ws.env, PATH: `${binDir}:${process.env.PATH}`, COLUMNS: '100' } });
        // Paths of the scratch guest read as the README's.
        const output = r.stdout.split(`${xenDir}/`).join('/etc/xen/').split('\n');
        const same = compareOutput(step.output, output, ex.vary);
        t.ok(same.ok, `$ ${step.command}`, same.ok ? {} : { diagnostic: true, firstDifference: same.at, output: r.stdout });
        t.equal(r.status, 0, `$ ${step.command} exits 0`);
      }
      t.same(loopsUnder(dir), [], 'nothing left attached');
    });
  }
}
