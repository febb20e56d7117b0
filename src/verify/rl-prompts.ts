// RL prompts from verified trajectories: the conversation up to the point where the policy must act, the
// tools it sees there, and the goal's calls in BFCL ground-truth form as the reference.
import type { ChatMessage } from '../domain/chat.js';
import { type RlPrompt, ASSISTANT_SYSTEM_PROMPT } from '../domain/rl-prompt.js';
import type { Trajectory } from '../domain/trajectory.js';
import type { Tool } from '../domain/catalog.js';
import { goalCallToGroundTruth } from '../eval/bfcl-match.js';
import { turnStartsOf } from './gates/context.js';
import { resolveTurn } from '../domain/result-refs.js';

/** The turn's goal calls in BFCL form; a value an earlier result decided is the one this conversation got
 * (the prompt's history carries that result). Undefined when one cannot be resolved. */
function referenceFor(
  t: Trajectory,
  turn: number,
  tools: ReadonlyMap<string, Tool>,
  starts: number[],
): RlPrompt['reference'] | undefined {
  const { calls, unresolved } = resolveTurn(t.goal, turn, t.messages, starts);
  return unresolved.length ? undefined : calls.map((c) => goalCallToGroundTruth(c, tools.get(c.name)));
}

function toolsAt(t: Trajectory, turn: number): RlPrompt['tools'] {
  const late = t.goal.lateTool;
  return late && turn < late.turn ? t.tools.filter((x) => x.function.name !== late.name) : t.tools;
}

/**
 * Turn 0 always (its history is just context + the request; for miss_param, the assistant's question
 * and the user's answer, canned when the rollout never asked). Later turns only when the rollout was
 * accepted, since their history is the rollout's own and must be right.
 */
export function rlPromptsFor(t: Trajectory, split: RlPrompt['split'], tools: ReadonlyMap<string, Tool>): RlPrompt[] {
  const base = { category: t.task.category, toolSetId: t.task.toolSetId, split };
  const starts = turnStartsOf(t);
  const context: ChatMessage[] = [
    { role: 'system', content: ASSISTANT_SYSTEM_PROMPT },
    ...t.messages.slice(1, Math.max(1, starts[0])),
  ];
  const first: ChatMessage[] = [...context, { role: 'user', content: t.goal.request }];
  if (t.goal.withheld) {
    const w = t.goal.withheld;
    const asked = t.accepted
      ? t.messages.slice(starts[0] + 1).find((m) => m.role === 'assistant' && !m.tool_calls?.length)
      : undefined;
    const answer = t.accepted ? t.messages.slice(starts[0] + 2).find((m) => m.role === 'user') : undefined;
    first.push(asked ?? { role: 'assistant', content: `Could you tell me the ${w.parameter.replace(/_/g, ' ')}?` });
    first.push(answer ?? { role: 'user', content: `The ${w.parameter.replace(/_/g, ' ')} is ${w.value}.` });
  }
  // Turn 0 never refers to a result (there is no earlier turn), so its reference always resolves.
  const out: RlPrompt[] = [
    { id: `${t.id}/t0`, ...base, messages: first, tools: toolsAt(t, 0), reference: referenceFor(t, 0, tools, starts)! },
  ];
  if (t.accepted) {
    for (let turn = 1; turn < t.goal.turns.length && starts[turn] !== undefined; turn++) {
      const reference = referenceFor(t, turn, tools, starts);
      if (reference)
        out.push({
          id: `${t.id}/t${turn}`,
          ...base,
          messages: t.messages.slice(0, starts[turn] + 1),
          tools: toolsAt(t, turn),
          reference,
        });
    }
  }
  return out;
}
