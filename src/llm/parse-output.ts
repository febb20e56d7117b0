// Tolerant readers for what models actually send back: tool-call arguments and JSON answers that may
// sit inside code fences or prose. They return a result instead of throwing, so one bad reply never sinks a batch.
import type { z } from 'zod';
import type { ToolCall } from '../domain/chat.js';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

const FENCE = /```[a-zA-Z0-9_-]*[ \t]*\r?\n?([\s\S]*?)```/g;

/** Index just past the JSON value starting at `start` ('{' or '['), respecting strings; -1 if unbalanced. */
function balancedEnd(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') stack.push(ch === '{' ? '}' : ']');
    else if (ch === '}' || ch === ']') {
      if (stack.pop() !== ch) return -1;
      if (stack.length === 0) return i + 1;
    }
  }
  return -1;
}

/** Candidate JSON texts in order of trust: the whole text, fenced blocks, then balanced spans found in prose. */
function jsonCandidates(text: string): string[] {
  const out = [text.trim()];
  for (const m of text.matchAll(FENCE)) out.push(m[1].trim());
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '{' && text[i] !== '[') continue;
    const end = balancedEnd(text, i);
    if (end > 0) {
      out.push(text.slice(i, end));
      i = end - 1;
    }
  }
  return out;
}

/** Finds the first JSON value in `text` (bare, fenced, or embedded in prose). */
export function extractJson(text: string): ParseResult<unknown> {
  let firstError: string | undefined;
  for (const candidate of jsonCandidates(text)) {
    if (!candidate) continue;
    try {
      return { ok: true, value: JSON.parse(candidate) };
    } catch (err) {
      firstError ??= (err as Error).message;
    }
  }
  const preview = text.length > 120 ? `${text.slice(0, 120)}…` : text;
  return {
    ok: false,
    error: `no JSON value found in reply (${firstError ?? 'empty text'}): ${JSON.stringify(preview)}`,
  };
}

/** Parses and validates a structured answer; the error names the failing field path. */
export function parseJsonContent<S extends z.ZodTypeAny>(
  text: string | null | undefined,
  schema: S,
): ParseResult<z.infer<S>> {
  if (text == null || text.trim() === '') return { ok: false, error: 'reply has no content to parse as JSON' };
  const found = extractJson(text);
  if (!found.ok) return found;
  const checked = schema.safeParse(found.value);
  if (checked.success) return { ok: true, value: checked.data };
  const issues = checked.error.issues
    .map((i) => `${i.path.length ? '/' + i.path.join('/') : '(root)'}: ${i.message}`)
    .join('; ');
  return { ok: false, error: `JSON reply does not match the expected shape: ${issues}` };
}

/**
 * Reads a tool call's `arguments` as a JSON object. An empty string means "no arguments" (some servers
 * send that for zero-parameter tools); anything else must be a JSON object.
 */
export function parseToolArguments(call: Pick<ToolCall, 'function'>): ParseResult<Record<string, unknown>> {
  const raw = call.function.arguments;
  if (raw.trim() === '') return { ok: true, value: {} };
  const found = extractJson(raw);
  if (!found.ok)
    return { ok: false, error: `tool call "${call.function.name}": arguments are not JSON: ${found.error}` };
  const v = found.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return {
      ok: false,
      error: `tool call "${call.function.name}": arguments must be a JSON object, got ${Array.isArray(v) ? 'an array' : typeof v}`,
    };
  }
  return { ok: true, value: v as Record<string, unknown> };
}
