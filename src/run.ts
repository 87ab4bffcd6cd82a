// The one place that spawns processes. Every external program xen2kvm uses is named
// in COMMANDS; every call is logged as a quoted command line (--verbose) and a
// failure becomes a CommandError carrying the command and its stderr.
import { CommandError } from './errors.js';
import { log } from './log.js';
import { join } from 'node:path';
import { packageRoot } from './paths.js';

/** execa, loaded at the first command run: `xen2kvm --help` and the pure commands never pay for it (a chunk of its own in the bundle). */
let execaModule: Promise<typeof import('execa')> | undefined;
// execa kills its commands if this process exits (its `cleanup`, through signal-exit). signal-exit
// installs its signal listeners when its first exit callback comes and removes them when the last
// goes — for every command, some 14 process.on/off calls each (measured: ~50 ms of a convert's 30
// commands). One callback held for the life of the process keeps them installed once.
const loadExeca = () =>
  (execaModule ??= Promise.all([import('execa'), import('signal-exit')]).then(([m, signalExit]) => {
    signalExit.onExit(() => undefined);
    return m;
  }));

/** Every external program, by the name callers use. Values are the executables. */
export const COMMANDS = {
  blkid: 'blkid',
  bzip2: 'bzip2',
  chroot: 'chroot',
  cryptsetup: 'cryptsetup',
  dmsetup: 'dmsetup',
  findmnt: 'findmnt',
  kpartx: 'kpartx',
  losetup: 'losetup',
  mke2fs: 'mke2fs',
  mkfsBtrfs: 'mkfs.btrfs',
  mkfsXfs: 'mkfs.xfs',
  blockdev: 'blockdev',
  mkswap: 'mkswap',
  modprobe: 'modprobe',
  lz4: 'lz4',
  lvm: 'lvm',
  mdadm: 'mdadm',
  mount: 'mount',
  btrfs: 'btrfs',
  node: process.execPath,
  qemuImg: 'qemu-img',
  qemuNbd: 'qemu-nbd',
  sfdisk: 'sfdisk',
  umount: 'umount',
  unshare: 'unshare',
  virsh: 'virsh',
  /** The VM runner the package ships (convert --sandbox vm, and the VM test tier). */
  vmRun: join(packageRoot(), 'scripts', 'vm-run'),
  virtXmlValidate: 'virt-xml-validate',
  xmllint: 'xmllint',
  ip: 'ip',
  xl: 'xl',
  xm: 'xm',
  xz: 'xz',
  zstd: 'zstd',
} as const;

export type CommandName = keyof typeof COMMANDS;

export interface RunOptions {
  /** Text fed to standard input. */
  input?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Kill the command after this many milliseconds. */
  timeoutMs?: number;
  /** Return the result instead of throwing when the exit code is not 0. */
  allowFailure?: boolean;
  /** Advice attached to the CommandError if the command fails. */
  advice?: string;
  /** Pass only `env` (and LC_ALL), not this process's environment. */
  cleanEnv?: boolean;
  /** Stop (and fail) once the command's output passes this many bytes. */
  maxBuffer?: number;
  /** Kills the command when aborted (an interrupted run stopping a guest command). */
  signal?: AbortSignal;
  /** Told the command's pid once it is started (so a journal can name it). */
  onSpawn?: (pid: number) => void;
}

/** A command's output passed the limit it was given (a decompression bomb, say). */
export class OutputTooLarge extends Error {
  constructor(readonly command: string, readonly limit: number) {
    super(`${command} produced more than ${Math.round(limit / 1048576)} MiB; stopped there`);
  }
}

/** Runs a command that reads and writes binary data (decompressors). */
export async function runBinary(name: CommandName, args: readonly string[], input: Buffer, opts: RunOptions = {}): Promise<Buffer> {
  const file = COMMANDS[name];
  const command = formatCommand(file, args);
  log.debug(`$ ${command} < (${input.length} bytes)`);
  if (opts.maxBuffer) return runBinaryCapped(file, command, args, input, opts);
  const { execa } = await loadExeca();
  const result = await execa(file, [...args], { reject: false, input, encoding: 'buffer', timeout: opts.timeoutMs, stripFinalNewline: false });
  const stderr = Buffer.from(result.stderr ?? []).toString('utf8');
  if (result.exitCode === undefined || result.exitCode !== 0) {
    throw new CommandError(command, result.exitCode, stderr || (result.code === 'ENOENT' ? 'not found' : ''), '', opts.advice ?? adviceFor(file, result));
  }
  return Buffer.from(result.stdout as Uint8Array);
}

/** Streams a command's output, killing it once the output passes opts.maxBuffer (memory stays bounded). */
async function runBinaryCapped(file: string, command: string, args: readonly string[], input: Buffer, opts: RunOptions): Promise<Buffer> {
  const { execa } = await loadExeca();
  const sub = execa(file, [...args], { reject: false, input, buffer: { stdout: false, stderr: true }, encoding: 'buffer', timeout: opts.timeoutMs });
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  for await (const chunk of sub.stdout!) {
    size += (chunk as Buffer).length;
    if (size > opts.maxBuffer!) {
      over = true;
      sub.kill('SIGKILL');
      break;
    }
    chunks.push(chunk as Buffer);
  }
  const result = await sub;
  if (over) throw new OutputTooLarge(command, opts.maxBuffer!);
  if (result.exitCode !== 0) {
    const stderr = Buffer.from((result.stderr as Uint8Array | undefined) ?? []).toString('utf8');
    throw new CommandError(command, result.exitCode, stderr || 'failed', '', opts.advice ?? adviceFor(file, result));
  }
  return Buffer.concat(chunks);
}

export interface RunResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one argument for display the way a POSIX shell would read it back. */
export function shellQuote(arg: string): string {
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line as a user could paste it into a shell. */
export function formatCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map(shellQuote).join(' ');
}

/** Runs a command from the table; throws CommandError unless allowFailure. */
export async function run(name: CommandName, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const file = COMMANDS[name];
  const command = formatCommand(file, args);
  log.verbose(`$ ${command}`);
  const started = Date.now();
  const { execa } = await loadExeca();
  const sub = execa(file, [...args], {
    reject: false,
    input: opts.input,
    env: { LC_ALL: 'C', ...opts.env },
    extendEnv: !opts.cleanEnv,
    timeout: opts.timeoutMs,
    stripFinalNewline: false,
    // unshare ignores SIGTERM while it waits; SIGKILL it, and --kill-child takes its namespace down with it.
    ...(opts.signal ? { cancelSignal: opts.signal, killSignal: 'SIGKILL' as const } : {}),
  });
  if (sub.pid !== undefined) opts.onSpawn?.(sub.pid);
  const result = await sub;
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  if (result.failed && result.exitCode === undefined) {
    // Not started at all (ENOENT, EACCES) or killed by a signal or timeout.
    const why = result.timedOut ? `timed out after ${opts.timeoutMs} ms` : result.isCanceled ? 'stopped: the run was interrupted' : result.signal ? `killed by ${result.signal}` : (result as { originalMessage?: string }).originalMessage ?? 'not found';
    throw new CommandError(command, undefined, `${why}${stderr ? `\n${stderr}` : ''}`, stdout, opts.advice ?? adviceFor(file, result));
  }
  const exitCode = result.exitCode ?? 0;
  log.debug(`exit ${exitCode} after ${Date.now() - started} ms: ${command}`);
  if (exitCode !== 0 && !opts.allowFailure) {
    throw new CommandError(command, exitCode, stderr, stdout, opts.advice);
  }
  return { command, exitCode, stdout, stderr };
}

function adviceFor(file: string, result: { code?: string }): string | undefined {
  if (result.code === 'ENOENT') return `Is ${file} installed and on PATH?`;
  return undefined;
}

/**
 * True when the program can be found on PATH (without running it). A program found is
 * remembered for that PATH (a batch asks for every guest); one missing is looked for again.
 */
export async function haveCommand(name: CommandName): Promise<boolean> {
  const key = `${process.env.PATH ?? ''}\0${COMMANDS[name]}`;
  if (commandFound.has(key)) return true;
  const found = await searchPath(COMMANDS[name]);
  if (found) commandFound.add(key);
  return found;
}

const commandFound = new Set<string>();

async function searchPath(file: string): Promise<boolean> {
  const { access, constants } = await import('node:fs/promises');
  const { delimiter, join } = await import('node:path');
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      await access(join(dir, file), constants.X_OK);
      return true;
    } catch {
      /* keep looking */
    }
  }
  return false;
}
