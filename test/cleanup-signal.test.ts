// SIGINT in the middle of a run: the undo stack still runs, then exit 130.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from './helpers/corpus.js';

t.test('SIGINT unwinds the stack before exiting', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-sig-'));
  const marker = join(dir, 'undone');
  const script = join(dir, 'child.mjs');
  writeFileSync(script, `
import { withCleanup } from ${JSON.stringify(join(repoRoot, 'dist/cleanup.js'))};
import { writeFileSync } from 'node:fs';
await withCleanup(async (s) => {
  s.push('write marker', () => writeFileSync(${JSON.stringify(marker)}, 'yes'));
  process.stdout.write('ready\\n');
  await new Promise((r) => setTimeout(r, 30000));
});
`);
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  t.equal(code, 130);
  t.ok(existsSync(marker), 'the undo ran');
  t.match(stderr, /SIGINT received; undoing/);
});
