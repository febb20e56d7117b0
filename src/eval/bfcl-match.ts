// Gate 3's link to the one BFCL checker (src/eval): our JSON-Schema tools as BFCL function docs, goal
// calls in BFCL ground-truth form, and the order-free call-list match the evaluator and reward use too.
import { matchCalls as bfclMatchCalls } from './check-entry.js';
import type { FunctionDoc } from './ast-checker.js';
import { toolToFunctionDoc } from './function-docs.js';
import type { DecodedCall, GroundTruthCall } from './types.js';
import type { GoalCall } from '../domain/task.js';
import type { Tool } from '../domain/catalog.js';
import type { ChatMessage } from '../domain/chat.js';
import { parseToolArguments } from '../llm/parse-output.js';

export type MatchResult = { valid: boolean; error_type?: string; errors: string[] };

type Schema = Record<string, unknown>;

/** A catalog tool as the BFCL checker's function doc (the one JSON Schema -> BFCL mapping, in src/eval). */
export function toFunctionDoc(tool: Tool): FunctionDoc {
  return toolToFunctionDoc({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
  });
}

/** Decoded calls against ground-truth calls, order-free, by src/eval's BFCL rules; [] truth = no call allowed. */
export function matchCalls(calls: DecodedCall[], truth: GroundTruthCall[], tools: Tool[]): MatchResult {
  if (truth.length === 0)
    return calls.length === 0
      ? { valid: true, errors: [] }
      : {
          valid: false,
          error_type: 'irrelevance_error:decoder_success',
          errors: [`expected no call, got ${calls.length}: ${calls.map((c) => Object.keys(c)[0]).join(', ')}`],
        };
  const names = new Set([...calls, ...truth].flatMap((c) => Object.keys(c)));
  const docs = tools.filter((t) => names.has(t.name)).map(toFunctionDoc);
  // One expected call: BFCL's simple/multiple checker, whose errors name the wrong value directly.
  const r = bfclMatchCalls(docs, calls, truth, { ordered: truth.length === 1 });
  return {
    valid: r.valid,
    error_type: r.error_type,
    errors: r.error.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))),
  };
}

/** BFCL's answer form for a dict value ({key: [value]}), and for a list of dicts. */
function answerValue(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, [v]]));
  if (Array.isArray(value) && value.length && value.every((v) => v && typeof v === 'object' && !Array.isArray(v)))
    return value.map(answerValue);
  return value;
}

/** A goal call in BFCL ground-truth form: stated values, plus '' (may omit) for defaults and unstated optionals. */
export function goalCallToGroundTruth(call: GoalCall, tool?: Tool): GroundTruthCall {
  const props = (tool?.inputSchema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((tool?.inputSchema.required ?? []) as string[]);
  const params: Record<string, unknown[]> = {};
  for (const [param, value] of Object.entries(call.arguments)) {
    const def = props[param]?.default;
    const isDefault = def !== undefined && JSON.stringify(def) === JSON.stringify(value) && !required.has(param);
    params[param] = isDefault ? [answerValue(value), ''] : [answerValue(value)];
  }
  for (const [param, schema] of Object.entries(props)) {
    if (param in params || required.has(param)) continue;
    params[param] = schema.default !== undefined ? ['', answerValue(schema.default)] : [''];
  }
  return { [call.name]: params };
}

/** Calls the assistant made in messages[from..], decoded BFCL-style (unparseable ones as `{}` arguments). */
export function decodedCalls(messages: ChatMessage[], from = 0, to = messages.length): DecodedCall[] {
  return messages.slice(from, to).flatMap((m) =>
    m.role === 'assistant' && m.tool_calls
      ? m.tool_calls.map((c) => ({
          [c.function.name]: (parseToolArguments(c) as { value?: Record<string, unknown> }).value ?? {},
        }))
      : [],
  );
}
