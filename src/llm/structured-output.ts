// Checks a structured-output reply against the JSON Schema the caller asked for (ajv), and checks
// tool-call arguments, turning every breakage into a ReplyFormatError instead of an exception.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { extractJson, parseToolArguments, type ParseResult } from './parse-output.js';
import type { AssistantMessage, ReplyFormatError } from '../domain/chat.js';

// ajv-formats is CommonJS; under NodeNext its default export may arrive wrapped.
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;

// strict: false because tool and response schemas from real APIs carry vendor keywords (x-*, example, nullable).
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
(addFormats as unknown as (a: unknown) => void)(ajv);
const validators = new Map<string, ValidateFunction>();

function validatorFor(schema: Record<string, unknown>): ValidateFunction | { error: string } {
  const key = JSON.stringify(schema);
  const cached = validators.get(key);
  if (cached) return cached;
  try {
    const fn = ajv.compile(schema);
    validators.set(key, fn);
    return fn;
  } catch (err) {
    return { error: `the requested JSON Schema does not compile: ${(err as Error).message}` };
  }
}

/** Parses `text` as JSON (fences/prose tolerated) and validates it against `schema`; errors name the JSON pointer. */
export function checkStructuredContent(text: string | null, schema: Record<string, unknown>): ParseResult<unknown> {
  if (text == null || text.trim() === '') return { ok: false, error: 'structured reply is empty' };
  const found = extractJson(text);
  if (!found.ok) return found;
  const validate = validatorFor(schema);
  if ('error' in validate) return { ok: false, error: validate.error };
  if (validate(found.value)) return { ok: true, value: found.value };
  const issues = (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`).join('; ');
  return { ok: false, error: `structured reply does not match the requested schema: ${issues}` };
}

/** Every way an assistant message broke what was asked of it (empty list when it is well-formed). */
export function findFormatErrors(message: AssistantMessage, jsonSchema?: { schema: Record<string, unknown> }): ReplyFormatError[] {
  const errors: ReplyFormatError[] = [];
  for (const call of message.tool_calls ?? []) {
    const parsed = parseToolArguments(call);
    if (!parsed.ok) errors.push({ kind: 'tool_arguments', message: parsed.error });
  }
  if (jsonSchema && !(message.tool_calls?.length)) {
    const checked = checkStructuredContent(message.content, jsonSchema.schema);
    if (!checked.ok) errors.push({ kind: 'json_content', message: checked.error });
  }
  return errors;
}
