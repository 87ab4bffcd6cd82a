// The Xen-side scripts of ansible/ (what runs on a dom0 with only ssh and a shell),
// run under busybox sh, dash and bash against a made-up /etc/xen and xend domains
// directory with a stand-in toolstack; and every playbook passes ansible-playbook --syntax-check.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t from 'tap';

const root = resolve(import.meta.dirname, '../..');
const files = join(root, 'ansible/roles/xen2kvm/files');
// a dom0's /bin/sh may be busybox's, dash or bash: the scripts run under each one here
const shells: [string, string[]][] = [['busybox sh', ['/bin/busybox', 'sh']], ['dash', ['/bin/dash']], ['bash --posix', ['/bin/bash', '--posix']]];

for (const [label, sh] of shells) {
  t.test(`under ${label}`, { skip: existsSync(sh[0]) ? false : `${sh[0]} is not installed` }, async (t) => {
    function run(script: string, args: string[], env: Record<string, string>) {
      const r = spawnSync(sh[0], [...sh.slice(1), join(files, script), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
      return { code: r.status, out: r.stdout, err: r.stderr };
    }

    const dir = mkdtempSync(join(tmpdir(), 'x2k-xen-side-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const xen = join(dir, 'etc/xen');
    const xend = join(dir, 'var/lib/xend/domains');
    const bin = join(dir, 'bin');
    const state = join(dir, 'running');
    for (const d of [join(xen, 'auto'), join(xen, 'scripts'), join(xend, 'a1b2'), bin, state]) mkdirSync(d, { recursive: true });
    writeFileSync(join(xen, 'web1'), 'name = "web1"\nmemory = 512\ndisk = [ "file:/img/web1.img,xvda,w" ]\n');
    writeFileSync(join(xen, 'db1.cfg'), "name='db1'\ndisk=['/dev/vg/db1,raw,xvda,rw']\n");
    writeFileSync(join(xen, 'xend-config.sxp'), '(xend-relocation-server no)\n');
    writeFileSync(join(xen, 'xl.conf'), 'autoballoon=0\n');
    writeFileSync(join(xen, 'scripts/vif-bridge'), '#!/bin/sh\n');
    writeFileSync(join(xen, 'notes.txt'), 'name = "not-a-guest"\n');
    writeFileSync(join(xend, 'a1b2/config.sxp'), '(domain\n    (name mail1)\n    (memory 256)\n)\n');
    // a guest both in /etc/xen and xend's records is taken once, from /etc/xen
    mkdirSync(join(xend, 'c3d4'));
    writeFileSync(join(xend, 'c3d4/config.sxp'), '(domain\n    (name web1)\n)\n');
    symlinkSync('../web1', join(xen, 'auto/web1'));
    // a stand-in xm: web1 runs, the others do not
    const xm = `#!/bin/sh
    case "$1" in
      list) echo "Name ID Mem VCPUs State Time(s)"; echo "Domain-0 0 1024 2 r----- 1.0"
            for f in ${state}/*; do [ -f "$f" ] && echo "$(basename "$f") 7 512 1 -b---- 1.0"; done
            echo "mail1 - 256 1 ------ 0.0" ;;
      shutdown) [ "$2" = -w ] && shift; rm -f ${state}/$2 ;;
      create) echo 9 > ${state}/$(sed -n 's/^name *= *"\\(.*\\)"/\\1/p' "$2") ;;
      *) exit 1 ;;
    esac
    `;
    writeFileSync(join(bin, 'xm'), xm);
    chmodSync(join(bin, 'xm'), 0o755);
    writeFileSync(join(state, 'web1'), '7\n');
    const env = { XEN_DIR: xen, XEND_DIR: xend, PATH: `${bin}:/usr/bin:/bin` };

    t.test('xen-survey.sh lists the guests of /etc/xen and xend, with state and autostart', async (t) => {
      const r = run('xen-survey.sh', [], env);
      t.equal(r.code, 0, r.err);
      const lines = r.out.trim().split('\n').map((l) => l.split('\t'));
      t.same(lines[0].slice(0, 2), ['toolstack', 'xm']);
      const guests = lines.filter((l) => l[0] === 'guest').map((l) => [l[1], l[2].replace(dir, ''), l[3], l[4]]);
      t.same(guests.sort(), [
        ['db1', '/etc/xen/db1.cfg', 'off', 'no'],
        ['mail1', '/var/lib/xend/domains/a1b2/config.sxp', 'off', 'no'],
        ['web1', '/etc/xen/web1', 'running', 'yes'],
      ]);
    });

    t.test('xen-survey.sh says so when no toolstack answers', async (t) => {
      const r = run('xen-survey.sh', [], { ...env, PATH: '/usr/bin:/bin' });
      t.equal(r.code, 0);
      t.match(r.out, /^toolstack\tnone\tneither xl nor xm answers/);
    });

    t.test('xen-shutdown.sh: a running guest is shut down and waited for; an off one is left', async (t) => {
      writeFileSync(join(state, 'web1'), '7\n');
      let r = run('xen-shutdown.sh', ['xm', 'web1', '5'], env);
      t.equal(r.code, 0, r.err);
      t.equal(r.out.trim(), 'was-running');
      t.notOk(existsSync(join(state, 'web1')));
      r = run('xen-shutdown.sh', ['xm', 'web1', '5'], env);
      t.equal(r.out.trim(), 'was-off');
    });

    t.test('xen-shutdown.sh refuses to go on while the guest still runs after the timeout', async (t) => {
      const stuck = join(dir, 'stuck-bin');
      mkdirSync(stuck, { recursive: true });
      writeFileSync(join(stuck, 'xm'), xm.replace('shutdown) [ "$2" = -w ] && shift; rm -f', 'shutdown) while :; do sleep 1; done; rm -f'));
      chmodSync(join(stuck, 'xm'), 0o755);
      writeFileSync(join(state, 'web1'), '7\n');
      const r = run('xen-shutdown.sh', ['xm', 'web1', '2'], { ...env, PATH: `${stuck}:/usr/bin:/bin` });
      t.equal(r.code, 3);
      t.match(r.err, /web1 is still running 2 s after 'xm shutdown -w web1'; it was left running on Xen and nothing was copied/);
      t.ok(existsSync(join(state, 'web1')), 'still running');
    });

    t.test('xen-start.sh starts a guest from its config and checks it runs', async (t) => {
      rmSync(join(state, 'web1'), { force: true });
      const r = run('xen-start.sh', ['xm', 'web1', join(xen, 'web1')], env);
      t.equal(r.code, 0, r.err);
      t.equal(r.out.trim(), 'started');
      t.ok(existsSync(join(state, 'web1')));
    });

    t.test('xen-autostart.sh off moves the /etc/xen/auto link aside, on puts it back', async (t) => {
      let r = run('xen-autostart.sh', ['off', 'web1'], env);
      t.equal(r.code, 0, r.err);
      t.notOk(existsSync(join(xen, 'auto/web1')));
      t.ok(lstatSync(join(xen, 'xen2kvm-migrated/auto/web1')).isSymbolicLink(), 'kept aside, as it was');
      t.match(run('xen-survey.sh', [], env).out, /\tweb1\t[^\t]+\trunning\tno\n/);
      r = run('xen-autostart.sh', ['on', 'web1'], env);
      t.equal(r.code, 0, r.err);
      t.equal(readlinkSync(join(xen, 'auto/web1')), '../web1');
      t.ok(existsSync(join(xen, 'auto/web1')));
    });

    t.test('xen-disk-info.sh gives kind and size, and says when a disk is missing', async (t) => {
      const img = join(dir, 'disk.img');
      execFileSync('truncate', ['-s', '10M', img]);
      const r = run('xen-disk-info.sh', [img, join(dir, 'nope.img')], env);
      t.equal(r.code, 0, r.err);
      const [a, b] = r.out.trim().split('\n').map((l) => l.split('\t'));
      t.same(a.slice(0, 3), [img, 'file', String(10 * 1024 * 1024)]);
      t.same(b.slice(0, 2), [join(dir, 'nope.img'), 'missing']);
    });
  });
}

const ansible = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' });
t.test('every playbook passes ansible-playbook --syntax-check', { skip: ansible.status === 0 ? false : 'ansible-playbook is not installed (scripts/setup.sh --test installs ansible-core)' }, async (t) => {
  for (const book of ['inspect.yml', 'migrate.yml', 'rollback.yml', 'install.yml']) {
    const r = spawnSync('ansible-playbook', ['--syntax-check', '-i', 'localhost,', book], {
      cwd: join(root, 'ansible'), encoding: 'utf8', env: { ...process.env, ANSIBLE_CONFIG: join(root, 'ansible/ansible.cfg') },
    });
    t.equal(r.status, 0, `${book}: ${r.stderr}`);
  }
});

// Ansible's own conventions, by its linter's strictest profile (fixed, not silenced: no .ansible-lint skips).
const lint = spawnSync('ansible-lint', ['--version'], { encoding: 'utf8' });
t.test('the playbooks and the role pass ansible-lint --profile production', { skip: lint.status === 0 ? false : 'ansible-lint is not installed (scripts/setup.sh --test installs it)' }, async (t) => {
  t.notOk(['.ansible-lint', '.config/ansible-lint.yml'].some((f) => existsSync(join(root, 'ansible', f))), 'no linter configuration that could skip rules');
  const r = spawnSync('ansible-lint', ['--offline', '--profile', 'production', '--nocolor', '-p'], {
    cwd: join(root, 'ansible'), encoding: 'utf8', env: { ...process.env, ANSIBLE_CONFIG: join(root, 'ansible/ansible.cfg') },
  });
  t.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  t.match(r.stderr + r.stdout, /Passed with production profile/);
});
