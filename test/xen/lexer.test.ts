import t from 'tap';
import { lexConfig } from '../../src/xen/lexer.js';

const values = (text: string) => {
  const r = lexConfig(text);
  return { problems: r.problems, xlOnly: r.xlOnly, v: Object.fromEntries(r.settings.map((s) => [s.name, strip(s.value)])) };
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function strip(v: any): unknown {
  return v.kind === 'list' ? v.items.map(strip) : v.value;
}

t.test('integers, strings and lists', async (t) => {
  const r = values(`memory = 512\nname = "a b"\nx = 'single'\nneg = -3\nhex = 0x10\n`);
  t.same(r.problems, []);
  t.same(r.v, { memory: 512, name: 'a b', x: 'single', neg: -3, hex: 16 });
  t.ok(r.xlOnly, 'hex numbers are xl-only');
});

t.test('lists across lines, trailing commas, comments inside lists', async (t) => {
  const r = values(`disk = [\n  "a",   # first\n  # a whole comment line\n  "b",\n]\nvif = []\n`);
  t.same(r.problems, []);
  t.same(r.v, { disk: ['a', 'b'], vif: [] });
  t.ok(r.xlOnly, 'a comment inside a list is an xl extension');
});

t.test('semicolons, CRLF, trailing comments, blank lines', async (t) => {
  const r = values(`a = 1; b = 2\r\n\r\n# comment\r\nc = "x" # trailing\r\n`);
  t.same(r.problems, []);
  t.same(r.v, { a: 1, b: 2, c: 'x' });
  t.notOk(r.xlOnly);
});

t.test('triple-quoted strings may hold quotes and newlines', async (t) => {
  const r = values(`disk = [ """phy:/dev/HostVG/XenGuest'",hdb,w""" ]\nextra = """a\nb"""\n`);
  t.same(r.problems, []);
  t.same(r.v, { disk: [`phy:/dev/HostVG/XenGuest'",hdb,w`], extra: 'a\nb' });
});

t.test('backslash escapes (xl and Python)', async (t) => {
  const r = values(String.raw`a = "x\"y" ; b = 'tab\there' ; c = "mon\\:6789" ; d = "\x41\101" ; e = "keep\q"`);
  t.same(r.problems, []);
  t.same(r.v, { a: 'x"y', b: 'tab\there', c: 'mon\\:6789', d: 'AA', e: 'keep\\q' });
});

t.test('+= appends (newer xl)', async (t) => {
  const r = lexConfig(`disk = [ "a" ]\ndisk += [ "b" ]\n`);
  t.equal(r.settings.length, 2);
  t.ok(r.settings[1].append);
});

t.test('empty file and comment-only file are fine', async (t) => {
  t.same(values('').v, {});
  t.same(values('# nothing\n\n   \n').problems, []);
});

t.test('errors are located and parsing goes on', async (t) => {
  const r = lexConfig(`name = "ok"\nmemory = 512 MB\non_crash = destroy\ndisk = [ "a" "b" ]\nvcpus = 2\nx = "open\ny = [ "a",\nz = 1\n`);
  t.same(r.settings.map((s) => s.name), ['name', 'vcpus', 'z']);
  t.same(r.problems.map((p) => [p.pos.line, p.pos.column]), [[2, 14], [3, 12], [4, 14], [6, 5], [7, 5]]);
  t.match(r.problems[0].message, /numbers take no unit/);
  t.match(r.problems[1].message, /quote it: "destroy"/);
  t.match(r.problems[2].message, /expected , or \]/);
  t.match(r.problems[3].message, /string is not closed/);
  t.match(r.problems[4].message, /not closed with \] before the next setting at line 8/);
});

t.test('unterminated list at the end of the file', async (t) => {
  const r = lexConfig(`disk = [ "a",\n  "b"\n`);
  t.equal(r.problems.length, 1);
  t.same(r.problems[0].pos, { line: 1, column: 8 });
  t.match(r.problems[0].message, /list of disk opened here is not closed with \]/);
});

t.test('a value must be on the same line', async (t) => {
  const r = lexConfig(`disk =\n[ "a" ]\n`);
  t.match(r.problems[0].message, /expected a value for disk on the same line/);
});

t.test('Python booleans get advice', async (t) => {
  const r = lexConfig(`acpi = True\n`);
  t.match(r.problems[0].message, /write 1 or 0/);
});
