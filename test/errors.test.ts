import t from 'tap';
import { CommandError, describeError, InputError, InternalError, UserError } from '../src/errors.js';

t.test('user errors: exit 2, advice, no stack', async (t) => {
  const d = describeError(new UserError('the guest is running', 'Shut it down first.'), false);
  t.equal(d.exitCode, 2);
  t.equal(d.text, 'xen2kvm: the guest is running\nShut it down first.');
  const i = describeError(new InputError([{ file: 'a.cfg', line: 3, column: 7, message: 'bad' }]), false);
  t.equal(i.text, 'xen2kvm: a.cfg:3:7: bad');
});

t.test('command errors: exit 1 with the command and stderr', async (t) => {
  const d = describeError(new CommandError('mount /dev/loop0 /mnt', 32, 'wrong fs type'), false);
  t.equal(d.exitCode, 1);
  t.match(d.text, /command failed with exit code 32: mount \/dev\/loop0 \/mnt\n {2}\| wrong fs type/);
});

t.test('internal errors ask for a report; --debug adds the stack', async (t) => {
  const d = describeError(new InternalError('impossible'), false);
  t.equal(d.exitCode, 70);
  t.match(d.text, /internal error: impossible\nThis is a bug in xen2kvm; please report it/);
  t.notMatch(d.text, /at /);
  const plain = describeError(new TypeError('x is undefined'), true);
  t.equal(plain.exitCode, 70);
  t.match(plain.text, /TypeError: x is undefined\n\s+at /);
  const user = describeError(new UserError('u'), true);
  t.match(user.text, /UserError: u\n\s+at /);
});
