// validateXml (src/host/virsh.ts): libvirt's schema through xmllint, the XML on its standard
// input; virt-xml-validate where xmllint is missing; false when neither is there; XML that
// fails the schema is refused with the validator's words, never printed or defined.
import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { UserError } from '../../src/errors.js';
import { renderDomainXml } from '../../src/host/domain-xml.js';
import { LIBVIRT_SCHEMAS, validateXml } from '../../src/host/virsh.js';
import { setLogLevel } from '../../src/log.js';
import { parseXenConfig } from '../../src/xen/parse.js';
import { repoRoot } from '../helpers/corpus.js';
import { fakeBin } from '../helpers/fake-bin.js';

const haveSchema = existsSync(`${LIBVIRT_SCHEMAS}/domain.rng`);
const good = renderDomainXml(parseXenConfig(readFileSync(`${repoRoot}/examples/test1.cfg`, 'utf8'), 'test1.cfg'), {}).xml;
// A domain of a type libvirt does not know: well-formed, but not what libvirt's schema allows.
const bad = good.replace('<domain type="kvm">', '<domain type="warp-drive">');

t.test('a rendered domain passes; one of an unknown type is refused with xmllint\'s words', { skip: !haveSchema && 'libvirt\'s schemas are not installed' }, async (t) => {
  t.not(bad, good, 'the broken domain differs');
  t.equal(await validateXml(good, 'domain'), true);
  const err = await validateXml(bad, 'domain').catch((e: unknown) => e);
  t.type(err, UserError);
  t.match((err as Error).message, /the domain XML does not pass libvirt's schema \(\/usr\/share\/libvirt\/schemas\/domain\.rng\):\n[^]*fails to validate/);
});

t.test('xmllint runs on standard input, not a file', { skip: !haveSchema && 'libvirt\'s schemas are not installed' }, async (t) => {
  const fb = fakeBin();
  t.teardown(() => fb.restore());
  // A recording xmllint: its arguments and what came on stdin, then the real one's verdict.
  fb.add('xmllint', `echo "$*" > ${fb.dir}/args; tee ${fb.dir}/stdin | /usr/bin/xmllint "$@"`);
  setLogLevel('quiet');
  t.equal(await validateXml(good, 'domain'), true);
  t.equal(readFileSync(`${fb.dir}/args`, 'utf8').trim(), `--noout --relaxng ${LIBVIRT_SCHEMAS}/domain.rng -`);
  t.equal(readFileSync(`${fb.dir}/stdin`, 'utf8'), good);
});

t.test('without xmllint: virt-xml-validate; without either: not validated', async (t) => {
  const fb = fakeBin();
  t.teardown(() => fb.restore());
  const oldPath = process.env.PATH;
  t.teardown(() => { process.env.PATH = oldPath; });
  // Only the fake tools are on PATH (plus sh's own needs through absolute paths).
  process.env.PATH = fb.dir;
  t.equal(await validateXml(good, 'domain'), false, 'neither installed: false, no error');
  fb.add('virt-xml-validate', `/bin/cat "$1" > ${fb.dir}/seen; [ "$2" = network ] || { echo "$1 fails to validate" >&2; exit 1; }`);
  t.equal(await validateXml('<network/>', 'network'), true, 'virt-xml-validate accepted it');
  t.equal(readFileSync(`${fb.dir}/seen`, 'utf8'), '<network/>', 'it was given the XML in a file');
  const err = await validateXml(good, 'domain').catch((e: unknown) => e);
  t.type(err, UserError);
  t.match((err as Error).message, /does not pass libvirt's schema[^]*fails to validate/);
});
