// `npm install -g` of the packed package (what the README's install line does):
// xen2kvm on PATH, its man page where man finds it, bash completion from the
// installed program — into a throwaway prefix, offline (the dependencies are bundled).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/corpus.js';

t.test('npm pack + npm install -g: on PATH, with its man page and completion', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-install-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const pack = spawnSync('npm', ['pack', '--pack-destination', dir, '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8' });
  t.equal(pack.status, 0, pack.stderr);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  t.ok(tarball, 'a tarball');
  const prefix = join(dir, 'prefix');
  const inst = spawnSync('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(dir, tarball!)], { encoding: 'utf8' });
  t.equal(inst.status, 0, inst.stderr);
  const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}` };
  const v = spawnSync('xen2kvm', ['--version'], { encoding: 'utf8', env, cwd: dir });
  t.equal(v.status, 0, v.stderr);
  t.match(v.stdout, /^\d+\.\d+\.\d+\n$/, 'xen2kvm is on PATH and knows its version');
  const d = spawnSync('xen2kvm', ['domxml', join(repoRoot, 'examples/test1.cfg')], { encoding: 'utf8', env, cwd: dir });
  t.equal(d.status, 0, d.stderr);
  t.match(d.stdout, /<name>test1<\/name>/, 'and converts a config');
  t.ok(existsSync(join(prefix, 'share/man/man1/xen2kvm.1')), 'the man page is installed where man looks (PREFIX/share/man/man1)');
  const c = spawnSync('xen2kvm', ['completion'], { encoding: 'utf8', env, cwd: dir });
  t.match(c.stdout, /complete -o/, 'completion comes from the installed program');
});
