import t from 'tap';
import { CommandError } from '../src/errors.js';
import { setLogLevel, setLogSink } from '../src/log.js';
import { formatCommand, haveCommand, run, shellQuote } from '../src/run.js';
import { fakeBin } from './helpers/fake-bin.js';

t.test('quoting for display', async (t) => {
  t.equal(shellQuote('plain/path-1.img'), 'plain/path-1.img');
  t.equal(shellQuote('with space'), "'with space'");
  t.equal(shellQuote("it's"), `'it'\\''s'`);
  t.equal(shellQuote(''), "''");
  t.equal(formatCommand('losetup', ['-f', '--show', '/img/a b.img']), "losetup -f --show '/img/a b.img'");
});

t.test('runs a command from the table, logs it, returns its output', async (t) => {
  const bin = fakeBin();
  t.teardown(() => bin.restore());
  bin.add('losetup', 'echo "args: $*"; echo "to stderr" >&2');
  const lines: string[] = [];
  const prev = setLogSink({ write: (l) => lines.push(l) });
  setLogLevel('verbose');
  t.teardown(() => {
    setLogSink(prev);
    setLogLevel('normal');
  });
  const r = await run('losetup', ['-f', '--show', '/x y.img']);
  t.equal(r.stdout, 'args: -f --show /x y.img\n');
  t.equal(r.stderr, 'to stderr\n');
  t.equal(r.exitCode, 0);
  t.same(lines, ["$ losetup -f --show '/x y.img'"]);
});

t.test('a failure becomes a CommandError with the command and stderr', async (t) => {
  const bin = fakeBin();
  t.teardown(() => bin.restore());
  bin.add('kpartx', 'echo "device-mapper: reload ioctl failed" >&2; exit 3');
  try {
    await run('kpartx', ['-av', '/dev/loop0'], { advice: 'try --attach loop' });
    t.fail('should throw');
  } catch (e) {
    t.ok(e instanceof CommandError);
    const err = e as CommandError;
    t.equal(err.status, 3);
    t.equal(err.command, 'kpartx -av /dev/loop0');
    t.match(err.message, /command failed with exit code 3: kpartx -av \/dev\/loop0\n {2}\| device-mapper: reload ioctl failed/);
    t.equal(err.advice, 'try --attach loop');
  }
  const r = await run('kpartx', ['-l'], { allowFailure: true });
  t.equal(r.exitCode, 3);
});

t.test('input and environment reach the command', async (t) => {
  const bin = fakeBin();
  t.teardown(() => bin.restore());
  bin.add('sfdisk', 'cat; echo "$XEN2KVM_T"');
  const r = await run('sfdisk', [], { input: 'hello\n', env: { XEN2KVM_T: 'set' } });
  t.equal(r.stdout, 'hello\nset\n');
});

t.test('a missing program is a CommandError that says so', async (t) => {
  const bin = fakeBin();
  t.teardown(() => bin.restore());
  const oldPath = process.env.PATH;
  process.env.PATH = bin.dir;
  t.teardown(() => {
    process.env.PATH = oldPath;
  });
  t.equal(await haveCommand('virsh'), false);
  try {
    await run('virsh', ['list']);
    t.fail('should throw');
  } catch (e) {
    t.ok(e instanceof CommandError);
    t.match((e as CommandError).message, /could not be run: virsh list/);
    t.match((e as CommandError).advice, /Is virsh installed/);
  }
});

t.test('timeouts', async (t) => {
  const bin = fakeBin();
  t.teardown(() => bin.restore());
  bin.add('xl', 'sleep 5');
  t.equal(await haveCommand('xl'), true);
  try {
    await run('xl', ['list'], { timeoutMs: 200 });
    t.fail('should throw');
  } catch (e) {
    t.match((e as CommandError).message, /timed out after 200 ms/);
  }
});
