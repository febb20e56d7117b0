// One ajv instance for the verifier and the user simulator: compiles each tool's input schema once and
// turns ajv's errors into messages that name the tool and the JSON pointer that was wrong.
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv and ajv-formats are CommonJS; under NodeNext their default export sits on `.default`.
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;

type Validate = ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string; params?: unknown }> | null };

const ajv = new (Ajv as any)({ allErrors: true, strict: false, validateFormats: true });
(addFormats as any)(ajv);
const compiled = new WeakMap<object, Validate>();
// Schemas built per call (a string parameter's own constraints) and catalogs read again arrive as new objects:
// keyed by content too, so each distinct schema is compiled (and kept by ajv) once per process, not once per call.
const byContent = new Map<string, Validate>();

function compile(schema: Record<string, unknown>): Validate {
  let fn = compiled.get(schema);
  if (!fn) {
    const text = JSON.stringify(schema);
    fn = byContent.get(text);
    if (!fn) {
      try {
        fn = ajv.compile(schema) as Validate;
      } catch (err) {
        // A schema ajv cannot compile validates nothing: report that instead of crashing the batch.
        const msg = (err as Error).message;
        fn = Object.assign(() => false, { errors: [{ instancePath: '', message: `schema does not compile: ${msg}` }] }) as Validate;
      }
      byContent.set(text, fn);
    }
    compiled.set(schema, fn);
  }
  return fn;
}

/** Validates `value` against `schema`; returns [] when valid, else one message per error ("/path: message"). */
export function schemaErrors(schema: Record<string, unknown>, value: unknown): string[] {
  const fn = compile(schema);
  if (fn(value)) return [];
  return (fn.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}${e.params && 'allowedValues' in (e.params as object) ? ` ${JSON.stringify((e.params as { allowedValues: unknown }).allowedValues)}` : ''}`);
}

export function isSchemaValid(schema: Record<string, unknown>, value: unknown): boolean {
  return compile(schema)(value);
}
