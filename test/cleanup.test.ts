import t from 'tap';
import { CleanupStack, withCleanup } from '../src/cleanup.js';
import { setLogSink } from '../src/log.js';

t.test('undo runs newest first and keeps going past a failure', async (t) => {
  const lines: string[] = [];
  const prev = setLogSink({ write: (l) => lines.push(l) });
  t.teardown(() => setLogSink(prev));
  const order: string[] = [];
  const s = new CleanupStack();
  s.push('losetup -d /dev/loop0', () => { order.push('loop'); });
  s.push('umount /mnt', async () => { order.push('umount'); throw new Error('busy'); });
  s.push('rmdir /mnt', () => { order.push('rmdir'); });
  t.equal(s.size, 3);
  const r = await s.unwind();
  t.same(order, ['rmdir', 'umount', 'loop']);
  t.same(r.done, ['rmdir /mnt', 'losetup -d /dev/loop0']);
  t.same(r.failed.map((f) => f.label), ['umount /mnt']);
  t.equal(s.size, 0);
  t.match(lines.join('\n'), /could not undo "umount \/mnt": busy/);
});

t.test('a step can be dropped after a manual undo', async (t) => {
  const s = new CleanupStack();
  const order: string[] = [];
  s.push('a', () => { order.push('a'); });
  const drop = s.push('b', () => { order.push('b'); });
  drop();
  await s.unwind();
  t.same(order, ['a']);
});

t.test('two unwinds at once run each step once', async (t) => {
  const s = new CleanupStack();
  let n = 0;
  s.push('slow', () => new Promise((r) => setTimeout(() => { n++; r(); }, 50)));
  await Promise.all([s.unwind(), s.unwind()]);
  t.equal(n, 1);
});

t.test('withCleanup unwinds on success and on error', async (t) => {
  const order: string[] = [];
  const before = process.listenerCount('SIGINT');
  const v = await withCleanup(async (s) => {
    t.equal(process.listenerCount('SIGINT'), before + 1, 'a SIGINT handler while running');
    s.push('x', () => { order.push('x'); });
    return 42;
  });
  t.equal(v, 42);
  t.same(order, ['x']);
  await t.rejects(withCleanup(async (s) => {
    s.push('y', () => { order.push('y'); });
    throw new Error('boom');
  }), /boom/);
  t.same(order, ['x', 'y']);
  t.equal(process.listenerCount('SIGINT'), before, 'signal handlers are removed');
});

t.test('steps of one group next to each other are undone by one call, newest first', async (t) => {
  const calls: string[] = [];
  const group = { key: 'loop', undoAll: async (steps: { item?: unknown }[]) => { calls.push(`all ${steps.map((s) => s.item).join(' ')}`); } };
  const s = new CleanupStack();
  s.push('loop0', () => { calls.push('one loop0'); }, { group, item: 'loop0' });
  s.push('loop1', () => { calls.push('one loop1'); }, { group, item: 'loop1' });
  s.push('rmdir', () => { calls.push('rmdir'); });
  s.push('loop2', () => { calls.push('one loop2'); }, { group, item: 'loop2' });
  s.push('loop3', () => { calls.push('one loop3'); }, { group, item: 'loop3' });
  const r = await s.unwind();
  // rmdir between them keeps its place: two calls, not one.
  t.same(calls, ['all loop3 loop2', 'rmdir', 'all loop1 loop0']);
  t.same(r.done, ['loop3', 'loop2', 'rmdir', 'loop1', 'loop0']);
  t.same(r.failed, []);
});

t.test('when the group call fails, every step is undone on its own (and a failing one is reported)', async (t) => {
  const lines: string[] = [];
  const prev = setLogSink({ write: (l) => lines.push(l) });
  t.teardown(() => setLogSink(prev));
  const calls: string[] = [];
  const group = { key: 'mount', undoAll: async () => { calls.push('all'); throw new Error('target is busy'); } };
  const s = new CleanupStack();
  s.push('mount /a', () => { calls.push('one /a'); }, { group, item: '/a' });
  s.push('mount /a/b', () => { calls.push('one /a/b'); throw new Error('still busy'); }, { group, item: '/a/b' });
  const r = await s.unwind();
  t.same(calls, ['all', 'one /a/b', 'one /a']);
  t.same(r.done, ['mount /a']);
  t.same(r.failed.map((f) => f.label), ['mount /a/b']);
  t.match(lines.join('\n'), /could not undo "mount \/a\/b": still busy/);
});
