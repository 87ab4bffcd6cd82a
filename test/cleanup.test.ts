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
