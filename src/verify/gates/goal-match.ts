// Gate 3, goal_match: per turn, the assistant's calls match the goal's calls under BFCL's matching rules
// (the same rules the evaluator and the reward use); irrelevance and miss_func's first turn: no call.
import { decodedCalls, goalCallToGroundTruth, matchCalls } from '../../eval/bfcl-match.js';
import { resolveTurn } from '../../domain/result-refs.js';
import { fail, pass, turnStartsOf, type GateContext, type RuleVerdict } from './context.js';

export function goalMatchGate({ trajectory: t, tools }: GateContext): RuleVerdict {
  const starts = turnStartsOf(t);
  const toolList = [...tools.values()];
  for (const turn of t.goal.turns.keys()) {
    if (starts[turn] === undefined)
      return fail(
        'goal_match',
        `turn ${turn} was never reached (the conversation stopped after turn ${starts.length - 1})`,
      );
    // A value an earlier result decides must be the one this conversation's result gave.
    const { calls: goalCalls, unresolved } = resolveTurn(t.goal, turn, t.messages, starts);
    if (unresolved.length) return fail('goal_match', `turn ${turn}: the goal needs ${unresolved.join('; ')}`);
    const calls = decodedCalls(t.messages, starts[turn], starts[turn + 1] ?? t.messages.length);
    const truth = goalCalls.map((c) => goalCallToGroundTruth(c, tools.get(c.name)));
    const result = matchCalls(calls, truth, toolList);
    if (!result.valid) return fail('goal_match', `turn ${turn}: ${result.error_type}: ${result.errors.join('; ')}`);
  }
  return pass('goal_match');
}
