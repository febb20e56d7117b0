// The per-cycle outputs as plain values: JSONL rows for trajectories and RL prompts, and the dataset card
// (JSON + markdown) a user reads to judge a cycle's data. The pipeline writes them to the artifact store.
import type { RlPrompt } from '../domain/rl-prompt.js';
import type { Trajectory } from '../domain/trajectory.js';
import type { VerifyStats } from './verify-batch.js';

export function trajectoriesJsonl(verified: Trajectory[]): string {
  return verified.map((t) => JSON.stringify(t)).join('\n') + (verified.length ? '\n' : '');
}
export function rlPromptsJsonl(prompts: RlPrompt[]): string {
  return prompts.map((p) => JSON.stringify(p)).join('\n') + (prompts.length ? '\n' : '');
}

export type DatasetCard = {
  trajectories: number;
  accepted: number;
  acceptanceRate: number;
  splits: { train: number; validation: number };
  acceptedByCategory: Record<string, number>;
  rejectedByGate: Record<string, number>;
  rejectedByCategoryGate: Record<string, number>;
  rlPrompts: { train: number; validation: number; byCategory: Record<string, number> };
  toolsCovered: string[];
  toolSets: string[];
  /** Synthesis tokens (all roles and the judge) spent per accepted trajectory. */
  synthesisTokensPerAccepted: number;
  /** Rough size of an accepted trajectory as training text (characters / 4). */
  approxTrainingTokensPerAccepted: number;
  repairedGoals: number;
  /** Who wrote the requests (per turn) and where goal values came from; see VerifyStats. */
  requestSources: Record<string, number>;
  acceptedByRequestSource: Record<string, number>;
  valueSources: Record<string, number>;
};

/** "the user-simulator model wrote 3 of 40 requests (7.5%) as is, ..." — what a user reads first about the data's origin. */
export function sourcesLine(requestSources: Record<string, number>, valueSources: Record<string, number>): string {
  const share = (rec: Record<string, number>, key: string) => {
    const total = Object.values(rec).reduce((a, b) => a + b, 0);
    const n = rec[key] ?? 0;
    return `${n} (${total ? ((100 * n) / total).toFixed(1) : '0.0'}%)`;
  };
  const requests = Object.values(requestSources).reduce((a, b) => a + b, 0);
  const goals = Object.entries(valueSources)
    .filter(([k]) => k !== 'none')
    .reduce((a, [, b]) => a + b, 0);
  const values = Object.fromEntries(Object.entries(valueSources).filter(([k]) => k !== 'none'));
  const unrecorded = requestSources.unrecorded ? `, ${share(requestSources, 'unrecorded')} unrecorded` : '';
  return [
    `Requests (${requests}): the user-simulator model wrote ${share(requestSources, 'model')} as is and`,
    `${share(requestSources, 'model-repaired')} with left-out values appended; ${share(requestSources, 'template')} were templated${unrecorded}.`,
    `Goal values (${goals} goals with calls): ${share(values, 'model')} as the model proposed,`,
    `${share(values, 'model-repaired')} partly repaired, ${share(values, 'schema')} filled from the schema.`,
  ].join(' ');
}

/** The dataset card of a whole cycle. */
export function datasetCard(input: { verified: Trajectory[]; rlPrompts: RlPrompt[]; stats: VerifyStats }): {
  json: DatasetCard;
  markdown: string;
} {
  const tally = new DatasetCardTally();
  tally.add(input.verified, input.rlPrompts);
  return tally.card(input.stats);
}

/**
 * The card's counts, gathered chunk by chunk (verification streams a large cycle batch by batch and keeps
 * none of it): `add` each chunk's trajectories and prompts, then `card` with the cycle's stats. The same
 * trajectories give the same card however they were chunked.
 */
export class DatasetCardTally {
  private trajectories = 0;
  private accepted = 0;
  private validation = 0;
  private tokens = 0;
  private chars = 0;
  private repaired = 0;
  private prompts = { train: 0, validation: 0, byCategory: {} as Record<string, number> };
  private tools = new Set<string>();
  /** Trajectories and accepted ones per tool set (the cycle's stats carry it; the card lists those with any accepted). */
  readonly byToolSet: Record<string, { trajectories: number; accepted: number }> = {};

  add(verified: Trajectory[], rlPrompts: RlPrompt[]): void {
    for (const t of verified) {
      const set = (this.byToolSet[t.task.toolSetId] ??= { trajectories: 0, accepted: 0 });
      set.trajectories++;
      this.trajectories++;
      this.tokens += Object.values(t.usage ?? {}).reduce((a, u) => a + u.promptTokens + u.completionTokens, 0);
      if (t.goal.repairs?.length) this.repaired++;
      if (!t.accepted) continue;
      this.accepted++;
      set.accepted++;
      if (t.split === 'validation') this.validation++;
      this.chars += JSON.stringify(t.messages).length + JSON.stringify(t.tools).length;
      for (const c of t.goal.turns.flat()) this.tools.add(c.name);
    }
    for (const p of rlPrompts) {
      if (p.split === 'train') this.prompts.train++;
      if (p.split === 'validation') this.prompts.validation++;
      this.prompts.byCategory[p.category] = (this.prompts.byCategory[p.category] ?? 0) + 1;
    }
  }

  card(stats: VerifyStats): { json: DatasetCard; markdown: string } {
    const { accepted } = this;
    const tokens = this.tokens + stats.judgeTokens;
    const json: DatasetCard = {
      trajectories: this.trajectories,
      accepted,
      acceptanceRate: this.trajectories ? accepted / this.trajectories : 0,
      splits: { train: accepted - this.validation, validation: this.validation },
      acceptedByCategory: stats.acceptedByCategory,
      rejectedByGate: stats.rejectedByGate,
      rejectedByCategoryGate: stats.rejectedByCategoryGate,
      rlPrompts: { ...this.prompts, byCategory: { ...this.prompts.byCategory } },
      toolsCovered: [...this.tools].sort(),
      toolSets: Object.keys(this.byToolSet)
        .filter((id) => this.byToolSet[id].accepted > 0)
        .sort(),
      synthesisTokensPerAccepted: accepted ? Math.round(tokens / accepted) : 0,
      approxTrainingTokensPerAccepted: accepted ? Math.round(this.chars / 4 / accepted) : 0,
      repairedGoals: this.repaired,
      requestSources: stats.requestSources ?? {},
      acceptedByRequestSource: stats.acceptedByRequestSource ?? {},
      valueSources: stats.valueSources ?? {},
    };
    return { json, markdown: cardMarkdown(json, stats.rlPrompts) };
  }
}

function cardMarkdown(json: DatasetCard, rlPrompts: number): string {
  const table = (rec: Record<string, number>, head: string) =>
    Object.keys(rec).length
      ? [
          `| ${head} | count |`,
          '|---|---|',
          ...Object.entries(rec)
            .sort()
            .map(([k, v]) => `| ${k} | ${v} |`),
        ].join('\n')
      : '_none_';
  return [
    '# Dataset card',
    '',
    `${json.accepted} of ${json.trajectories} trajectories accepted (${(json.acceptanceRate * 100).toFixed(1)}%): ${json.splits.train} train, ${json.splits.validation} validation.`,
    `${rlPrompts} RL prompts (${json.rlPrompts.train} train, ${json.rlPrompts.validation} validation). ${json.repairedGoals} goals needed deterministic repair.`,
    `Tokens: ${json.synthesisTokensPerAccepted} synthesis tokens and ~${json.approxTrainingTokensPerAccepted} training tokens per accepted trajectory.`,
    sourcesLine(json.requestSources, json.valueSources),
    '',
    '## Accepted by request source',
    table(json.acceptedByRequestSource, 'request source'),
    '',
    '## Accepted by category',
    table(json.acceptedByCategory, 'category'),
    '',
    '## Rejected by gate (first failing gate)',
    table(json.rejectedByGate, 'gate'),
    '',
    '## Rejected by category and gate',
    table(json.rejectedByCategoryGate, 'category/gate'),
    '',
    `## Tools covered (${json.toolsCovered.length})`,
    json.toolsCovered.map((t) => `\`${t}\``).join(', ') || '_none_',
    '',
  ].join('\n');
}
