// bin/xen2kvm runs the one-file bundle (dist/bundle/cli.mjs, built with dist/ by
// `npm run build` and before `npm test`), and --debug stack traces still point into
// src/*.ts through its source map. (Start-up times are figures: npm run bench -- startup.)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { repoRoot } from '../helpers/corpus.js';

t.test('the bundle is built with dist/ and is what bin/xen2kvm runs', async (t) => {
  const bundle = statSync(join(repoRoot, 'dist/bundle/cli.mjs'));
  const compiled = statSync(join(repoRoot, 'dist/src/cli.js'));
  t.ok(bundle.mtimeMs >= compiled.mtimeMs, 'not older than the compiled modules (else bin/xen2kvm falls back to them)');
  t.ok(statSync(join(repoRoot, 'dist/bundle/cli.mjs.map')).size > 0, 'with its source map');
  const r = spawnSync(join(repoRoot, 'bin/xen2kvm'), ['--debug', 'domxml', '/nonexistent/cfg'], { encoding: 'utf8' });
  t.equal(r.status, 2, r.stderr + String(r.error));
  t.match(r.stderr, /cannot read the Xen config \/nonexistent\/cfg/);
  t.match(r.stderr, /at .*src\/commands\/options\.ts:\d+:\d+/, '--debug: the stack names the TypeScript source');
  t.notMatch(r.stderr, /dist\/bundle\/cli\.mjs:\d+/, 'not the bundle\'s lines');
});

t.test('started through a symlink on PATH (as npm install -g makes it): the same program and version', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-link-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(join(repoRoot, 'bin/xen2kvm'), join(dir, 'xen2kvm'));
  const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
  const r = spawnSync(join(dir, 'xen2kvm'), ['--version'], { encoding: 'utf8', cwd: dir });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), version);
  const d = spawnSync(join(dir, 'xen2kvm'), ['domxml', join(repoRoot, 'examples/test1.cfg')], { encoding: 'utf8', cwd: dir });
  t.equal(d.status, 0, d.stderr);
  t.match(d.stdout, /<name>test1<\/name>/);
});

t.test('the bundle holds yargs too: it runs with no node_modules beside it, its translations included', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-bundle-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(repoRoot, 'dist/bundle'), join(dir, 'dist/bundle'), { recursive: true });
  cpSync(join(repoRoot, 'package.json'), join(dir, 'package.json')); // (its version; the package root)
  const run = (lang: string) => spawnSync(process.execPath, ['--input-type=module', '-e',
    `const m = await import(${JSON.stringify(pathToFileURL(join(dir, 'dist/bundle/cli.mjs')).href)}); process.exitCode = await m.main(['--help']);`], {
    encoding: 'utf8', cwd: dir, env: { ...process.env, LC_ALL: '', LC_MESSAGES: '', LANGUAGE: '', LANG: lang },
  });
  const en = run('C');
  t.equal(en.status, 0, en.stderr);
  t.match(en.stdout, /Convert stopped Xen PV guests into KVM guests, offline\./);
  t.match(en.stdout, /Show help/);
  const de = run('de_DE.UTF-8');
  t.equal(de.status, 0, de.stderr);
  t.match(de.stdout, /Hilfe anzeigen/, "yargs's own words in the user's language, as from node_modules");
});
