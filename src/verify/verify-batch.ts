// Verification of one cycle's raw trajectories: every gate in order, the judge for what rules cannot
// decide, the validation split, RL prompts (also from sound goals whose rollout failed) and statistics.
import type { ChatClient } from '../domain/chat.js';
import type { GateName, GateVerdict } from '../domain/verdict.js';
import type { RlPrompt } from '../domain/rl-prompt.js';
import type { Trajectory } from '../domain/trajectory.js';
import type { Tool } from '../domain/catalog.js';
import { hash32 } from '../domain/rng.js';
import type { NoveltyIndex } from './novelty-index.js';
import type { ContaminationIndex } from './contamination-index.js';
import type { GateContext, RuleVerdict } from './gates/context.js';
import { goalSanityGate } from './gates/goal-sanity.js';
import { formatGate } from './gates/format.js';
import { schemaGate } from './gates/schema.js';
import { goalMatchGate } from './gates/goal-match.js';
import { executionGate } from './gates/execution.js';
import { noveltyGate, noveltyKey } from './gates/novelty.js';
import { askJudge } from './judge.js';
import { rlPromptsFor } from './rl-prompts.js';

export type VerifyStats = {
  trajectories: number;
  accepted: number;
  /** First failing gate of each rejected trajectory. */
  rejectedByGate: Record<string, number>;
  /** Same, keyed `category/gate`. */
  rejectedByCategoryGate: Record<string, number>;
  acceptedByCategory: Record<string, number>;
  rlPrompts: number;
  judgeCalls: number;
  judgeTokens: number;
  /** Who wrote each turn's opening request (goal.requestSources): 'model', 'model-repaired', 'template'. */
  requestSources: Record<string, number>;
  /** Accepted trajectories by their goal's overall request source. */
  acceptedByRequestSource: Record<string, number>;
  /** Where each goal's values came from: 'model', 'model-repaired', 'schema' ('none': a goal without calls). */
  valueSources: Record<string, number>;
};

/** Artifacts from before sources were recorded count as 'unrecorded', so totals still add up. */
export function countSources(t: Trajectory, stats: VerifyStats): void {
  const g = t.goal;
  // Requests never voiced (synthesis failed before) are not counted; the gates count those trajectories.
  if (g.requestSources?.length) for (const s of g.requestSources) bump(stats.requestSources, s ?? 'unrecorded');
  else if (g.request) bump(stats.requestSources, 'unrecorded');
  bump(stats.valueSources, g.valueSource ?? (g.turns.flat().length ? 'unrecorded' : 'none'));
}

export type VerifyBatchInput = {
  trajectories: Trajectory[];
  /** Catalog tools (all of them, or at least those of the batch's tool sets). */
  tools: Tool[];
  /** Accepted items of earlier cycles; accepted items of this batch are added to it. */
  seen: NoveltyIndex;
  contamination?: ContaminationIndex;
  /** Decides goal_sanity and execution questions the rules leave open; absent: such items are rejected. */
  judge?: ChatClient;
  /** Share of trajectories held out for validation (decided by a hash of the id). */
  validationFraction?: number;
  /** Counts to add this batch's to (a cycle verified chunk by chunk); absent: the batch's own, from zero. */
  stats?: VerifyStats;
};

export type VerifyBatchResult = { verified: Trajectory[]; rlPrompts: RlPrompt[]; stats: VerifyStats };

const RULE_GATES: Array<[GateName, (ctx: GateContext) => RuleVerdict]> = [
  ['goal_sanity', goalSanityGate],
  ['format', formatGate],
  ['schema', schemaGate],
  ['goal_match', goalMatchGate],
  ['execution', executionGate],
];

export function splitOf(id: string, validationFraction = 0.15): RlPrompt['split'] {
  return (hash32(`split:${id}`) % 10_000) / 10_000 < validationFraction ? 'validation' : 'train';
}

function bump(rec: Record<string, number>, key: string): void {
  rec[key] = (rec[key] ?? 0) + 1;
}

/** Counts of nothing yet: where a cycle verified chunk by chunk starts its totals. */
export function emptyVerifyStats(): VerifyStats {
  return {
    trajectories: 0,
    accepted: 0,
    rejectedByGate: {},
    rejectedByCategoryGate: {},
    acceptedByCategory: {},
    rlPrompts: 0,
    judgeCalls: 0,
    judgeTokens: 0,
    requestSources: {},
    acceptedByRequestSource: {},
    valueSources: {},
  };
}

export async function verifyBatch(input: VerifyBatchInput): Promise<VerifyBatchResult> {
  const tools = new Map(input.tools.map((t) => [t.name, t]));
  const stats = input.stats ?? emptyVerifyStats();
  stats.trajectories += input.trajectories.length;
  const verified: Trajectory[] = [];
  const rlPrompts: RlPrompt[] = [];
  // Sequential on purpose: whether an item is novel depends on what was accepted before it in this batch.
  for (const raw of input.trajectories) {
    const t: Trajectory = { ...raw, verdicts: [], accepted: false, split: splitOf(raw.id, input.validationFraction) };
    const ctx: GateContext = { trajectory: t, tools };
    const verdicts: GateVerdict[] = [];
    for (const [, gate] of RULE_GATES) verdicts.push(await resolve(gate(ctx), input.judge, stats));
    const goalSound = verdicts[0].pass;
    // Novelty is about the goal, not the rollout: it decides whether a sound goal may be used at all.
    if (goalSound) verdicts.push(noveltyGate({ ...ctx, seen: input.seen, contamination: input.contamination }));
    const firstFail = verdicts.find((v) => !v.pass);
    t.verdicts = verdicts;
    t.accepted = !firstFail;
    if (firstFail) {
      bump(stats.rejectedByGate, firstFail.gate);
      bump(stats.rejectedByCategoryGate, `${t.task.category}/${firstFail.gate}`);
    } else {
      stats.accepted++;
      bump(stats.acceptedByCategory, t.task.category);
      bump(stats.acceptedByRequestSource, t.goal.requestSource ?? 'unrecorded');
    }
    countSources(t, stats);
    const novel = goalSound && verdicts[verdicts.length - 1].pass;
    if (novel) {
      const key = noveltyKey(ctx);
      input.seen.add(t.id, key.request, key.signature, key.hasCalls);
      // A failed rollout of a sound, novel goal is still a good RL prompt: the reference calls are known.
      rlPrompts.push(...rlPromptsFor(t, t.split!, tools));
    }
    verified.push(t);
  }
  stats.rlPrompts += rlPrompts.length;
  return { verified, rlPrompts, stats };
}

async function resolve(v: RuleVerdict, judge: ChatClient | undefined, stats: VerifyStats): Promise<GateVerdict> {
  const { undecided, ...verdict } = v;
  if (v.pass || !undecided?.length || !judge) return verdict;
  for (const q of undecided) {
    const a = await askJudge(judge, q);
    stats.judgeCalls++;
    stats.judgeTokens += a.tokens;
    if (!a.yes) return { ...verdict, reason: `${verdict.reason} (judge: no${a.reason ? `, ${a.reason}` : ''})` };
  }
  return { gate: verdict.gate, pass: true, reason: `judge: yes (${verdict.reason})` };
}
