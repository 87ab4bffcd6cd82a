// --all finds xend's managed guests (/var/lib/xend/domains/UUID/config.sxp) as
// well as /etc/xen configs; a guest in both is taken from /etc/xen once.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { configName, xendDomainConfigs, xenDirConfigs } from '../src/batch.js';

t.test('xend domains beside /etc/xen configs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'x2k-xend-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const xen = join(dir, 'xen');
  const xend = join(dir, 'domains');
  mkdirSync(xen);
  writeFileSync(join(xen, 'web1'), 'name = "web1"\ndisk = [ "phy:/dev/vg/web1,xvda,w" ]\n');
  writeFileSync(join(xen, 'xend-config.sxp'), '(xend-relocation-server no)\n');
  for (const [uuid, body] of [
    ['1111', '(domain (name web1) (memory 256) (device (vbd (uname phy:/dev/vg/web1) (dev xvda:disk) (mode w))))'],
    ['2222', "(domain (name 'db1') (memory 512) (device (vbd (uname phy:/dev/vg/db1) (dev xvda:disk) (mode w))))"],
    ['3333', 'not a record'],
  ]) {
    mkdirSync(join(xend, uuid), { recursive: true });
    writeFileSync(join(xend, uuid, 'config.sxp'), body);
  }
  mkdirSync(join(xend, '4444'));
  const etc = xenDirConfigs(xen);
  t.same(etc.configs, [join(xen, 'web1')]);
  t.equal(configName(join(xen, 'web1')), 'web1');
  const found = xendDomainConfigs(xend, new Set(['web1']));
  t.same(found.configs, [join(xend, '2222', 'config.sxp')], 'db1 only xend knows; web1 comes from /etc/xen');
  t.match(found.skipped, [/1111\/config\.sxp \(web1 has a config in \/etc\/xen\)/, /3333\/config\.sxp/]);
  t.same(xendDomainConfigs(join(dir, 'none')), { configs: [], skipped: [] }, 'no xend: nothing, no error');
});
