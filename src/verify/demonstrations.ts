// Goal demonstrations: SFT rows built from the user simulator's own goals. A goal's exact calls passed
// goal_sanity and the schema gate before its RL prompt was made, so "the request, then exactly those
// calls" is a verified example even when the policy itself failed the task. A weak starting policy
// (the embedded 135M model accepts few trajectories) gets something to imitate from cycle 0; the rows
// are synthetic through and through (no human data, never BFCL's functions or questions).
import type { ChatMessage } from '../llm/types.js';
import type { RlPrompt } from '../agents/types.js';

/** What a demonstration answers when no offered tool fits (an irrelevance goal's reference is no call). */
export const NO_TOOL_REPLY = 'None of the tools I have can do that, so I cannot help with this request.';

export type Demonstration = {
  id: string;
  source: 'goal-demonstration';
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
export function goalDemonstrations(prompts: RlPrompt[], acceptedTrajectoryIds: ReadonlySet<string>): Demonstration[] {
  return prompts
    .filter((p) => p.split === 'train' && p.id.endsWith('/t0') && !acceptedTrajectoryIds.has(p.id.slice(0, -3)))
    .map((p) => {
      const reply: ChatMessage = p.reference.length
        ? {
          role: 'assistant',
          content: null,
          tool_calls: p.reference.map((call, i) => {
            const [name, params] = Object.entries(call)[0];
            return { id: `call_${i}`, type: 'function' as const, function: { name, arguments: JSON.stringify(argumentsOf(params)) } };
          }),
        }
        : { role: 'assistant', content: NO_TOOL_REPLY };
      return {
        id: `${p.id}/demo`, source: 'goal-demonstration' as const, accepted: true as const,
        category: p.category, toolSetId: p.toolSetId, messages: [...p.messages, reply], tools: p.tools,
      };
    });
}
