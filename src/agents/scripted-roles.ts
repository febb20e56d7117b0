// Test double at the edge of the world: one scripted OpenAI-compatible server playing the user simulator
// (states the values of the calls it is shown in plain words, and remembers what it meant) and an oracle
// assistant (calls what the user meant). In src, beside llm/scripted-server.ts, because the tests and
// bench/synthesis.ts both use it.
import type { ChatCompletionBody, ReplyFn, ScriptedReply } from '../llm/scripted-server.js';

type Msg = ChatCompletionBody['messages'][number];
const text = (m?: Msg) => (typeof m?.content === 'string' ? m.content : '');

type Call = { name: string; arguments: Record<string, unknown> };

/** What the scripted user meant by each request it wrote (the double remembers; the oracle reads it back). */
const meant = new Map<string, Call[]>();

/** The calls a scripted user request stands for: the ones it was written for, or lines `- name with {json}`. */
export function listedCalls(content: string): Call[] {
  const known = meant.get(content.trim());
  if (known) return structuredClone(known);
  return [...content.matchAll(/^- (\w[\w-]*) with (\{.*\})$/gm)].map((m) => ({
    name: m[1],
    arguments: JSON.parse(m[2]),
  }));
}

/** Every scalar of a call's arguments, as a person would list them; an earlier result is "the one from before". */
function spoken(value: unknown): string[] {
  if (typeof value === 'string' && /^<.*>$/.test(value)) return ['the one from before'];
  if (Array.isArray(value)) return value.flatMap(spoken);
  if (value && typeof value === 'object') return Object.values(value).flatMap(spoken);
  return typeof value === 'boolean' ? [] : [String(value)];
}

/** A plain-language request for the listed calls (no function names, no JSON), remembered for the oracle. */
function naturalRequest(calls: Call[]): string {
  const parts = calls.map(
    (c) =>
      `${c.name
        .replace(/([a-z])([A-Z])/g, '$1 $2')
        .replace(/_/g, ' ')
        .toLowerCase()} for ${spoken(c.arguments).join(', ') || 'me'}`,
  );
  const request = `Hi! Please take care of this for me: ${parts.join('; then ')}.`;
  meant.set(request, calls);
  return request;
}

export type ScriptOptions = {
  /** Goal proposal reply (default: an empty proposal, so the simulator fills every call from the schema). */
  goal?: (prompt: string) => string;
  /** Assistant behaviour override (return undefined to fall back to the oracle). */
  assistant?: (body: ChatCompletionBody) => ScriptedReply | undefined;
};

function userSide(body: ChatCompletionBody, opts: ScriptOptions): ScriptedReply {
  const fmt = body.response_format as { json_schema?: { name?: string } } | undefined;
  const prompt = text(body.messages[body.messages.length - 1]);
  switch (fmt?.json_schema?.name) {
    case 'goal':
      return {
        content: opts.goal ? opts.goal(prompt) : JSON.stringify({ persona: 'a tester', calls: [] }),
        usage: { promptTokens: 50, completionTokens: 20 },
      };
    case 'request': {
      if (prompt.includes('NONE of these tools'))
        return { content: JSON.stringify({ request: 'Please write a limerick about a sleepy walrus.' }) };
      const withheld = /Do NOT mention the (\w+)/.exec(prompt)?.[1];
      const calls = [...prompt.matchAll(/^- (\w[\w-]*)\((\{.*\})\)$/gm)].map((m, i) => {
        const args = JSON.parse(m[2]) as Record<string, unknown>;
        if (withheld && i === 0) delete args[withheld];
        return { name: m[1], arguments: args };
      });
      return {
        content: JSON.stringify({ request: naturalRequest(calls) }),
        usage: { promptTokens: 40, completionTokens: 30 },
      };
    }
    case 'reply': {
      const m = /giving the (\w+): (.*) exactly/.exec(prompt);
      return { content: JSON.stringify({ reply: `Sure, the ${m?.[1]} is ${m ? JSON.parse(m[2]) : '?'}.` }) };
    }
    case 'verdict':
      return { content: JSON.stringify({ answer: 'yes', reason: 'scripted judge' }) };
    default:
      return { status: 400, message: `script: unknown structured request ${JSON.stringify(fmt)}` };
  }
}

/** The oracle: calls every listed call of the turn whose tool is offered, fills a withheld value, asks when one is missing. */
function oracle(body: ChatCompletionBody): ScriptedReply {
  const msgs = body.messages;
  const last = msgs[msgs.length - 1];
  const tools = new Map(
    (body.tools ?? []).map((t) => [
      t.function.name,
      t.function.parameters as { required?: string[]; properties?: Record<string, { type?: string }> },
    ]),
  );
  if (last.role === 'tool') {
    let from = msgs.length - 1;
    while (from > 0 && msgs[from].role !== 'assistant') from--;
    const results = msgs
      .slice(from)
      .filter((m) => m.role === 'tool')
      .map(text);
    return { content: `Done. Results: ${results.join(' | ')}`, usage: { promptTokens: 100, completionTokens: 15 } };
  }
  // The request that opened this turn: the last user message listing calls (answers to questions list none).
  const userMsgs = msgs.filter((m) => m.role === 'user');
  const opener = [...userMsgs].reverse().find((m) => listedCalls(text(m)).length);
  const done = new Set(
    msgs
      .flatMap((m) => (m.tool_calls ?? []) as Array<{ function: { name: string; arguments: string } }>)
      .map((c) => `${c.function.name}${c.function.arguments}`),
  );
  let calls = opener ? listedCalls(text(opener)) : [];
  if (text(last).includes('go ahead with my earlier request')) calls = userMsgs.flatMap((m) => listedCalls(text(m)));
  calls = calls.filter((c) => !done.has(`${c.name}${JSON.stringify(c.arguments)}`));
  if (!calls.length) return { content: 'I cannot help with that using the tools I have.' };
  for (const c of calls) fillFromResults(c.arguments, msgs);
  if (calls.some((c) => !tools.has(c.name)))
    return { content: `I do not have a tool for ${calls.find((c) => !tools.has(c.name))!.name}.` };
  for (const c of calls) {
    const missing = (tools.get(c.name)?.required ?? []).filter((p) => !(p in c.arguments));
    if (!missing.length) continue;
    const answer = /the (\w+) is (.*)\.$/.exec(text(last));
    if (!answer || answer[1] !== missing[0]) return { content: `Could you tell me the ${missing[0]}?` };
    const type = tools.get(c.name)?.properties?.[missing[0]]?.type;
    c.arguments[missing[0]] = type === 'integer' || type === 'number' ? Number(answer[2]) : answer[2];
  }
  return {
    toolCalls: calls.map((c, i) => ({ id: `call_${msgs.length}_${i}`, name: c.name, arguments: c.arguments })),
    usage: { promptTokens: 120, completionTokens: 25 },
  };
}

/** A request may point at an earlier result (`<the id from create_note's result>`): read it from that tool's latest result. */
function fillFromResults(args: Record<string, unknown>, msgs: Msg[]): void {
  for (const [k, v] of Object.entries(args)) {
    const ref = typeof v === 'string' ? /^<the ([\w.]+) from (\w+)'s result>$/.exec(v) : null;
    if (!ref) continue;
    const ids = new Set(
      msgs.flatMap((m) =>
        ((m.tool_calls ?? []) as Array<{ id: string; function: { name: string } }>)
          .filter((c) => c.function.name === ref[2])
          .map((c) => c.id),
      ),
    );
    const result = [...msgs]
      .reverse()
      .find((m) => m.role === 'tool' && ids.has((m as { tool_call_id?: string }).tool_call_id ?? ''));
    if (!result) continue;
    let value: unknown = JSON.parse(text(result));
    for (const key of ref[1].split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
    args[k] = value;
  }
}

export function scriptedRoles(opts: ScriptOptions = {}): ReplyFn {
  return (body) => {
    if (body.response_format) return userSide(body, opts);
    return opts.assistant?.(body) ?? oracle(body);
  };
}
