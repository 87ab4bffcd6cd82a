// Every command takes its options before, between and after its positionals
// (repeatable options do not swallow a config that follows them), one JSON
// convention (--json prints on stdout, --report FILE writes), a JSON error object
// with --json, and --help wrapped at word boundaries.
import { spawnSync } from 'node:child_process';
import { checkDocument } from '../helpers/contract.js';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/corpus.js';
import { parseXml, path } from '../helpers/xml.js';

const bin = join(repoRoot, 'bin', 'xen2kvm');
const dir = mkdtempSync(join(tmpdir(), 'xen2kvm-opts-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, XEN2KVM_RUN_DIR: join(dir, 'run'), COLUMNS: '100' };
const x = (...args: string[]) => {
  const r = spawnSync(bin, args, { encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const cfg = join(repoRoot, 'examples/test1.cfg');
const missing = join(dir, 'no-such-guest');

t.test('domxml: options before, between and after the config', async (t) => {
  const orders = [
    ['domxml', '--bridge', 'xenbr0=br0', '--network', 'xenbr1=hostonly', cfg],
    ['domxml', '--bridge', 'xenbr0=br0', cfg, '--network', 'xenbr1=hostonly'],
    ['domxml', cfg, '--bridge', 'xenbr0=br0', '--network', 'xenbr1=hostonly'],
  ];
  const outs = orders.map((o) => x(...o));
  for (const r of outs) {
    t.equal(r.code, 0, r.stderr);
    const d = parseXml(r.stdout);
    t.same(path(d, 'devices/interface/source').map((s) => s.getAttribute('bridge') ?? s.getAttribute('network')), ['br0', 'hostonly']);
  }
  t.equal(outs[0].stdout, outs[2].stdout, 'same XML whatever the order');
});

t.test('convert: a repeatable option before the config leaves the config a config', async (t) => {
  const r = x('convert', '--bridge', 'xenbr0=br0', '--network', 'xenbr1=hostonly', '--disk', 'xvda=/x.img', missing, '-o', join(dir, 'out'));
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, new RegExp(`cannot read the Xen config ${missing}: no such file`));
  t.notMatch(r.stderr, /Not enough non-option arguments/);
  const rep = x('convert', '--report', join(dir, 'r.json'), missing, '-o', join(dir, 'out'));
  t.match(rep.stderr, /cannot read the Xen config/, '--report FILE before the config takes one value');
});

t.test('inspect: options first', async (t) => {
  const r = x('inspect', '--disk', 'xvda=/x.img', '--attach', 'loop', missing);
  t.equal(r.code, 2);
  t.match(r.stderr, new RegExp(`${missing}: no such file`));
});

t.test('rollback: options first', async (t) => {
  const r = x('rollback', '--attach', 'loop', '--run-id', 'x', missing);
  t.equal(r.code, 2);
  t.match(r.stderr, new RegExp(`${missing}: no such file`));
});

t.test('host-prep: repeatable --hugepages-for before other options', async (t) => {
  const root = join(dir, 'host');
  const r = x('host-prep', '--hugepages-for', cfg, '--hugepages-for', cfg, '--host-root', root, '--dry-run');
  t.notMatch(r.stderr, /Not enough|Unknown argument/, r.stderr);
});

t.test('--json errors are a JSON object on stdout', async (t) => {
  const r = x('inspect', '--json', missing);
  t.equal(r.code, 2);
  const j = checkDocument(r.stdout, 'inspect') as { ok: boolean; command: string; errors: { code: string; message: string; exitCode: number }[] };
  t.match(j, { schemaVersion: 1, command: 'inspect', ok: false });
  t.equal(j.errors[0].code, 'refused');
  t.match(j.errors[0].message, /no such file/);
  t.equal(j.errors[0].exitCode, 2);
  const c = x('convert', missing, '--json');
  t.match((checkDocument(c.stdout, 'convert') as { errors: { message: string }[] }).errors[0].message, /cannot read the Xen config/);
});

t.test('convert --output-dir that cannot be written is refused before any guest is touched', { skip: process.getuid?.() === 0 ? false : 'needs root to make an unwritable path' }, async (t) => {
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  const r = x('convert', cfg, '-o', join(file, 'sub'));
  t.equal(r.code, 1, r.stderr); // the environment (exit 1), checked before any guest is touched
  t.match(r.stderr, /--output-dir .* cannot be written to/);
  t.notOk(existsSync(join(dir, 'run', 'journal')) && readFileSync(join(dir, 'run', 'journal')).length > 0, 'no run was journaled');
});

t.test('--help wraps at word boundaries', async (t) => {
  for (const cmd of ['convert', 'inspect', 'domxml', 'host-prep', 'rollback']) {
    const r = x(cmd, '--help');
    t.equal(r.code, 0);
    // "loop devices" and "boot loader" are never cut in the middle.
    t.notMatch(r.stdout, /\b(lo|de|loa)\n\s+(op|vices|ader)\b/, `${cmd}: no word cut`);
    for (const line of r.stdout.split('\n')) t.ok(line.length <= 100, `${cmd}: fits 100 columns`);
  }
  t.match(x('convert', '--help').stdout, /or loop\n\s+devices at offsets/);
});

t.test('xend records: a config.sxp file, and xm list -l piped to "-"', async (t) => {
  const sxp = join(repoRoot, 'test/fixtures/sxp/test1.sxp');
  const f = x('domxml', '--bridge', 'xenbr0=br0', sxp);
  t.equal(f.code, 0, f.stderr);
  t.match(f.stdout, /<name>test1<\/name>/);
  t.match(f.stdout, /<source bridge="br0"\/>/);
  const r = spawnSync(bin, ['domxml', '-'], { input: readFileSync(sxp), encoding: 'utf8', env });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /<source bridge="xenbr0"\/>/, 'the Xen bridge kept (no mapping given)');
  t.match(r.stdout, /<mac address="00:16:3e:1a:d0:97"\/>/);
  const bad = spawnSync(bin, ['domxml', '-'], { input: '(domain (name a)', encoding: 'utf8', env });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /\(stdin\):1:1: this \( is never closed/);
});
