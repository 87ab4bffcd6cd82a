// The whole project — sources and tests — type-checks under strict TypeScript
// (tap runs the tests without checking their types).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from './helpers/corpus.js';

t.test('tsc --noEmit over src/ and test/', async (t) => {
  const r = spawnSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(repoRoot, 'tsconfig.test.json')], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stdout + r.stderr);
});
