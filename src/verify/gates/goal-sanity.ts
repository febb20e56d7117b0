// Gate 0, goal_sanity: the user simulator's goal is a fair task — schema-valid calls shaped like the
// category, every value stated in the request (or following from it or from earlier results).
import type { GoalCall } from '../../domain/task.js';
import { schemaErrors } from '../../domain/schema-validator.js';
import { describeRef, isResultRef, outputProperties, resolveTurn, type ResultRef } from '../../domain/result-refs.js';
import { leaves, mentions } from '../../domain/mentions.js';
import { fail, pass, turnStartsOf, userText, type GateContext, type RuleVerdict } from './context.js';

function categoryShapeError(category: string, turns: GoalCall[][]): string | undefined {
  const calls = turns.flat();
  const names = new Set(calls.map((c) => c.name));
  switch (category) {
    case 'irrelevance':
      return calls.length ? `irrelevance goal has ${calls.length} call(s); it must have none` : undefined;
    case 'simple':
    case 'multiple':
      return turns.length !== 1 || calls.length !== 1
        ? `${category} goal must be exactly 1 call in 1 turn (has ${calls.length} in ${turns.length})`
        : undefined;
    case 'parallel':
      return calls.length < 2 || names.size !== 1
        ? `parallel goal must be 2+ calls of one tool (has ${calls.length} calls of ${names.size} tools)`
        : undefined;
    case 'parallel_multiple':
      return calls.length < 2 || names.size < 2
        ? `parallel_multiple goal must call 2+ different tools (has ${calls.length} calls of ${names.size} tools)`
        : undefined;
    default:
      return turns.length < 2 ? `${category} goal must have 2+ turns (has ${turns.length})` : undefined;
  }
}

/** Two calls of one turn with the same tool and the same arguments ask for the same thing twice: the request
 * behind them names no second value ("find the pets, then, and also"), so the goal is not a fair task. */
function repeatedCallError(turns: GoalCall[][]): string | undefined {
  for (const [t, turn] of turns.entries()) {
    const seen = new Map<string, number>();
    for (const [k, call] of turn.entries()) {
      const key = `${call.name}\u0000${canonical(call.arguments)}`;
      const first = seen.get(key);
      if (first !== undefined)
        return `turn ${t}: calls ${first} and ${k} are the same call (${call.name} with the same arguments)`;
      seen.set(key, k);
    }
  }
  return undefined;
}

/** JSON with object keys sorted, so argument order does not tell two calls apart. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** A reference must point at an earlier turn's goal call whose tool can return that field. */
function refShapeError(
  turns: GoalCall[][],
  turn: number,
  ref: ResultRef,
  tools: GateContext['tools'],
): string | undefined {
  const { turn: from, call, path } = ref.$result;
  if (from >= turn) return `refers to turn ${from}, which is not earlier`;
  const producer = turns[from]?.[call];
  if (!producer) return `turn ${from} has no goal call ${call}`;
  const tool = tools.get(producer.name);
  const fields = tool && outputProperties(tool);
  const top = path.split('/')[1];
  if (fields && !(top in fields))
    return `${producer.name} does not return '${top}' (its output schema has ${Object.keys(fields).join(', ')})`;
  return undefined;
}

export function goalSanityGate({ trajectory: t, tools }: GateContext): RuleVerdict {
  const goal = t.goal;
  if (!goal.turns.length) return fail('goal_sanity', `no goal was fixed${t.failure ? `: ${t.failure}` : ''}`);
  if (!goal.request.trim())
    return fail('goal_sanity', `the goal has no request${t.failure ? ` (synthesis failed: ${t.failure})` : ''}`);
  const shape = categoryShapeError(t.task.category, goal.turns) ?? repeatedCallError(goal.turns);
  if (shape) return fail('goal_sanity', shape);
  const text = userText(t);
  // Values the simulated server produced may be referred to by later calls ("book the first flight found").
  const resultText = t.trace.map((r) => JSON.stringify(r.result ?? '')).join('\n');
  const missing: string[] = [];
  const starts = turnStartsOf(t);
  for (const [turnIdx, turn] of goal.turns.entries()) {
    // References to earlier results are checked for shape here; their values where the conversation has them.
    const resolved = resolveTurn(goal, turnIdx, t.messages, starts).calls;
    for (const [callIdx, call] of turn.entries()) {
      const tool = tools.get(call.name);
      if (!tool) return fail('goal_sanity', `turn ${turnIdx}: goal calls '${call.name}', which is not in the catalog`);
      const refs = Object.entries(call.arguments).filter((e): e is [string, ResultRef] => isResultRef(e[1]));
      for (const [param, ref] of refs) {
        const bad = refShapeError(goal.turns, turnIdx, ref, tools);
        if (bad)
          return fail('goal_sanity', `turn ${turnIdx}: ${call.name}.${param} = ${describeRef(ref, goal)}: ${bad}`);
      }
      // A reference the conversation never resolved is not the goal's fault: its schema check waits for a value.
      const pending = refs.map(([p]) => p).filter((p) => !(p in resolved[callIdx].arguments));
      const schema = pending.length
        ? {
            ...tool.inputSchema,
            required: ((tool.inputSchema.required ?? []) as string[]).filter((r) => !pending.includes(r)),
          }
        : tool.inputSchema;
      const errors = schemaErrors(schema, resolved[callIdx].arguments);
      if (errors.length)
        return fail('goal_sanity', `turn ${turnIdx}: goal call ${call.name} is not schema-valid: ${errors.join('; ')}`);
      const props = (tool.inputSchema.properties ?? {}) as Record<string, { enum?: unknown[]; default?: unknown }>;
      for (const leaf of leaves(call.arguments)) {
        const top = props[leaf.path.split('/')[0]];
        // Booleans, enum members and defaults may follow from wording ("in Celsius", "only open ones").
        if (typeof leaf.value === 'boolean' || leaf.value === null || isResultRef(leaf.value)) continue;
        if (
          top?.enum?.includes(leaf.value) ||
          (top?.default !== undefined && JSON.stringify(top.default) === JSON.stringify(leaf.value))
        )
          continue;
        const v = leaf.value as string | number;
        if (!mentions(text, v) && !mentions(resultText, v))
          missing.push(`${call.name}.${leaf.path} = ${JSON.stringify(v)}`);
      }
    }
  }
  if (goal.withheld) {
    const first = goal.request;
    if (mentions(first, goal.withheld.value as string | number))
      return fail(
        'goal_sanity',
        `miss_param: the first request already states the withheld ${goal.withheld.tool}.${goal.withheld.parameter} = ${JSON.stringify(goal.withheld.value)}`,
      );
  }
  if (missing.length)
    return fail(
      'goal_sanity',
      `request does not state ${missing.join(', ')}`,
      missing.map((m) => `Does the user's text state or clearly imply ${m}?`),
    );
  return pass('goal_sanity');
}
