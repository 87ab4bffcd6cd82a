// The one machine-readable contract: every command's --json is one document that
// conforms to schema/xen2kvm.schema.json (the commands that need a guest are
// validated where the integration tests run them: test/helpers/system.ts), and
// the schema itself rejects what the contract rules out. The README's table of
// warning codes is the code's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/corpus.js';
import { checkDocument, schemaErrors } from '../helpers/contract.js';

const bin = join(repoRoot, 'bin', 'xen2kvm');
const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-json-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => {
  const r = spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, XEN2KVM_RUN_DIR: join(dir, 'run') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, doc: checkDocument(r.stdout, `xen2kvm ${args.join(' ')}`) as Record<string, any> };
};
const test1 = join(repoRoot, 'examples', 'test1.cfg');

t.test('domxml --json: the XML and its warnings in one object', async (t) => {
  const r = run('domxml', test1, '--json');
  t.equal(r.code, 0, r.stderr);
  t.match(r.doc, { schemaVersion: 1, command: 'domxml', ok: true, warnings: [], errors: [] });
  const g = r.doc.guests[0];
  t.equal(g.guest, 'test1');
  t.match(g.xml, /^<domain type="kvm">\n {2}<name>test1<\/name>/);
  t.same(g.warnings.map((w: { code: string }) => w.code), ['xen-bootloader-unused', 'bridge-must-exist', 'bridge-must-exist']);
  t.match(r.stderr, /warning: vif 0 stays on bridge xenbr0/, 'and on stderr for people');
  const model = run('domxml', test1, '--json', '--print-guest');
  t.equal(model.doc.guests[0].model.disks[0].path, '/var/lib/xen/images/test1.img', '--print-guest adds the model');
});

t.test('the config\'s own warnings are in the guest\'s entry, with their codes', async (t) => {
  const cfg = join(dir, 'twice.cfg');
  writeFileSync(cfg, `${readFileSync(test1, 'utf8')}memory = 256\nvif = [ "mac=00:16:3e:1a:d0:96,bridge=xenbr0,colour=red" ]\n`);
  const g = run('domxml', cfg, '--json').doc.guests[0];
  const codes = g.warnings.map((w: { code: string }) => w.code);
  t.ok(codes.includes('setting-repeated') && codes.includes('vif-key-unknown'), codes.join(' '));
  t.match(g.warnings.find((w: { code: string }) => w.code === 'setting-repeated').message, /twice\.cfg:\d+:1: memory is set again/);
});

t.test('list-edits, cleanup and a failing command answer with the same envelope', async (t) => {
  const l = run('list-edits', '--json');
  t.equal(l.code, 0);
  t.same(l.doc.families.map((f: { family: string }) => f.family), ['rhel', 'rhel6', 'rhel7', 'debian', 'suse']);
  t.equal(l.doc.families[0].edits[0].id, 'grub-default');
  const c = run('cleanup', '--dry-run', '--json');
  t.match(c.doc, { command: 'cleanup', ok: true, dryRun: true, runs: 0, wouldUndo: [] });
  const bad = join(dir, 'bad.cfg');
  writeFileSync(bad, 'name = "x"\nmemory = "lots"\n');
  const e = run('convert', bad, '--json');
  t.equal(e.code, 2);
  t.match(e.doc, { command: 'convert', ok: false, errors: [{ code: 'bad-input', exitCode: 2, message: /bad\.cfg:2:\d+: memory must be/ }] });
  const u = run('domxml', '--json', '--bridg', 'x=y', test1);
  t.match(u.doc, { command: 'domxml', ok: false, errors: [{ code: 'refused', message: /did you mean --bridge/ }] });
});

t.test('the schema rejects what the contract rules out', async (t) => {
  const good = { schemaVersion: 1, command: 'runs', ok: true, guests: [{ guest: 'g', runs: [], warnings: [], errors: [] }], warnings: [], errors: [] };
  t.same(schemaErrors(good), []);
  const bad = (what: string, doc: unknown) => t.not(schemaErrors(doc).length, 0, what);
  bad('no schemaVersion', { ...good, schemaVersion: undefined });
  bad('another schemaVersion', { ...good, schemaVersion: 2 });
  bad('a warning as a string', { ...good, warnings: ['careful'] });
  bad('a warning without a code', { ...good, warnings: [{ message: 'careful' }] });
  bad('errors but ok', { ...good, errors: [{ code: 'refused', message: 'no', exitCode: 2 }] });
  bad('an error code not in the list', { ...good, ok: false, errors: [{ code: 'oops', message: 'no', exitCode: 2 }] });
  const entry = { guest: 'g', config: 'c', result: 'converted', summary: 's', changes: 1, seconds: 1, next: '', warnings: [], errors: [] };
  const convert = { schemaVersion: 1, command: 'convert', ok: true, started: '2026-12-07T10:00:00.000Z', dryRun: false, jobs: 1, guests: [entry], warnings: [], errors: [] };
  t.same(schemaErrors(convert), []);
  bad('a result in prose', { ...convert, guests: [{ ...entry, result: 'already converted' }] });
  bad('a failed guest without its error', { ...convert, ok: false, guests: [{ ...entry, result: 'failed' }] });
  bad('a converted guest with an error', { ...convert, guests: [{ ...entry, errors: [{ code: 'internal', message: 'x', exitCode: 70 }] }] });
  bad('a convert without guests', { ...convert, guests: [] });
});

t.test('every warning code the code raises is in the README\'s table, and only those', async (t) => {
  const src = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? src(join(d, e.name)) : e.name.endsWith('.ts') ? [readFileSync(join(d, e.name), 'utf8')] : []));
  const code = src(join(repoRoot, 'src')).join('\n');
  const raised = new Set([...code.matchAll(/warning\('([a-z0-9-]+)'|this\.warn\([^,]+, '([a-z0-9-]+)'/g)].map((m) => m[1] ?? m[2]));
  t.ok(raised.size >= 25, `${raised.size} codes found in src/`);
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8').split('## JSON output (for programs)')[1].split('\n## ')[0];
  const listed = new Set([...readme.matchAll(/^\| `([a-z0-9-]+)` \| /gm)].map((m) => m[1]).filter((c) => !['convert', 'inspect', 'domxml', 'rollback', 'runs', 'cleanup', 'list-edits', 'host-prep', 'demo'].includes(c)));
  t.same([...raised].filter((c) => !listed.has(c)).sort(), [], 'raised but not documented');
  t.same([...listed].filter((c) => !raised.has(c)).sort(), [], 'documented but never raised');
});
