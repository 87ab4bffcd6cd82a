// Console output for people: progress and warnings on stderr, results on stdout.

export type LogLevel = 'quiet' | 'normal' | 'verbose' | 'debug';

const rank: Record<LogLevel, number> = { quiet: 0, normal: 1, verbose: 2, debug: 3 };

/** Where log lines go; tests swap it for an array. */
export interface LogSink {
  write(line: string): void;
}

let level: LogLevel = 'normal';
// A reader that went away (xen2kvm … 2>&1 | head -1): lines are dropped, the run goes on to its undo.
let stderrGone = false;
process.stderr.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  stderrGone = true;
});
let sink: LogSink = {
  write: (line) => {
    if (!stderrGone) process.stderr.write(`${line}\n`);
  },
};

/** Sets the verbosity chosen on the command line. */
export function setLogLevel(l: LogLevel): void {
  level = l;
}

export function getLogLevel(): LogLevel {
  return level;
}

/** Replaces where log lines go; returns the previous sink. */
export function setLogSink(s: LogSink): LogSink {
  const prev = sink;
  sink = s;
  return prev;
}

function at(min: LogLevel, text: string): void {
  if (rank[level] >= rank[min]) sink.write(text);
}

export const log = {
  /** Progress a user wants to see by default. */
  info: (text: string) => at('normal', text),
  /** Something the user should look at; shown unless --quiet. */
  warn: (text: string) => at('normal', `warning: ${text}`),
  /** Shown even with --quiet. */
  error: (text: string) => sink.write(text),
  /** Details shown with --verbose (commands run, unknown keys). */
  verbose: (text: string) => at('verbose', text),
  /** Internals shown with --debug. */
  debug: (text: string) => at('debug', `debug: ${text}`),
};
