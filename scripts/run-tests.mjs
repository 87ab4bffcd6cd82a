#!/usr/bin/env node
// `npm test`: every tap test under test/, in two lanes run at once — the
// integration tests (test/integration/, root: loop devices, mounts, host LVM
// metadata) one file at a time, since two of them at once would see each other's
// guest VGs (VolGroup00 …) as host VGs; and every other test file, one at a time
// beside them. On two cores that takes the time of the longer lane, not of both
// (tap alone runs one file at a time here: its default is the CPU count less one).
// The integration lane streams to the terminal; the other lane's output follows it.
// The last line is the two lanes' tap summaries added up, in tap's own format.
// With arguments (`npm test -- test/x.test.ts`), it is plain `tap ARGS`.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const tap = join(root, 'node_modules', '.bin', 'tap');
const args = process.argv.slice(2);

if (args.length) {
  const child = spawn(tap, args, { cwd: root, stdio: 'inherit' });
  child.on('exit', (code, sig) => { process.exitCode = code ?? (sig ? 1 : 0); });
} else {
  const files = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? (e.name === 'fixtures' ? [] : files(p)) : e.name.endsWith('.test.ts') ? [relative(root, p)] : [];
  });
  const all = files(join(root, 'test')).sort();
  const integration = all.filter((f) => f.startsWith('test/integration/'));
  const others = all.filter((f) => !f.startsWith('test/integration/'));
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-tests-'));
  const othersLog = join(dir, 'others.log');

  const lane = (list, out) => new Promise((resolve) => {
    const child = spawn(tap, ['--jobs=1', ...list], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('exit', (code, sig) => resolve(code ?? (sig ? 1 : 0)));
  });
  const othersOut = createWriteStream(othersLog);
  let integrationText = '';
  const tee = new (await import('node:stream')).Writable({
    write(chunk, _enc, cb) {
      integrationText += chunk.toString();
      process.stdout.write(chunk, cb);
    },
  });
  const [a, b] = await Promise.all([lane(integration, tee), lane(others, othersOut)]);
  await new Promise((r) => othersOut.end(r));
  const othersText = readFileSync(othersLog, 'utf8');
  process.stdout.write(`\n# ---- the other ${others.length} test files (run beside the ${integration.length} integration files) ----\n`);
  process.stdout.write(othersText);
  rmSync(dir, { recursive: true, force: true });

  // tap closes with "# { total: N, pass: N, fail: N, skip: N, todo: N }" (fields absent when 0).
  const sum = { total: 0, pass: 0, fail: 0, skip: 0, todo: 0 };
  let found = 0;
  for (const text of [integrationText, othersText]) {
    const line = text.split('\n').filter((l) => /^# \{ total: /.test(l)).pop();
    if (!line) continue;
    found++;
    for (const k of Object.keys(sum)) sum[k] += Number(new RegExp(`[{ ,]${k}: (\\d+)`).exec(line)?.[1] ?? 0);
  }
  const fields = Object.entries(sum).filter(([k, v]) => v > 0 || k === 'total' || k === 'pass').map(([k, v]) => `${k}: ${v}`);
  process.stdout.write(`\n# both lanes (${all.length} test files):\n# { ${fields.join(', ')} }\n`);
  process.exitCode = a !== 0 || b !== 0 || found < 2 ? 1 : 0;
}
