// Guest edits as data: test/fixtures/edits/EDIT/CASE/ holds verbatim guest files
// before/ and the files expected after/ (a file absent from after/ must not
// change), and an optional case.json (Xen config, settings, files to remove
// first, warnings expected). One loop runs each case through the real runner on
// a sample tree (RHEL 5, or the Debian/Ubuntu release case.json names): the files
// come out byte for byte as expected, and a second run changes nothing. A new
// real-world quirk is a new folder.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { FAMILIES } from '../../src/families/index.js';
import { releaseSampleTree, DEBIAN_CFG, type SampleRelease } from '../helpers/edit-context.js';
import { rootFs } from '../../src/tree/fs.js';
import { applyEdits } from '../../src/tree/runner.js';
import { contextFor, SEED_CFG, sampleTree } from '../helpers/edit-context.js';
import { repoRoot } from '../helpers/corpus.js';

interface CaseSpec {
  /** The sample tree the case starts from: a RHEL 5 guest (default), or a Debian/Ubuntu, CentOS or SLES release's. */
  release?: SampleRelease;
  config?: string;
  serialSpeed?: number;
  clockFix?: boolean;
  arch?: 'x86_64' | 'i686';
  /** Guest files removed from the sample tree before the edit runs. */
  absent?: string[];
  /** Patterns every one of which some warning must match. */
  warnings?: string[];
  /** The edit must refuse, with a message matching this (and change nothing). */
  error?: string;
}

const base = join(repoRoot, 'test/fixtures/edits');

/** Every file under dir, as guest paths. */
function files(dir: string, rel = ''): string[] {
  if (!existsSync(join(dir, rel))) return [];
  return readdirSync(join(dir, rel)).flatMap((n) => (statSync(join(dir, rel, n)).isDirectory() ? files(dir, `${rel}/${n}`) : [`${rel}/${n}`]));
}

for (const id of readdirSync(base).sort()) {
  const edit = FAMILIES.flatMap((f) => f.edits).find((e) => e.id === id);
  t.test(id, async (t) => {
    t.ok(edit, `${id} is an edit of a family`);
    if (!edit) return;
    for (const name of readdirSync(join(base, id)).sort()) {
      t.test(name, async (t) => {
        const dir = join(base, id, name);
        const spec: CaseSpec = existsSync(join(dir, 'case.json')) ? JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) : {};
        const root = spec.release ? releaseSampleTree(spec.release) : sampleTree();
        t.teardown(() => rmSync(root, { recursive: true, force: true }));
        for (const p of spec.absent ?? []) rmSync(join(root, p), { force: true });
        const before = files(join(dir, 'before'));
        for (const p of before) {
          mkdirSync(dirname(join(root, p)), { recursive: true });
          writeFileSync(join(root, p), readFileSync(join(dir, 'before', p)));
        }
        const ctx = await contextFor(root, spec.config ?? (spec.release ? DEBIAN_CFG : SEED_CFG), {
          ...(spec.serialSpeed ? { serialSpeed: spec.serialSpeed } : {}),
          ...(spec.clockFix !== undefined ? { clockFix: spec.clockFix } : {}),
          ...(spec.arch ? { arch: spec.arch } : {}),
        });
        const run = (runId: string) => applyEdits(rootFs(root), [edit], ctx, { dryRun: false, runId, label: 'test1', runInGuest: async () => undefined });
        if (spec.error) {
          await t.rejects(run('first'), new RegExp(spec.error), `refused: ${spec.error}`);
          for (const p of before) t.same(readFileSync(join(root, p)), readFileSync(join(dir, 'before', p)), `${p} unchanged`);
          return;
        }
        const first = await run('first');
        const after = files(join(dir, 'after'));
        for (const p of after) t.same(readFileSync(join(root, p)).toString('latin1'), readFileSync(join(dir, 'after', p)).toString('latin1'), `${p} as expected`);
        for (const p of before.filter((x) => !after.includes(x))) t.same(readFileSync(join(root, p)), readFileSync(join(dir, 'before', p)), `${p} unchanged`);
        const expectChange = after.some((p) => !before.includes(p) || !readFileSync(join(dir, 'after', p)).equals(readFileSync(join(dir, 'before', p))));
        t.equal(first.outcomes[0].changed, expectChange, expectChange ? 'reported as changed' : 'reported as unchanged');
        for (const w of spec.warnings ?? []) t.ok(ctx.warnings.some((x) => new RegExp(w).test(x)), `warns: ${w}`);
        const second = await run('second');
        t.equal(second.outcomes[0].changed, false, 'a second run changes nothing');
      });
    }
  });
}
