// Mistyped options and commands: a suggestion when one is close, never a wild guess;
// `help COMMAND` is the command's --help.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { explainUnknown, suggestion } from '../../src/commands/suggest.js';
import { repoRoot } from '../helpers/corpus.js';

const bin = join(repoRoot, 'bin', 'xen2kvm');
const run = (...args: string[]) => spawnSync(bin, args, { encoding: 'utf8' });

t.test('the closest candidate within a typo\'s distance', async (t) => {
  const opts = ['bridge', 'network', 'json', 'dry-run', 'domain-type', 'version', 'v', 'h'];
  t.equal(suggestion('bridg', opts), 'bridge');
  t.equal(suggestion('jsn', opts), 'json');
  t.equal(suggestion('dryrun', opts), 'dry-run');
  t.equal(suggestion('versio', opts), 'version');
  t.equal(suggestion('domaintype', opts), 'domain-type');
  t.equal(suggestion('foo', opts), undefined, 'nothing close: no guess');
  t.equal(suggestion('x', opts), undefined, 'one-letter aliases are never suggested');
  t.equal(suggestion('', opts), undefined);
  t.equal(explainUnknown('Unknown argument: bridg', opts), 'Unknown argument: bridg (--bridg: did you mean --bridge?)');
  t.equal(explainUnknown('Unknown arguments: bridg, foo', opts), 'Unknown arguments: bridg, foo (--bridg: did you mean --bridge?)');
  t.equal(explainUnknown('Unknown argument: foo', opts), 'Unknown argument: foo');
  t.equal(explainUnknown('Not enough non-option arguments', opts), 'Not enough non-option arguments');
});

t.test('the CLI suggests, exits 2, and takes `help COMMAND`', async (t) => {
  const cases: [string[], RegExp][] = [
    [['convert', '--bridg', 'x', 'cfg'], /Unknown argument: bridg \(--bridg: did you mean --bridge\?\)/],
    [['inspect', '--jsn', 'cfg'], /Unknown argument: jsn \(--jsn: did you mean --json\?\)/],
    [['--versio'], /Unknown argument: versio \(--versio: did you mean --version\?\)/],
    [['convrt'], /Did you mean convert\?/],
    [['rollback', '--dryrun', 'cfg'], /did you mean --dry-run\?/],
  ];
  for (const [args, want] of cases) {
    const r = run(...args);
    t.equal(r.status, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, want, args.join(' '));
  }
  const h = run('help', 'convert');
  t.equal(h.status, 0);
  t.match(h.stdout, /^xen2kvm convert \[configs\.\.\]/, 'help convert prints convert\'s help');
  t.equal(run('help').status, 0);
});
