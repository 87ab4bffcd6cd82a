// The command line: yargs commands that call the pipeline, and the one place that
// turns errors into exit codes (0 ok, 1 command failed, 2 bad input, 70 bug).
import { createRequire } from 'node:module';
import type { Argv } from 'yargs';
import { describeError, UserError } from './errors.js';
import { errorEntry, isReported, jsonDocument, jsonText } from './report/contract.js';
import { log, setLogLevel } from './log.js';
import { COMMAND_TABLE, type AnyCommand, type CommandEntry } from './commands/table.js';
import { explainUnknown } from './commands/suggest.js';
import { packageVersion } from './paths.js';

// yargs through its CommonJS entry: there its help is word-wrapped (wrap-ansi); the
// ESM entry's cliui breaks lines in the middle of words ("boot lo / ader").
const yargs = createRequire(import.meta.url)('yargs') as (argv: string[]) => Argv;

export interface GlobalArgs {
  verbose?: boolean;
  quiet?: boolean;
  debug?: boolean;
  json?: boolean;
}

/**
 * The command the words name, loaded, and every other one as its --help line only (they are
 * never run). Shell completion asks about any command's options, so it loads them all.
 */
async function commands(argv: string[]): Promise<Map<string, AnyCommand>> {
  const word = argv.find((a) => !a.startsWith('-'));
  const all = argv.includes('--get-yargs-completions');
  const out = new Map<string, AnyCommand>();
  for (const [name, entry] of Object.entries(COMMAND_TABLE) as [string, CommandEntry][]) {
    out.set(name, all || name === word ? await entry.load() : { command: entry.command, describe: entry.describe, handler: () => undefined });
  }
  return out;
}

async function build(argv: string[]): Promise<Argv> {
  const y: Argv = yargs(argv)
    .scriptName('xen2kvm')
    .usage('$0 <command> [options]\n\nConvert stopped Xen PV guests into KVM guests, offline.')
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'Show the commands run and other details' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Show only errors' })
    .option('debug', { type: 'boolean', describe: 'Show everything, with stack traces on errors' })
    .option('json', { type: 'boolean', describe: 'Print the result as one JSON object on stdout (schemaVersion 1; see the README)' })
    .middleware((a: GlobalArgs) => setLogLevel(a.debug ? 'debug' : a.verbose ? 'verbose' : a.quiet ? 'quiet' : 'normal'));
  // The commands in the table's order, completion after demo (where --help has always listed it).
  for (const [name, command] of await commands(argv)) {
    y.command(command);
    if (name === 'demo') y.completion('completion', COMPLETION_DESCRIBE, completions);
  }
  // yargs renders the whole help text each time a command's handler starts (~14 ms), to show it
  // if the handler fails; xen2kvm's fail handler (below) never shows help for a handler's
  // error, so the render is skipped (help asked for is rendered as before, when asked).
  (y as unknown as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } } })
    .getInternalMethods().getUsageInstance().cacheHelpMessage = () => undefined;
  return y
    .demandCommand(1, 'Name a command; see xen2kvm --help.')
    .strict()
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version(packageVersion())
    .alias('version', 'V')
    .parserConfiguration({ 'greedy-arrays': false })
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      // The options yargs knows at this point (inside a command: its options and the global ones), aliases too.
      const o = (y as unknown as { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> } }).getOptions();
      const known = [...Object.keys(o.key), ...Object.values(o.alias).flat()];
      // An unknown option takes the next word as its value, so yargs may complain about something
      // else first ("Not enough non-option arguments"): the unknown option is the real mistake.
      const unknown = argv.filter((a) => /^--?[A-Za-z]/.test(a)).map((a) => a.replace(/^-+/, '').replace(/=.*$/, ''))
        .filter((n) => !known.includes(n) && !known.includes(n.replace(/^no-/, '')) && !(n.length > 1 && !argv.includes(`--${n}`) && [...n].every((c) => known.includes(c))));
      if (unknown.length && !/^Unknown argument/.test(msg)) throw new UserError(explainUnknown(`Unknown argument${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, known));
      throw new UserError(explainUnknown(msg, known));
    });
}

/** Shell completion's candidates: yargs offers one-letter aliases as --v; they are -v (and the long names are there already). */
function completions(_current: string, _argv: unknown, filter: (cb: (err: Error | null, c?: string[]) => void) => void, done: (c: string[]) => void): void {
  filter((_err, found) => done((found ?? []).filter((c) => !/^--[A-Za-z]$/.test(c))));
}

const COMPLETION_DESCRIBE = 'Print a bash completion script (source it, or save it as /etc/bash_completion.d/xen2kvm)';

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  // A reader that goes away (xen2kvm demo | head) must not kill the run before its undo runs.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
  // yargs prints the script for `completion --help`; say what the command does instead.
  if (argv[0] === 'completion' && argv.some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(`xen2kvm completion\n\n${COMPLETION_DESCRIBE}\n\nExamples:\n  xen2kvm completion > /etc/bash_completion.d/xen2kvm\n  source <(xen2kvm completion)\n`);
    return 0;
  }
  // `xen2kvm help [COMMAND]` is `xen2kvm [COMMAND] --help`.
  if (argv[0] === 'help') argv = [...argv.slice(1), '--help'];
  try {
    await (await build(argv)).parseAsync();
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    const { exitCode, text } = describeError(err, debug);
    log.error(text);
    // Scripts that asked for JSON get the error as JSON on stdout too (unless the command's own document already said it).
    if (argv.includes('--json') && !isReported(err)) {
      const command = argv.find((x) => !x.startsWith('-')) ?? '';
      process.stdout.write(jsonText(jsonDocument(command, {}, { errors: [errorEntry(err, exitCode)] })));
    }
    return exitCode;
  }
}
