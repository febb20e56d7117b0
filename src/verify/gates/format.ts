// Gate 1, format: the rollout finished, and every tool call parses to a JSON object and names a tool
// the assistant was offered.
import { parseToolArguments } from '../../llm/parse-output.js';
import { assistantCalls, fail, pass, type GateContext, type RuleVerdict } from './context.js';

export function formatGate({ trajectory: t }: GateContext): RuleVerdict {
  if (t.failure) return fail('format', `synthesis did not finish: ${t.failure}`);
  const offered = new Set(t.tools.map((x) => x.function.name));
  for (const { message, call } of assistantCalls(t)) {
    if (!offered.has(call.function.name))
      return fail('format', `message ${message}, call ${call.id}: no offered tool is named '${call.function.name}'`);
    const args = parseToolArguments(call);
    if (!args.ok)
      return fail(
        'format',
        `message ${message}, call ${call.id} (${call.function.name}): arguments do not parse: ${args.error}`,
      );
  }
  return pass('format');
}
