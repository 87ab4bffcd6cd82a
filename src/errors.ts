// Error classes caught at the entry point (cli.ts): each maps to an exit code and
// a message written for the person at the terminal, not for a developer.

/** A problem the user can fix: bad input, a refused operation. Exit 2, no stack. */
export class UserError extends Error {
  readonly exitCode: number = 2;
  constructor(message: string, readonly advice?: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A warning: a stable code for programs (kebab-case, listed in the README) and the sentence for people. */
export interface Warning {
  code: string;
  message: string;
}

export function warning(code: string, message: string): Warning {
  return { code, message };
}

/** One problem found in an input file, located by line and column (1-based). */
export interface Problem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** Formats a problem the way compilers do: `file:line:column: message`. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}: ${printable(p.message)}`;
}

/** Control characters from the input shown as escapes, never written raw to a terminal (or a second line). */
export function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** Bad input with every problem found in it, reported at once. */
export class InputError extends UserError {
  constructor(readonly problems: Problem[], advice?: string) {
    super(problems.map(formatProblem).join('\n'), advice);
    this.name = 'InputError';
  }
}

/** The environment stopped us (a full or read-only filesystem, a missing permission): exit 1, with the cause and what to do. */
export class EnvironmentError extends UserError {
  override readonly exitCode: number = 1;
  constructor(message: string, advice?: string) {
    super(message, advice);
    this.name = 'EnvironmentError';
  }
}

/** Maps a system error of a write to an EnvironmentError that names what was being written; other errors pass through. */
export function environmentError(e: unknown, what: string, bytes?: number): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new EnvironmentError(`the filesystem holding ${what} is full${bytes !== undefined ? `: need ${Math.ceil(bytes / 1024)} KiB to write it` : ''}`, 'Free space there (in the guest: old kernels in /boot, logs), then run xen2kvm again; what this run changed was put back.');
  }
  if (code === 'EROFS') return new EnvironmentError(`the filesystem holding ${what} is read-only`, 'Is the filesystem damaged, or has it the ext4 read-only feature? Check it with e2fsck / tune2fs -l; what this run changed was put back.');
  if (code === 'EACCES' || code === 'EPERM') return new EnvironmentError(`permission denied writing ${what}`, 'Run xen2kvm as root; on the host, check the directory\'s permissions.');
  if (code === 'EIO') return new EnvironmentError(`an I/O error writing ${what}`, 'The disk image or device may be damaged; check it before going on.');
  return e;
}

/** An external command failed; carries the quoted command line and its stderr. */
export class CommandError extends Error {
  readonly exitCode: number = 1;
  constructor(
    readonly command: string,
    readonly status: number | undefined,
    readonly stderr: string,
    readonly stdout: string = '',
    readonly advice?: string,
  ) {
    const why = status === undefined ? 'could not be run' : `failed with exit code ${status}`;
    const err = stderr.trim();
    super(`command ${why}: ${command}${err ? `\n${indent(err)}` : ''}`);
    this.name = 'CommandError';
  }
}

/** A signal (Ctrl-C, SIGTERM) stopped the run after its undo ran. Exit 130 / 143. */
export class InterruptedError extends Error {
  readonly exitCode: number;
  constructor(readonly signal: NodeJS.Signals) {
    super(`stopped by ${signal}; everything this run set up was undone`);
    this.name = 'InterruptedError';
    this.exitCode = signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143;
  }
}

/** A bug in xen2kvm itself: the user should report it. Exit 70. */
export class InternalError extends Error {
  readonly exitCode: number = 70;
  constructor(message: string) {
    super(message);
    this.name = 'InternalError';
  }
}

function indent(text: string): string {
  return text.split('\n').map((l) => `  | ${l}`).join('\n');
}

/** The exit code and text to show for any thrown value. */
export function describeError(err: unknown, debug: boolean): { exitCode: number; text: string } {
  const stack = debug && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  if (err instanceof UserError) {
    const advice = err.advice ? `\n${err.advice}` : '';
    return { exitCode: err.exitCode, text: `xen2kvm: ${err.message}${advice}${stack}` };
  }
  if (err instanceof InterruptedError) return { exitCode: err.exitCode, text: `xen2kvm: ${err.message}` };
  if (err instanceof CommandError) {
    const advice = err.advice ? `\n${err.advice}` : '';
    return { exitCode: err.exitCode, text: `xen2kvm: ${err.message}${advice}${stack}` };
  }
  const msg = err instanceof Error ? err.message : String(err);
  const trace = err instanceof Error && err.stack ? `\n${err.stack}` : '';
  return {
    exitCode: 70,
    text: `xen2kvm: internal error: ${msg}\nThis is a bug in xen2kvm; please report it with the output of --debug.${debug ? trace : ''}`,
  };
}
