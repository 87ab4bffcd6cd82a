// The shape of src/ holds: no import cycle between its folders, no command
// imports another command or cli.ts, no source file over 400 lines
// (scripts/check-layers.mjs, also usable by hand).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from './helpers/corpus.js';

t.test('src/ layering', async (t) => {
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts/check-layers.mjs'), join(repoRoot, 'src')], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stdout);
  t.match(r.stdout, /no cycles/);
  t.match(r.stdout, /family tests outside src\/families\/: 0\n/, 'no edit, stage or report tests a family or distribution by name');
});

t.test('the checker catches a family tested outside the family modules', async (t) => {
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'edits'));
  mkdirSync(join(dir, 'families'));
  writeFileSync(join(dir, 'edits/a.ts'), "export const a = (ctx: any) => ctx.facts.os.family === 'rhel';\n");
  writeFileSync(join(dir, 'edits/b.ts'), "export const b = (os: any) => 'debian' !== os.id || os.distro == 'x';\n");
  writeFileSync(join(dir, 'families/rhel.ts'), "export const r = (os: any) => os.family === 'rhel';\n");
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts/check-layers.mjs'), dir], { encoding: 'utf8' });
  t.equal(r.status, 1);
  t.match(r.stdout, /family tests outside src\/families\/: 2/);
  t.match(r.stdout, /edits\/a\.ts:1: tests a family/);
  t.match(r.stdout, /edits\/b\.ts:1: tests a family/);
  t.notMatch(r.stdout, /families\/rhel\.ts/);
});

t.test('the checker catches a cycle', async (t) => {
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'a'));
  mkdirSync(join(dir, 'b'));
  mkdirSync(join(dir, 'commands'));
  writeFileSync(join(dir, 'a/x.ts'), "import { y } from '../b/y.js';\nexport const x = y;\n");
  writeFileSync(join(dir, 'b/y.ts'), "import { x } from '../a/x.js';\nexport const y = 1; void x;\n");
  writeFileSync(join(dir, 'commands/one.ts'), "import { two } from './two.js';\nexport const one = two;\n");
  writeFileSync(join(dir, 'commands/two.ts'), 'export const two = 2;\n');
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts/check-layers.mjs'), dir], { encoding: 'utf8' });
  t.equal(r.status, 1);
  t.match(r.stdout, /import cycle: a\/ → b\/ → a\//);
  t.match(r.stdout, /commands\/one\.ts imports another command/);
});

t.test('every declared dependency is imported by the program (none carried unused)', async (t) => {
  const { readFileSync, readdirSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; bundleDependencies?: string[] };
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.(ts|mjs|js)$/.test(e.name) ? [join(dir, e.name)] : []));
  const code = [...files(join(repoRoot, 'src')), ...files(join(repoRoot, 'scripts'))].map((f) => readFileSync(f, 'utf8')).join('\n');
  for (const dep of Object.keys(pkg.dependencies)) {
    t.ok(new RegExp(`(from|import\\(|require\\()\\s*'${dep.replace(/[/.]/g, '\\$&')}(/[^']*)?'|\\('${dep}'\\)`).test(code), `${dep} is imported`);
  }
  t.same([...(pkg.bundleDependencies ?? [])].sort(), Object.keys(pkg.dependencies).sort(), 'and bundled in the package, all of them');
});
