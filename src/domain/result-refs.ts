// Multi-step goals: some argument values are decided by the simulated server, not the user (the id that
// create_note returns, which get_note then needs). The goal cannot fix such a value up front, so it names
// where the value comes from, `{"$result": {"turn": 0, "call": 0, "path": "/id"}}`, and every reader
// (the synthesis loop, goal_sanity, goal_match, RL prompts) resolves it against the conversation's own
// tool results. A wrong goal therefore cannot certify a call that copied the wrong id.
import { z } from 'zod';
import type { ChatMessage } from './chat.js';
import type { Tool } from './catalog.js';
import type { Goal, GoalCall } from './task.js';

export const ResultRefSchema = z
  .object({
    $result: z
      .object({
        turn: z.number().int().nonnegative(),
        call: z.number().int().nonnegative(),
        path: z.string().startsWith('/'),
      })
      .strict(),
  })
  .strict();
export type ResultRef = z.infer<typeof ResultRefSchema>;

export function isResultRef(value: unknown): value is ResultRef {
  return ResultRefSchema.safeParse(value).success;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How a reference reads to a person (and in the user simulator's prompt): `<the id from create_note's result>`. */
export function describeRef(ref: ResultRef, goal: Pick<Goal, 'turns'>): string {
  const producer = goal.turns[ref.$result.turn]?.[ref.$result.call]?.name ?? 'an earlier call';
  return `<the ${ref.$result.path.slice(1).replace(/\//g, '.')} from ${producer}'s result>`;
}

/** Arguments with every reference shown as `describeRef` text (for prompts; never for matching). */
export function describeRefs(args: Json, goal: Pick<Goal, 'turns'>): Json {
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, isResultRef(v) ? describeRef(v, goal) : v]));
}

const ID_LIKE = /(^id$|_id$|Id$)/;

/** The top-level fields a tool's result declares (an OpenAPI `allOf` merged), or undefined when unknown. */
export function outputProperties(tool: Tool): Json | undefined {
  const out = tool.outputSchema as Json | undefined;
  if (!isObj(out)) return undefined;
  const parts = [out, ...(Array.isArray(out.allOf) ? out.allOf.filter(isObj) : [])];
  const props = Object.assign({}, ...parts.map((p) => (isObj(p.properties) ? p.properties : {}))) as Json;
  return Object.keys(props).length ? props : undefined;
}

/** The output property of `producer` that can fill `param` of a later call, if any: the same id-like name,
 * or its `id` when the parameter names the producer's noun (`note_id` <- create_note's `id`). */
export function linkableOutput(param: string, paramSchema: unknown, producer: Tool): string | undefined {
  if (!ID_LIKE.test(param)) return undefined;
  const props = outputProperties(producer);
  if (!props) return undefined;
  const type = isObj(paramSchema) ? paramSchema.type : undefined;
  const sameType = (q: string) => isObj(props[q]) && (props[q] as Json).type === type;
  if (param in props && sameType(param)) return param;
  const noun = param.replace(/_?[iI]d$/, '').toLowerCase();
  if (noun && 'id' in props && sameType('id') && producer.name.toLowerCase().includes(noun)) return 'id';
  return undefined;
}

/** A tool whose output can feed another's required id-like parameter: the shape of a real multi-step task. */
export function findChain(tools: Tool[]): { producer: Tool; consumer: Tool } | undefined {
  // Producers that need no id themselves first (create_note before get_note): the chain then starts from
  // values a user can state.
  const needsId = (t: Tool) => ((t.inputSchema.required ?? []) as string[]).some((p) => ID_LIKE.test(p));
  for (const producer of [...tools.filter((t) => !needsId(t)), ...tools.filter(needsId)]) {
    for (const consumer of tools) {
      if (consumer === producer) continue;
      const props = (consumer.inputSchema.properties ?? {}) as Json;
      const required = (consumer.inputSchema.required ?? []) as string[];
      if (required.some((p) => linkableOutput(p, props[p], producer))) return { producer, consumer };
    }
  }
  return undefined;
}

/**
 * Replaces each required id-like argument of a later turn's call that an earlier turn's call produces
 * (the nearest earlier one) by a reference to that result. Mutates `turns`; returns what it linked.
 */
export function linkResults(turns: GoalCall[][], tools: Tool[]): string[] {
  const byName = new Map(tools.map((t) => [t.name, t]));
  const linked: string[] = [];
  for (let turn = 1; turn < turns.length; turn++) {
    for (const call of turns[turn]) {
      const tool = byName.get(call.name);
      if (!tool) continue;
      const props = (tool.inputSchema.properties ?? {}) as Json;
      for (const param of (tool.inputSchema.required ?? []) as string[]) {
        search: for (let earlier = turn - 1; earlier >= 0; earlier--) {
          for (const [i, prev] of turns[earlier].entries()) {
            const producer = byName.get(prev.name);
            const out = producer && linkableOutput(param, props[param], producer);
            if (!out) continue;
            call.arguments[param] = { $result: { turn: earlier, call: i, path: `/${out}` } } satisfies ResultRef;
            linked.push(`${call.name}.${param} <- turn ${earlier} ${prev.name}/${out}`);
            break search;
          }
        }
      }
    }
  }
  return linked;
}

function pointer(value: unknown, path: string): { ok: true; value: unknown } | { ok: false } {
  let node = value;
  for (const raw of path.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(key) && Number(key) < node.length) node = node[Number(key)];
    else if (isObj(node) && key in node) node = node[key];
    else return { ok: false };
  }
  return { ok: true, value: node };
}

/**
 * What the conversation's call for goal call (turn, call) returned: the k-th call to that tool in that
 * turn (k = how many goal calls to the same tool come before it), read from its tool message.
 */
function resultOf(
  goal: Pick<Goal, 'turns'>,
  messages: ChatMessage[],
  turnStarts: number[],
  ref: ResultRef['$result'],
): { ok: true; value: unknown } | { ok: false; reason: string } {
  const target = goal.turns[ref.turn]?.[ref.call];
  if (!target) return { ok: false, reason: `the goal has no call ${ref.call} in turn ${ref.turn}` };
  const from = turnStarts[ref.turn];
  if (from === undefined) return { ok: false, reason: `turn ${ref.turn} was never reached` };
  const k = goal.turns[ref.turn].slice(0, ref.call).filter((c) => c.name === target.name).length;
  const window = messages.slice(from, turnStarts[ref.turn + 1] ?? messages.length);
  const calls = window
    .flatMap((m) => (m.role === 'assistant' ? (m.tool_calls ?? []) : []))
    .filter((c) => c.function.name === target.name);
  const call = calls[k];
  if (!call) return { ok: false, reason: `turn ${ref.turn} made no call ${k + 1} to ${target.name}` };
  const reply = window.find(
    (m): m is Extract<ChatMessage, { role: 'tool' }> => m.role === 'tool' && m.tool_call_id === call.id,
  );
  if (!reply) return { ok: false, reason: `${target.name} (turn ${ref.turn}) has no result` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.content);
  } catch {
    return { ok: false, reason: `${target.name}'s result (turn ${ref.turn}) is not JSON` };
  }
  const found = pointer(parsed, ref.path);
  return found.ok
    ? found
    : { ok: false, reason: `${target.name}'s result (turn ${ref.turn}) has nothing at ${ref.path}` };
}

/** A turn's goal calls with every reference replaced by the value the conversation produced for it. */
export function resolveTurn(
  goal: Pick<Goal, 'turns'>,
  turn: number,
  messages: ChatMessage[],
  turnStarts: number[],
): { calls: GoalCall[]; unresolved: string[] } {
  const unresolved: string[] = [];
  const calls = (goal.turns[turn] ?? []).map((c) => {
    const args: Json = {};
    for (const [k, v] of Object.entries(c.arguments)) {
      if (!isResultRef(v)) {
        args[k] = v;
        continue;
      }
      const r =
        v.$result.turn < turn
          ? resultOf(goal, messages, turnStarts, v.$result)
          : { ok: false as const, reason: `it refers to turn ${v.$result.turn}, not an earlier one` };
      if (r.ok) args[k] = r.value;
      else unresolved.push(`${c.name}.${k} (${describeRef(v, goal)}): ${r.reason}`);
    }
    return { name: c.name, arguments: args };
  });
  return { calls, unresolved };
}
