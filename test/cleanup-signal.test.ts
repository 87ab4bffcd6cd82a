// SIGINT in the middle of a run: the undo stack still runs, then exit 130.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from './helpers/corpus.js';

function child(dir: string, marker: string, wait: string) {
  const script = join(dir, 'child.mjs');
  writeFileSync(script, `
import { withCleanup, sleepInterruptibly } from ${JSON.stringify(join(repoRoot, 'dist/src/cleanup.js'))};
import { writeFileSync } from 'node:fs';
try {
  await withCleanup(async (s) => {
    s.push('write marker', () => writeFileSync(${JSON.stringify(marker)}, 'yes'));
    process.stdout.write('ready\\n');
    ${wait}
  });
} catch (e) {
  process.stderr.write(String(e.message) + '\\n');
  process.exitCode = e.exitCode ?? 1;
}
`);
  return spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function run(wait: string, signals: NodeJS.Signals[]) {
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-sig-'));
  const marker = join(dir, 'undone');
  const c = child(dir, marker, wait);
  let stderr = '';
  c.stderr.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve) => c.stdout.once('data', () => resolve()));
  const code = new Promise<number | null>((resolve) => c.on('exit', (x) => resolve(x)));
  for (const sig of signals) {
    c.kill(sig);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { code: await code, undone: existsSync(marker), stderr };
}

t.test('SIGINT: the run stops at its next safe point, undoes, exits 130', async (t) => {
  const r = await run('await sleepInterruptibly(30000);', ['SIGINT']);
  t.equal(r.code, 130);
  t.ok(r.undone, 'the undo ran');
  t.match(r.stderr, /SIGINT received; stopping at the next safe point/);
  t.match(r.stderr, /stopped by SIGINT; everything this run set up was undone/);
});

t.test('SIGTERM works the same, with exit 143', async (t) => {
  const r = await run('await sleepInterruptibly(30000);', ['SIGTERM']);
  t.equal(r.code, 143);
  t.ok(r.undone);
});

t.test('a second signal undoes at once when no safe point comes', async (t) => {
  const r = await run('await new Promise((r) => setTimeout(r, 30000));', ['SIGINT', 'SIGINT']);
  t.equal(r.code, 130);
  t.ok(r.undone);
  t.match(r.stderr, /SIGINT again; undoing everything now/);
});
