// The JSON contract (schema/xen2kvm.schema.json), checked: every --json document the
// tests see goes through `checkDocument` (test/helpers/system.ts xen2kvm() calls it),
// so every command's output is validated against the schema wherever a test runs it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { repoRoot } from './corpus.js';

const require = createRequire(import.meta.url);
type Validate = ((doc: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
const Ajv2020 = require('ajv/dist/2020') as new (o: object) => { compile(schema: object): Validate };
const addFormats = require('ajv-formats') as (ajv: object) => void;

export const schema = JSON.parse(readFileSync(join(repoRoot, 'schema', 'xen2kvm.schema.json'), 'utf8')) as object;
let validate: Validate | undefined;

/** The schema's complaints about a document ([] when it conforms). */
export function schemaErrors(doc: unknown): string[] {
  if (!validate) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
    addFormats(ajv);
    validate = ajv.compile(schema);
  }
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/** Parses a --json stdout and throws unless it is one document that conforms to the schema. */
export function checkDocument(stdout: string, what: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch (e) {
    throw new Error(`${what}: stdout is not one JSON document (${(e as Error).message}):\n${stdout.slice(0, 2000)}`);
  }
  const errors = schemaErrors(doc);
  if (errors.length) throw new Error(`${what}: the JSON does not conform to schema/xen2kvm.schema.json:\n  ${errors.join('\n  ')}\n${stdout.slice(0, 2000)}`);
  return doc as Record<string, unknown>;
}

/** The one guest of a single-guest command's document. */
export function onlyGuest(stdout: string): Record<string, any> {
  const doc = JSON.parse(stdout) as { guests?: Record<string, any>[] };
  if (doc.guests?.length !== 1) throw new Error(`expected one guest in the JSON, got ${doc.guests?.length ?? 'none'}:\n${stdout.slice(0, 2000)}`);
  return doc.guests[0];
}
