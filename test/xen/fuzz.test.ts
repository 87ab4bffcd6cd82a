// Fuzzed configs, in-process: libvirt's corpus mutated (bytes flipped, spans cut,
// lines doubled, hostile tokens inserted, numbers pushed to extremes) with a fixed
// seed. For every one: no crash, no hang, every refusal a user error with
// file:line:column, and every domain rendered valid against libvirt's schema
// (xmllint --relaxng on all of them at once). Prints its figures.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { UserError } from '../../src/errors.js';
import { renderDomainXml } from '../../src/host/domain-xml.js';
import { parseXenConfig } from '../../src/xen/parse.js';
import { corpusPairs, repoRoot } from '../helpers/corpus.js';

const N = Number(process.env.XEN2KVM_FUZZ ?? 10000);
const SCHEMA = '/usr/share/libvirt/schemas/domain.rng';

/** mulberry32: a small deterministic PRNG. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = ['[', ']', '"', "'", '"""', ',', '=', '+=', '\n', ';', '#', '\\', '\\\n', '0', '-1', '1e3', '0x10', '4096', '4097',
  '99999999999999999999999', '9'.repeat(400), '\u0000', '\u001b', '\u0007', '\u00e9', '\ufffd', 'None', 'True',
  'memory = 0\n', 'vcpus = 0\n', 'maxmem = 1\n', 'vcpus = 99999\n', 'vif = [ "mac=zz:zz:zz" ]\n', 'vif = [ "mac=00:16:3e:00:00:01,bridge=br\u0001" ]\n',
  'disk = [ "phy:/dev/vg/x,xvdz9,w" ]\n', 'disk = [ "file:/a b,hda,w", "file:/c,hdb,w", "file:/d,hdc,w", "file:/e,hdd,w", "file:/f,hde,w" ]\n',
  'vfb = [ "type=vnc,vncdisplay=70000" ]\n', 'name = "a<b&c"\n', 'name = ""\n', 'uuid = "zz"\n', 'cpus = "0-999999"\n',
  'on_crash = "explode"\n', 'builder = "hvm"\n', 'serial = "pty"\n', 'extra = "console=xvc0 xencons=xvc0"\n', '[[[[[[[[[[', ']]]]'];

function mutate(text: string, r: () => number): string {
  let s = text;
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const at = () => Math.floor(r() * (s.length + 1));
  const rounds = 1 + Math.floor(r() * 4);
  for (let k = 0; k < rounds; k++) {
    const op = Math.floor(r() * 6);
    if (op === 0) {
      const i = at();
      s = s.slice(0, i) + String.fromCharCode(Math.floor(r() * 128)) + s.slice(i + 1);
    } else if (op === 1) {
      const i = at();
      s = s.slice(0, i) + s.slice(i + Math.floor(r() * 20));
    } else if (op === 2) {
      const lines = s.split('\n');
      const i = Math.floor(r() * lines.length);
      lines.splice(i, 0, lines[i] ?? '');
      s = lines.join('\n');
    } else if (op === 3) {
      const i = at();
      s = s.slice(0, i) + pick(TOKENS) + s.slice(i);
    } else if (op === 4) {
      s = s.replace(/\b\d+\b/, () => pick(['0', '-0', '4294967296', '99999999999999999999999', '18446744073709551616']));
    } else {
      s = `${s}\n${pick(TOKENS)}`;
    }
  }
  return s;
}

t.test(`${N} fuzzed configs`, async (t) => {
  const seeds = [...corpusPairs().map((p) => p.cfg), readFileSync(join(repoRoot, 'examples/test1.cfg'), 'utf8')];
  const r = rng(20261130);
  const counts = { parsed: 0, refused: 0, rendered: 0, renderRefused: 0 };
  const bad: string[] = [];
  const xmls: { name: string; xml: string; cfg: string }[] = [];
  let slowest = 0;
  for (let i = 0; i < N; i++) {
    const cfg = mutate(seeds[i % seeds.length], r);
    const file = `fuzz-${i}.cfg`;
    const started = performance.now();
    try {
      const guest = parseXenConfig(cfg, file);
      counts.parsed++;
      try {
        const d = renderDomainXml(guest, { machine: i % 3 === 0 ? 'q35' : 'pc' });
        counts.rendered++;
        xmls.push({ name: file, xml: d.xml, cfg });
      } catch (e) {
        counts.renderRefused++;
        if (!(e instanceof UserError)) bad.push(`${file}: render crashed: ${(e as Error).stack}\n${JSON.stringify(cfg)}`);
        else if (!/fuzz-\d+\.cfg:\d+:\d+: /.test(e.message)) bad.push(`${file}: render refusal without line:column: ${e.message}`);
      }
    } catch (e) {
      counts.refused++;
      if (!(e instanceof UserError)) bad.push(`${file}: parser crashed: ${(e as Error).stack}\n${JSON.stringify(cfg)}`);
      else if (!e.message.split('\n').every((l) => /^fuzz-\d+\.cfg:\d+:\d+: /.test(l))) bad.push(`${file}: a refusal without line:column: ${e.message}`);
    }
    slowest = Math.max(slowest, performance.now() - started);
    if (bad.length > 20) break;
  }
  t.same(bad, [], 'no crash; every error names file:line:column');
  t.ok(slowest < 1000, `no config takes a second (slowest ${slowest.toFixed(0)} ms)`);
  const invalid = validateAll(xmls);
  if (invalid) t.same(invalid.slice(0, 5), [], 'every rendered domain passes libvirt\'s schema');
  const line = `fuzz: ${N} configs; ${counts.parsed} parsed, ${counts.refused} refused with line:column; ${counts.rendered} domains rendered and valid, ${counts.renderRefused} refused; slowest ${slowest.toFixed(0)} ms`;
  t.comment(line);
  console.log(line);
});

/** Every domain against libvirt's schema, one xmllint run per 500; undefined when xmllint or the schema is missing. */
function validateAll(xmls: { name: string; xml: string; cfg: string }[]): string[] | undefined {
  if (!existsSync(SCHEMA) || spawnSync('sh', ['-c', 'command -v xmllint']).status !== 0) return undefined;
  let invalid: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'x2k-fuzz-'));
  try {
    for (let b = 0; b < xmls.length; b += 500) {
      const files = xmls.slice(b, b + 500).map((x, k) => {
        const f = join(dir, `${b + k}.xml`);
        writeFileSync(f, x.xml);
        return f;
      });
      const res = spawnSync('xmllint', ['--noout', '--relaxng', SCHEMA, ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      invalid = invalid.concat(res.stderr.split('\n').filter((l) => / fails to validate$/.test(l)).map((l) => {
        const idx = Number(/(\d+)\.xml fails/.exec(l)?.[1]);
        const detail = spawnSync('xmllint', ['--noout', '--relaxng', SCHEMA, join(dir, `${idx}.xml`)], { encoding: 'utf8' }).stderr;
        if (process.env.XEN2KVM_FUZZ_DUMP) {
          writeFileSync(join(process.env.XEN2KVM_FUZZ_DUMP, `${idx}.cfg`), xmls[idx].cfg);
          writeFileSync(join(process.env.XEN2KVM_FUZZ_DUMP, `${idx}.xml`), xmls[idx].xml);
        }
        return `${xmls[idx].name}: ${JSON.stringify(xmls[idx].cfg)}\n${detail}`;
      }));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return invalid;
}

/** Settings real configs carry, at their edges: appended to libvirt's configs, they should parse, and render valid domains. */
const SETTINGS = ['memory = 16777216', 'vcpus = 4096', 'maxvcpus = 4096', 'cpus = "0-3,^2"', 'cpus = "all"',
  'vif = [ "mac=00:16:3e:00:00:01,bridge=br0.4094" ]', 'vif = [ "mac=00:16:3e:00:00:01,bridge=br0:1:2:3" ]', 'vif = [ "ip=10.0.0.1 10.0.0.2" ]',
  'vif = [ "model=e1000,type=ioemu" ]', 'vif = [ "rate=10Mb/s" ]', 'vfb = [ "type=vnc,vncdisplay=0,vncunused=0" ]', 'vfb = [ "type=sdl" ]',
  'serial = "tcp:127.0.0.1:4555,server,nowait"', 'serial = [ "pty", "pty" ]', 'serial = "unix:/tmp/s,server"', 'pci = [ "01:02.3" ]',
  'usbdevice = [ "tablet" ]', 'on_crash = "coredump-restart"', 'on_reboot = "rename-restart"', 'uuid = "00000000-0000-0000-0000-000000000000"',
  'name = "a b"', 'localtime = 1', 'builder = "hvm"', 'type = "pvh"', 'kernel = "/boot/k"\nextra = "root=/dev/xvda1 console=hvc0 xencons=tty"',
  'disk = [ "file:/i.img,xvda1,w", "file:/j.img,xvda2,w" ]', 'disk = [ ",hdc:cdrom,r" ]', 'disk = [ "phy:/dev/sdb,sda,w" ]',
  'disk = [ "format=qcow2,vdev=xvdb,target=/q.qcow2" ]', 'vnc = 1\nvncdisplay = 65000', 'vnclisten = "::1"', 'keymap = "de"', 'shadow_memory = 8',
  'cpuid = [ "host,tm=0" ]', 'e820_host = 1'];

t.test('3000 real configs with edge-case settings added: every one renders a valid domain', async (t) => {
  const seeds = corpusPairs().map((p) => p.cfg);
  const r = rng(7);
  const xmls: { name: string; xml: string; cfg: string }[] = [];
  const bad: string[] = [];
  for (let i = 0; i < 3000; i++) {
    let cfg = seeds[i % seeds.length];
    for (let k = 1 + Math.floor(r() * 3); k > 0; k--) cfg += `\n${SETTINGS[Math.floor(r() * SETTINGS.length)]}\n`;
    const file = `edge-${i}.cfg`;
    try {
      xmls.push({ name: file, xml: renderDomainXml(parseXenConfig(cfg, file), { machine: i % 2 ? 'q35' : 'pc' }).xml, cfg });
    } catch (e) {
      if (!(e instanceof UserError)) bad.push(`${file}: ${(e as Error).stack}`);
      else if (!/edge-\d+\.cfg:\d+(:\d+)?: /.test(e.message)) bad.push(`${file}: a refusal without a line: ${e.message}`);
    }
  }
  t.same(bad, [], 'no crash; refusals name the line');
  const invalid = validateAll(xmls);
  if (invalid) t.same(invalid.slice(0, 5), [], 'every domain passes libvirt\'s schema');
  const line = `fuzz: 3000 real configs with edge-case settings: ${xmls.length} domains rendered and valid, ${3000 - xmls.length} refused with their line`;
  t.comment(line);
  console.log(line);
});
