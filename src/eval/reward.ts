// The gated reward GRPO trains on: 0 unless the completion's tool calls pass the format and schema gates,
// then graded credit for matching the reference under BFCL's checker rules. One definition; the Python
// trainer mirrors it through test/vectors/reward-vectors.jsonl.
//
// EXACT SPECIFICATION (what a port must do; every number is rounded with r6(x) = floor(x * 1e6 + 0.5) / 1e6):
//
// Input: tools (OpenAI tools), reference ([{name: {param: [acceptable values]}}], [] = no call wanted),
//   category, completion {content, tool_calls?}. calls = completion.tool_calls or []; n = len(calls);
//   m = len(reference). Reference numbers are normalised first: a float with an integral value becomes an int
//   (JSON.parse cannot tell 2.0 from 2). Call arguments are parsed keeping 2.0 a float (Python json.loads).
// Gates (each always computed, reported in `gates`):
//   format: every call's name is an offered tool's name AND its arguments parse as JSON to an object.
//   schema: format holds AND every call's arguments validate against its tool's `parameters` JSON Schema
//           (draft-07, formats not checked, 1.0 counts as an integer; a schema that does not compile fails it).
//   config.gates lists the enforced gates in order (default [format, schema]); the first failing one is
//   named in `reason`. Any enforced gate failing -> reward 0.
// Components (all in [0,1]):
//   acted          = 1 if n > 0 else 0
//   call_count_ok  = 1 if (m == 0 and n == 0) or (m > 0 and 1 <= n <= m) else 0
//   function_match = m == 0: 1 if n == 0 else 0;
//                    m > 0 : sum over names of min(#calls with that name, #reference calls with it) / m
//   argument_match = m == 0: same as function_match;
//                    m > 0 : greedy one-to-one matching, BFCL's order-free parallel rule: for each reference
//                    call i in order, the first not-yet-matched call j (in call order) that BFCL's
//                    simple_function_checker accepts (python rules, doc from the tool via function-docs.ts)
//                    is matched to i (a checker exception counts as no match); argument_match = #matched / m;
//                    0 when the format gate fails (arguments unparsed).
// Reward:
//   a gate failed                         -> 0
//   m == 0 (irrelevance)                  -> config.irrelevanceReward if n == 0 else 0
//   m > 0 and n == 0 (text only, no act)  -> 0
//   m > 0 and n > m (padded / repeated)   -> 0
//   otherwise -> r6((wf * function_match + wa * argument_match) / (wf + wa)), w = config.weights.
// With the official Python checker: bfcl_eval.eval_checker.ast_eval.ast_checker.simple_function_checker(doc,
// {name: args}, {name: ref}, Language.PYTHON, model_name) with a model whose underscore_to_dot is False.
import { z } from 'zod';
import type { OpenAITool, ToolCall } from '../domain/chat.js';
import type { RlPrompt } from '../domain/rl-prompt.js';
import { compileSchema } from '../domain/schema-validator.js';
import { simpleFunctionChecker } from './ast-checker.js';
import { toolToFunctionDoc } from './function-docs.js';
import { PyCrash, PyFloat, fromPlain, isDict, parsePyJson, toPlain, type PyDict, type PyValue } from './py-value.js';

export const RewardGateSchema = z.enum(['format', 'schema']);
export type RewardGate = z.infer<typeof RewardGateSchema>;

export const RewardConfigSchema = z.object({
  /** Enforced gates, in the order their failure is reported. */
  gates: z.array(RewardGateSchema).default(['format', 'schema']),
  weights: z
    .object({
      function_match: z.number().min(0).default(0.3),
      argument_match: z.number().min(0).default(0.7),
    })
    .default({})
    .refine((w) => w.function_match + w.argument_match > 0, 'weights must not both be 0'),
  /** Reward for correctly making no call when the reference is []. */
  irrelevanceReward: z.number().min(0).max(1).default(1),
});
export type RewardConfig = z.infer<typeof RewardConfigSchema>;

export type RewardInput = {
  tools: OpenAITool[];
  reference: RlPrompt['reference'];
  category: string;
  completion: { content: string | null; tool_calls?: ToolCall[] };
};

export type RewardComponents = { acted: number; call_count_ok: number; function_match: number; argument_match: number };
export type RewardResult = {
  reward: number;
  gates: Record<RewardGate, boolean>;
  components: RewardComponents;
  reason: string;
};

export const r6 = (x: number) => Math.floor(x * 1e6 + 0.5) / 1e6;

/** A float with an integral value -> int, recursively (see the spec: reference normalisation). */
function normaliseReference(v: PyValue): PyValue {
  if (v instanceof PyFloat) return Number.isInteger(v.value) ? v.value : v;
  if (Array.isArray(v)) return v.map(normaliseReference);
  if (isDict(v)) return new Map([...v].map(([k, x]) => [k, normaliseReference(x)]));
  return v;
}

type ParsedCall = { name: string; args?: PyDict; problem?: string };

function parseCall(c: ToolCall, offered: Map<string, OpenAITool>): ParsedCall {
  const name = c.function.name;
  if (!offered.has(name)) return { name, problem: `call to ${JSON.stringify(name)}, which is not an offered tool` };
  let args: PyValue;
  try {
    args = parsePyJson(c.function.arguments);
  } catch (e) {
    return { name, problem: `arguments of ${name} are not JSON: ${(e as Error).message}` };
  }
  if (!isDict(args)) return { name, problem: `arguments of ${name} are not a JSON object` };
  return { name, args };
}

export function gatedReward(input: RewardInput, config?: z.input<typeof RewardConfigSchema>): RewardResult {
  const cfg = RewardConfigSchema.parse(config ?? {});
  const calls = input.completion.tool_calls ?? [];
  const reference = (fromPlain(input.reference, 'reference') as PyDict[]).map((r) => normaliseReference(r) as PyDict);
  const n = calls.length;
  const m = reference.length;
  if (input.category === 'irrelevance' && m > 0)
    throw new Error(`gatedReward: category irrelevance needs reference [], got ${m} call(s)`);

  const offered = new Map(input.tools.map((t) => [t.function.name, t]));
  const parsed = calls.map((c) => parseCall(c, offered));
  const formatProblem = parsed.find((p) => p.problem)?.problem;
  let schemaProblem = formatProblem;
  if (!schemaProblem) {
    for (const p of parsed) {
      // Formats are annotations, as in the trainer's Draft7Validator; a schema that does not compile admits nothing.
      const compiled = compileSchema(offered.get(p.name)!.function.parameters, { formats: 'annotate' });
      if (!compiled.ok) {
        schemaProblem = `the schema of ${p.name} does not compile: ${compiled.error}`;
        break;
      }
      const validate = compiled.validate;
      if (!validate(toPlain(p.args!))) {
        const err = validate.errors?.[0];
        schemaProblem = `arguments of ${p.name} fail its schema at ${err?.instancePath || '/'}: ${err?.message ?? 'invalid'}`;
        break;
      }
    }
  }
  const gates = { format: formatProblem === undefined, schema: schemaProblem === undefined };

  const acted = n > 0 ? 1 : 0;
  const callCountOk = (m === 0 && n === 0) || (m > 0 && n >= 1 && n <= m) ? 1 : 0;
  let functionMatch: number;
  let argumentMatch: number;
  if (m === 0) {
    functionMatch = argumentMatch = n === 0 ? 1 : 0;
  } else {
    const refNames = reference.map((r) => r.keys().next().value as string);
    const counts = new Map<string, number>();
    for (const p of parsed) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
    const refCounts = new Map<string, number>();
    for (const name of refNames) refCounts.set(name, (refCounts.get(name) ?? 0) + 1);
    let shared = 0;
    for (const [name, k] of refCounts) shared += Math.min(k, counts.get(name) ?? 0);
    functionMatch = shared / m;
    argumentMatch = gates.format ? matchedCount(reference, refNames, parsed, offered) / m : 0;
  }
  const components: RewardComponents = {
    acted,
    call_count_ok: callCountOk,
    function_match: r6(functionMatch),
    argument_match: r6(argumentMatch),
  };

  const failedGate = cfg.gates.find((g) => !gates[g]);
  const zero = (reason: string): RewardResult => ({ reward: 0, gates, components, reason });
  if (failedGate) return zero(`${failedGate} gate: ${failedGate === 'format' ? formatProblem : schemaProblem}`);
  if (m === 0) {
    return n === 0
      ? { reward: r6(cfg.irrelevanceReward), gates, components, reason: 'no call, as the reference wants' }
      : zero(`called ${parsed.map((p) => p.name).join(', ')} on a prompt that needs no call`);
  }
  if (n === 0) return zero('no tool call on a prompt that needs one (text-only answer)');
  if (n > m) return zero(`${n} calls for ${m} expected: padded or repeated calls`);
  const w = cfg.weights;
  const reward = r6(
    (w.function_match * functionMatch + w.argument_match * argumentMatch) / (w.function_match + w.argument_match),
  );
  return { reward, gates, components, reason: `functions ${r6(functionMatch)}, arguments ${r6(argumentMatch)}` };
}

function matchedCount(
  reference: PyDict[],
  refNames: string[],
  parsed: ParsedCall[],
  offered: Map<string, OpenAITool>,
): number {
  const used = new Set<number>();
  let matched = 0;
  reference.forEach((ref, i) => {
    const tool = offered.get(refNames[i]);
    if (!tool) return; // the reference names a tool the prompt does not offer: no call can match it
    const doc = toolToFunctionDoc(tool);
    for (let j = 0; j < parsed.length; j++) {
      if (used.has(j)) continue;
      let ok = false;
      try {
        ok = simpleFunctionChecker(doc, new Map([[parsed[j].name, parsed[j].args!]]), ref, {
          language: 'python',
        }).valid;
      } catch (e) {
        if (!(e instanceof PyCrash)) throw e;
      }
      if (ok) {
        used.add(j);
        matched++;
        return;
      }
    }
  });
  return matched;
}
