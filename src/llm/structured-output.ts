// Checks a structured-output reply against the JSON Schema the caller asked for (the one validator), and checks
// tool-call arguments, turning every breakage into a ReplyFormatError instead of an exception.
import { compileSchema } from '../domain/schema-validator.js';
import { extractJson, parseToolArguments, type ParseResult } from './parse-output.js';
import type { AssistantMessage, ReplyFormatError } from '../domain/chat.js';

/** Parses `text` as JSON (fences/prose tolerated) and validates it against `schema`; errors name the JSON pointer. */
export function checkStructuredContent(text: string | null, schema: Record<string, unknown>): ParseResult<unknown> {
  if (text == null || text.trim() === '') return { ok: false, error: 'structured reply is empty' };
  const found = extractJson(text);
  if (!found.ok) return found;
  const compiled = compileSchema(schema);
  if (!compiled.ok) return { ok: false, error: `the requested JSON Schema does not compile: ${compiled.error}` };
  const validate = compiled.validate;
  if (validate(found.value)) return { ok: true, value: found.value };
  const issues = (validate.errors ?? [])
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
    .join('; ');
  return { ok: false, error: `structured reply does not match the requested schema: ${issues}` };
}

/** Every way an assistant message broke what was asked of it (empty list when it is well-formed). */
export function findFormatErrors(
  message: AssistantMessage,
  jsonSchema?: { schema: Record<string, unknown> },
): ReplyFormatError[] {
  const errors: ReplyFormatError[] = [];
  for (const call of message.tool_calls ?? []) {
    const parsed = parseToolArguments(call);
    if (!parsed.ok) errors.push({ kind: 'tool_arguments', message: parsed.error });
  }
  if (jsonSchema && !message.tool_calls?.length) {
    const checked = checkStructuredContent(message.content, jsonSchema.schema);
    if (!checked.ok) errors.push({ kind: 'json_content', message: checked.error });
  }
  return errors;
}
