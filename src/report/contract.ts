// The one machine-readable contract: every command's --json is one object of this
// shape, for one guest or many (schema/xen2kvm.schema.json describes it, the README's
// "JSON output" section documents it, the tests validate every command against it).
// Pure.
import { CommandError, EnvironmentError, InputError, InterruptedError, UserError, type Warning } from '../errors.js';

/** Raised only when a field changes meaning or goes away (new fields do not raise it). */
export const SCHEMA_VERSION = 1;

/** Why a command (or one guest of it) failed: a stable code, the sentence, what to do, the exit code. */
export interface ErrorEntry {
  code: 'bad-input' | 'refused' | 'environment' | 'command-failed' | 'interrupted' | 'internal';
  message: string;
  advice?: string;
  exitCode: number;
}

export interface JsonDocument {
  schemaVersion: typeof SCHEMA_VERSION;
  command: string;
  /** false when the command's exit status is not 0. */
  ok: boolean;
  warnings: Warning[];
  errors: ErrorEntry[];
  [field: string]: unknown;
}

/** The document a command prints with --json: its own fields between the envelope's. */
export function jsonDocument(command: string, body: Record<string, unknown>, o: { ok?: boolean; warnings?: Warning[]; errors?: ErrorEntry[] } = {}): JsonDocument {
  const errors = o.errors ?? [];
  return { schemaVersion: SCHEMA_VERSION, command, ok: o.ok ?? errors.length === 0, ...body, warnings: o.warnings ?? [], errors };
}

export function jsonText(doc: JsonDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Any thrown value as an error entry (the exit code is the one cli.ts returns for it). */
export function errorEntry(err: unknown, exitCode: number): ErrorEntry {
  const code: ErrorEntry['code'] = err instanceof InputError ? 'bad-input'
    : err instanceof EnvironmentError ? 'environment'
      : err instanceof UserError ? 'refused'
        : err instanceof InterruptedError ? 'interrupted'
          : err instanceof CommandError ? 'command-failed' : 'internal';
  const message = err instanceof Error ? err.message : String(err);
  const advice = err instanceof UserError || err instanceof CommandError ? err.advice : undefined;
  return { code, message, ...(advice ? { advice } : {}), exitCode };
}

/** How one guest of a convert ended (the JSON enum; the text table says it in words). */
export type GuestOutcome = 'converted' | 'already-converted' | 'would-convert' | 'nothing-to-change' | 'failed' | 'interrupted' | 'not-started';

export const OUTCOME_WORDS: Record<GuestOutcome, string> = {
  'converted': 'converted',
  'already-converted': 'already converted',
  'would-convert': 'would convert',
  'nothing-to-change': 'nothing to change',
  'failed': 'failed',
  'interrupted': 'interrupted',
  'not-started': 'not started',
};

/** Is this outcome a success? Decided here once (the batch summary, the exit code and `ok` ask). */
export function succeeded(outcome: GuestOutcome): boolean {
  return outcome === 'converted' || outcome === 'already-converted' || outcome === 'would-convert' || outcome === 'nothing-to-change';
}

/** A thrown error marked as already reported in a JSON document (cli.ts then prints no second one). */
export function reported<E>(err: E): E {
  if (err && typeof err === 'object') (err as { jsonReported?: boolean }).jsonReported = true;
  return err;
}

export function isReported(err: unknown): boolean {
  return !!err && typeof err === 'object' && (err as { jsonReported?: boolean }).jsonReported === true;
}
