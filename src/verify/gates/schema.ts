// Gate 2, schema: every call's arguments are valid under its tool's input schema (ajv), so training
// never teaches a call the real API would refuse.
import { parseToolArguments } from '../../llm/parse-output.js';
import { schemaErrors } from '../../domain/schema-validator.js';
import { assistantCalls, fail, pass, type GateContext, type RuleVerdict } from './context.js';

export function schemaGate({ trajectory: t, tools }: GateContext): RuleVerdict {
  for (const { message, call } of assistantCalls(t)) {
    const tool = tools.get(call.function.name);
    if (!tool) return fail('schema', `message ${message}: tool '${call.function.name}' is not in the catalog`);
    const args = parseToolArguments(call);
    if (!args.ok) return fail('schema', `message ${message}: arguments of ${call.function.name} do not parse`);
    const errors = schemaErrors(tool.inputSchema, args.value);
    if (errors.length) return fail('schema', `message ${message}, ${call.function.name}: ${errors.join('; ')}`);
  }
  return pass('schema');
}
