// The migration report's HTML page (templates/report-migrate.html.j2), rendered by Ansible's
// own template module from a report like migrate.yml's, then loaded in a real headless
// browser (Debian's chromium): the timeline's bars are in its DOM, one per phase of each
// guest, and they are drawn — the screenshot has every phase's colour, and the cold
// guest's copy bar is as much longer than the warm guest's sync bar as their times are.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t from 'tap';
import { readPng, runsOf } from '../helpers/png.js';

const root = resolve(import.meta.dirname, '../..');
const template = join(root, 'ansible/roles/xen2kvm/templates/report-migrate.html.j2');
const browser = ['chromium', 'chromium-browser'].find((b) => spawnSync(b, ['--version']).status === 0);
const ansible = spawnSync('ansible', ['--version']).status === 0;

const report = {
  kind: 'migrate', run: 'migrate-20261207-180000', seconds: 512.3, hosts: [],
  guests: [
    { guest: 'web1', xen_host: 'xen1', kvm_host: 'kvm1', result: 'migrated', copy_mode: 'warm', phases: { precopy: 280.1, shutdown: 3.2, transfer: 21.5, convert: 18.0, boot: 61.0 }, downtime: 103.7, precopy_bytes: 3221225472, sent: 96468992 },
    { guest: 'db1', xen_host: 'xen2', kvm_host: 'kvm1', result: 'migrated', copy_mode: 'cold', phases: { shutdown: 3.0, transfer: 281.0, convert: 19.2, boot: 64.4 }, downtime: 367.6, sent: 3221225472 },
    { guest: 'mail1', xen_host: 'xen2', kvm_host: 'kvm1', result: 'failed', phase: 'transfer', error: 'checksum mismatch for /dev/vg/mail1 <b>', restarted_on_xen: true, copy_mode: 'warm', phases: { precopy: 100, shutdown: 2.0 }, downtime: null },
    { guest: 'old1', xen_host: 'xen3', result: 'not started', phases: {}, disks: [] },
  ],
};

t.test('the HTML report: a timeline per guest, drawn in a real browser', {
  skip: !ansible ? 'ansible is not installed (scripts/setup.sh --test installs ansible-core)' : !browser ? 'chromium is not installed (scripts/setup.sh --test installs it)' : false,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'x2k-html-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'vars.json'), JSON.stringify({ x2k_report: report }));
  const html = join(dir, 'report.html');
  const r = spawnSync('ansible', ['localhost', '-m', 'ansible.builtin.template', '-a', `src=${template} dest=${html}`, '-e', `@${join(dir, 'vars.json')}`], {
    encoding: 'utf8', env: { ...process.env, ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_CONFIG: join(root, 'ansible/ansible.cfg') },
  });
  t.equal(r.status, 0, r.stdout + r.stderr);
  const page = readFileSync(html, 'utf8');
  t.notMatch(page, /<script|<link|src=|url\(http|@import/i, 'no scripts, no external assets');
  t.match(page, /checksum mismatch for \/dev\/vg\/mail1 &lt;b&gt;/, 'what a guest\'s error says is escaped');

  const run = (args: string[]) => spawnSync(browser!, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--user-data-dir=${join(dir, 'profile')}`, ...args, `file://${html}`], { encoding: 'utf8', timeout: 90_000 });
  const dom = run(['--dump-dom']);
  t.equal(dom.status, 0, dom.stderr);
  const phasesOf = (guest: string) => {
    const row = dom.stdout.split('data-guest="').find((s) => s.startsWith(`${guest}"`)) ?? '';
    return [...row.split('class="error"')[0].matchAll(/data-phase="(\w+)"/g)].map((m) => m[1]);
  };
  t.same(phasesOf('web1'), ['precopy', 'shutdown', 'transfer', 'convert', 'boot'], 'warm: the pre-copy, then the downtime\'s phases');
  t.same(phasesOf('db1'), ['shutdown', 'transfer', 'convert', 'boot'], 'cold: no pre-copy');
  t.same(phasesOf('mail1'), ['precopy', 'shutdown'], 'failed in the sync: what it did');
  t.same(phasesOf('old1'), [], 'not started: no bars');

  const shot = join(dir, 'shot.png');
  const s = run(['--window-size=1100,700', `--screenshot=${shot}`]);
  t.equal(s.status, 0, s.stderr);
  const img = readPng(readFileSync(shot));
  const colours: Record<string, [number, number, number]> = {
    shutdown: [0xfd, 0x8d, 0x3c], transfer: [0xe6, 0x55, 0x0d], convert: [0x75, 0x6b, 0xb1], boot: [0x31, 0xa3, 0x54], precopy: [0x9e, 0xca, 0xe1],
  };
  for (const [phase, rgb] of Object.entries(colours)) t.ok(runsOf(img, rgb).length > 0, `${phase} is drawn`);
  // the longest transfer bar is db1's (281 s); web1's sync (21.5 s) is on rows more than a bar (26 px) away
  const runs = runsOf(img, colours.transfer);
  const [top, longest] = runs[0];
  const other = runs.find(([y]) => Math.abs(y - top) > 30);
  t.ok(other, 'a second guest\'s transfer bar, on other rows');
  const ratio = longest / other![1];
  t.ok(ratio > 9 && ratio < 17, `the bars are to scale: 281 s / 21.5 s = 13.1, drawn ${longest} / ${other![1]} px = ${ratio.toFixed(1)}`);
});
