// Goal demonstrations: SFT rows built from the user simulator's own goals. A goal's exact calls passed
// goal_sanity and the schema gate before its RL prompt was made, so "the request, then exactly those
// calls" is a verified example even when the policy itself failed the task. A weak starting policy
// (the embedded 135M model accepts few trajectories) gets something to imitate from cycle 0; the rows
// are synthetic through and through (no human data, never BFCL's functions or questions).
import type { ChatMessage } from '../domain/chat.js';
import type { RlPrompt } from '../domain/rl-prompt.js';

/** What a demonstration answers when no offered tool fits (an irrelevance goal's reference is no call). */
export const NO_TOOL_REPLY = 'None of the tools I have can do that, so I cannot help with this request.';

export type Demonstration = {
  id: string;
  source: 'goal-demonstration' | 'decline-demonstration';
  accepted: true;
  category: RlPrompt['category'];
  toolSetId: string;
  messages: ChatMessage[];
  tools: RlPrompt['tools'];
};

/** The first acceptable value of each parameter; '' (may be omitted) first means the goal left it out. */
function argumentsOf(params: Record<string, unknown[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(params)) if (values.length && values[0] !== '') out[name] = values[0];
  return out;
}

/**
 * One demonstration per train-split turn-0 prompt whose trajectory was not already accepted (those are in the
 * SFT data as the policy wrote them): the prompt, then the reference calls (or a plain refusal).
 */
export function goalDemonstrations(
  prompts: RlPrompt[],
  acceptedTrajectoryIds: ReadonlySet<string>,
  opts: { declineShare?: number } = {},
): Demonstration[] {
  const demos = prompts
    .filter((p) => p.split === 'train' && p.id.endsWith('/t0') && !acceptedTrajectoryIds.has(p.id.slice(0, -3)))
    .map((p) => {
      const reply: ChatMessage = p.reference.length
        ? {
            role: 'assistant',
            content: null,
            tool_calls: p.reference.map((call, i) => {
              const [name, params] = Object.entries(call)[0];
              return {
                id: `call_${i}`,
                type: 'function' as const,
                function: { name, arguments: JSON.stringify(argumentsOf(params)) },
              };
            }),
          }
        : { role: 'assistant', content: NO_TOOL_REPLY };
      return {
        id: `${p.id}/demo`,
        source: 'goal-demonstration' as const,
        accepted: true as const,
        category: p.category,
        toolSetId: p.toolSetId,
        messages: [...p.messages, reply],
        tools: p.tools,
      };
    });
  return [...demos, ...declineDemonstrations(demos, prompts, opts.declineShare ?? 0)];
}

/**
 * Demonstrations of declining, so imitating calls does not teach "always call": a calling demonstration's
 * request offered another tool set's tools (another domain, no tool name in common, as BFCL builds its
 * irrelevance items), answered with the plain refusal. Enough of them that declines are `share` of all the
 * demonstrations (counting the irrelevance goals' own); the first calling demonstrations in order, each paired
 * with the next prompt of another tool set, so the same prompts give the same rows. Measured why (loop-gain,
 * 2026-12-01): SFT on 18 demonstrations of which 2 declined took BFCL irrelevance from 85% to 0%.
 */
export function declineDemonstrations(demos: Demonstration[], prompts: RlPrompt[], share: number): Demonstration[] {
  if (share <= 0) return [];
  const declines = demos.filter((d) => d.category === 'irrelevance').length;
  const calling = demos.filter((d) => d.category !== 'irrelevance');
  // declines + k = share * (demos + k)  =>  k = (share * demos - declines) / (1 - share)
  const wanted = Math.min(
    calling.length,
    Math.max(0, Math.ceil((share * demos.length - declines) / (1 - Math.min(share, 0.95)))),
  );
  const toolSets = [...new Map(prompts.map((p) => [p.toolSetId, p.tools])).entries()];
  const out: Demonstration[] = [];
  for (const d of calling) {
    if (out.length >= wanted) break;
    const needed = new Set((d.tools ?? []).map((t) => t.function.name));
    const at = toolSets.findIndex(([id]) => id === d.toolSetId);
    const other = [...toolSets.slice(at + 1), ...toolSets.slice(0, Math.max(0, at))].find(
      ([id, tools]) => id !== d.toolSetId && tools.length > 0 && tools.every((t) => !needed.has(t.function.name)),
    );
    if (!other) continue; // one tool set only: nothing unrelated to offer
    const request = d.messages.slice(0, -1);
    out.push({
      id: `${d.id.replace(/\/demo$/, '')}/decline`,
      source: 'decline-demonstration',
      accepted: true,
      category: 'irrelevance',
      toolSetId: other[0],
      messages: [...request, { role: 'assistant', content: NO_TOOL_REPLY }],
      tools: other[1],
    });
  }
  return out;
}
