// Gate 4, execution: every call came back without a tool error, and the final answer agrees with the
// results (it states some key value from them; an optional judge decides when it does not).
import { leaves, mentions } from '../../domain/mentions.js';
import { fail, pass, type GateContext, type RuleVerdict } from './context.js';

/** Scalars worth quoting from a result: numbers and strings of 3+ characters (ids, names, amounts). */
function keyValues(result: unknown): Array<string | number> {
  const parsed = typeof result === 'string' ? safeJson(result) : result;
  return leaves(parsed)
    .map((l) => l.value)
    .filter(
      (v): v is string | number =>
        (typeof v === 'string' && v.trim().length >= 3 && v.length <= 200) || typeof v === 'number',
    );
}
function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

export function executionGate({ trajectory: t }: GateContext): RuleVerdict {
  const bad = t.trace.find((r) => r.isError);
  if (bad)
    return fail(
      'execution',
      `call ${bad.tool}(${JSON.stringify(bad.arguments)}) returned a tool error: ${bad.error ?? JSON.stringify(bad.result)}`,
    );
  const last = t.messages[t.messages.length - 1];
  if (!last || last.role !== 'assistant' || last.tool_calls?.length || !last.content?.trim())
    return fail('execution', 'the conversation does not end with an assistant answer');
  if (!t.trace.length) return pass('execution');
  const values = t.trace.flatMap((r) => keyValues(r.result));
  if (!values.length || values.some((v) => mentions(last.content!, v))) return pass('execution');
  return fail(
    'execution',
    `the final answer states no value from the tool results (e.g. ${values
      .slice(0, 3)
      .map((v) => JSON.stringify(v))
      .join(', ')})`,
    [
      `Tool results: ${JSON.stringify(t.trace.map((r) => r.result)).slice(0, 1500)}\nFinal answer: ${last.content}\nIs the final answer consistent with the tool results?`,
    ],
  );
}
