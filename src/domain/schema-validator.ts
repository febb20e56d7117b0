// The one JSON Schema validator: what a valid tool argument, tool result or structured reply is, the same
// for import, the MCP server, the user simulator, the verifier's gates, structured output and the reward.
//
// Policy for a schema that does not compile: it admits no value. `compileSchema` says why, and every caller
// refuses with that reason instead of skipping the check: import drops the tool (so a catalog never holds
// one), the MCP server refuses the call, the gates reject, structured output and the reward's schema gate fail.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema } from './catalog.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module object on some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  a: Ajv,
) => Ajv;

// The one options set. strict:false because real specs carry vendor keywords (x-*, example) that are
// annotations, not errors. unicodeRegExp:false: specs' patterns are written for ECMA-262 without the `u` flag
// (`\-`, `\:` are legal there, refused in unicode mode), and what import accepted must compile everywhere.
// allErrors: a message names every field that is wrong, not only the first.
const OPTIONS = { strict: false, allErrors: true, logger: false, unicodeRegExp: false } as const;

/** 'assert' checks `format` (date, email, uri, ...); 'annotate' reads it as an annotation, as JSON Schema's
 * draft 7 does by default: the reward's schema gate, so it agrees with the trainer's jsonschema Draft7Validator. */
export type FormatMode = 'assert' | 'annotate';

const validators: Record<FormatMode, Ajv> = {
  assert: addFormats(new Ajv({ ...OPTIONS, validateFormats: true })),
  annotate: new Ajv({ ...OPTIONS, validateFormats: false }),
};

export type CompiledSchema = { ok: true; validate: ValidateFunction } | { ok: false; error: string };

// Cached per schema object, and by content for schemas rebuilt per call (parsed prompts, narrowed copies),
// so ajv compiles each distinct schema once; the content cache is bounded and drops ajv's copies with it.
const byObject: Record<FormatMode, WeakMap<object, CompiledSchema>> = {
  assert: new WeakMap(),
  annotate: new WeakMap(),
};
const byContent: Record<FormatMode, Map<string, CompiledSchema>> = { assert: new Map(), annotate: new Map() };
const MAX_CACHED = 1000;

/** Compiles a schema once; a schema ajv refuses comes back with ajv's reason (see the policy above). */
export function compileSchema(schema: JsonSchema, o: { formats?: FormatMode } = {}): CompiledSchema {
  const mode = o.formats ?? 'assert';
  const hit = byObject[mode].get(schema);
  if (hit) return hit;
  const key = JSON.stringify(schema);
  let out = byContent[mode].get(key);
  if (!out) {
    if (byContent[mode].size >= MAX_CACHED) {
      byContent[mode].clear();
      validators[mode].removeSchema();
    }
    try {
      out = { ok: true, validate: validators[mode].compile(schema) };
    } catch (e) {
      out = { ok: false, error: (e as Error).message };
    }
    byContent[mode].set(key, out);
  }
  byObject[mode].set(schema, out);
  return out;
}

/** One message per error, naming the field as a server would: `/name: must be string`, `(root): must have
 * required property 'tag'`, `/unit: must be equal to one of the allowed values ("c", "f")`. */
export function errorMessages(errors: ErrorObject[] | null | undefined): string[] {
  if (!errors || errors.length === 0) return ['invalid'];
  return errors.map((e) => {
    const where = e.instancePath === '' ? '(root)' : e.instancePath;
    const extra =
      e.keyword === 'additionalProperties'
        ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'`
        : '';
    const allowed =
      e.keyword === 'enum'
        ? ` (${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')})`
        : '';
    return `${where}: ${e.message}${extra}${allowed}`;
  });
}

/** The errors of one validation in one line. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return errorMessages(errors).join('; ');
}

/** [] when `value` is valid under `schema`, else one message per error (a schema that does not compile: its reason). */
export function schemaErrors(schema: JsonSchema, value: unknown): string[] {
  const compiled = compileSchema(schema);
  if (!compiled.ok) return [`schema does not compile: ${compiled.error}`];
  return compiled.validate(value) ? [] : errorMessages(compiled.validate.errors);
}

export function isSchemaValid(schema: JsonSchema, value: unknown): boolean {
  const compiled = compileSchema(schema);
  return compiled.ok && (compiled.validate(value) as boolean);
}
