// The XML writer (src/formats/xml-writer.ts) against xmlbuilder2, which wrote xen2kvm's
// XML before: the same tree serializes to the same bytes, escaping included, and every
// domain of libvirt's Xen corpus reads back through xmlbuilder2's parser to the same text.
import t from 'tap';
import { create } from 'xmlbuilder2';
import { xmlRoot, type XmlAttrs } from '../../src/formats/xml-writer.js';
import { renderDomainXml } from '../../src/host/domain-xml.js';
import { renderNetworkXml } from '../../src/host/network-xml.js';
import { parseXenConfig } from '../../src/xen/parse.js';
import { corpusPairs } from '../helpers/corpus.js';

const PRETTY = { prettyPrint: true, headless: true, indent: '  ' } as const;

/** A tree spelled once, built by both writers. */
type Node = [string, XmlAttrs, (Node[] | string)?];

function ours(n: Node): string {
  const build = (parent: ReturnType<typeof xmlRoot>, [name, attrs, body]: Node) => {
    const el = parent.ele(name, attrs);
    if (typeof body === 'string') el.txt(body);
    else for (const c of body ?? []) build(el, c);
  };
  const root = xmlRoot(n[0], n[1]);
  if (typeof n[2] === 'string') root.txt(n[2]);
  else for (const c of n[2] ?? []) build(root, c);
  return root.serialize();
}

function theirs(n: Node): string {
  const build = (parent: any, [name, attrs, body]: Node) => {
    const el = parent.ele(name, attrs);
    if (typeof body === 'string') el.txt(body);
    else for (const c of body ?? []) build(el, c);
  };
  const root = create().ele(n[0], n[1]);
  if (typeof n[2] === 'string') root.txt(n[2]);
  else for (const c of n[2] ?? []) build(root, c);
  return `${root.end(PRETTY)}\n`;
}

t.test('the same tree, the same bytes as xmlbuilder2', async (t) => {
  const trees: Node[] = [
    ['a', {}],
    ['a', { x: '1' }, ''],
    ['a', { x: 'q"&<>\'', gone: undefined, empty: '' }, [['b', {}, 'text & <tag> "q" \'s\' ]]>']]],
    ['domain', { type: 'kvm' }, [
      ['name', {}, 'guest one'],
      ['devices', {}, [
        ['disk', { type: 'file', device: 'disk' }, [['driver', { name: 'qemu', type: 'raw', cache: undefined }], ['source', { file: '/var/lib/x&y <z>.img' }]]],
        ['interface', { type: 'bridge' }, [['mac', { address: '00:16:3e:00:00:01' }], ['source', { bridge: 'br0' }], ['model', { type: 'virtio' }]]],
        ['console', { type: 'pty' }, [['target', { type: 'serial', port: '0' }]]],
      ]],
      ['cmdline', {}, 'root=/dev/vda1 console=ttyS0\ttab'],
      ['unicode', { v: 'é ü – 日本' }, 'ñ €'],
    ]],
  ];
  for (const tree of trees) t.equal(ours(tree), theirs(tree), JSON.stringify(tree).slice(0, 60));
});

t.test('every domain of the corpus reads back through a parser unchanged', async (t) => {
  let n = 0;
  for (const pair of corpusPairs()) {
    const xml = renderDomainXml(parseXenConfig(pair.cfg, pair.cfgPath), { bridges: { xenbr0: 'br "0" & <1>' } }).xml;
    t.equal(`${create(xml).end(PRETTY)}\n`, xml, `${pair.dialect}/${pair.name}`);
    n++;
  }
  t.ok(n > 50, `the corpus has its configs (${n})`);
  const net = renderNetworkXml({ name: 'x2k & <net>', uuid: '6b5d0d1e-8d4a-4a2c-9f3e-2f0b9d7c1a55', bridge: 'virbr9', net: { address: '192.168.77.1', prefix: 24 }, forward: 'nat' });
  t.equal(`${create(net).end(PRETTY)}\n`, net, 'a network');
});

t.test('what XML cannot carry is refused, not written', async (t) => {
  t.throws(() => xmlRoot('a').txt('nul\u0000').serialize(), /character XML cannot carry/);
  t.throws(() => xmlRoot('a', { v: 'bell\u0007' }).serialize(), /character XML cannot carry/);
  t.throws(() => xmlRoot('a').txt('\uD800 lone').serialize(), /character XML cannot carry/);
  t.equal(xmlRoot('a').txt('\uD83D\uDE00').serialize(), '<a>\uD83D\uDE00</a>\n', 'a surrogate pair is a character');
  t.throws(() => xmlRoot('a b'), /not an XML element name/);
  t.throws(() => xmlRoot('a', { 'x y': '1' }), /not an XML attribute name/);
  t.throws(() => xmlRoot('a').txt('t').ele('b'), /mixed content/);
  t.throws(() => { const a = xmlRoot('a'); a.ele('b'); a.txt('t'); }, /mixed content/);
});
