// What the Temporal UI shows of a run: the one-line static summary and Markdown static details a run
// and each cycle start with, and the live "current details" the workflows update at every stage.
// Pure string building over small inputs (deterministic-safe; no Node built-ins). Never a key: endpoints
// are named by model and host only.
import type { RunConfig } from '../config.js';
import type { ModelRef } from '../llm/types.js';
import type { RunStatus, Scores, StageUpdate } from './definitions.js';

/** The Temporal UI (2.42, in the pinned CLI) sizes a Markdown panel one line short and clips its last line;
 * an empty last paragraph is what it clips. */
const UI_SPACER = '\n&nbsp;';

const pct = (x: number | null | undefined) => (typeof x === 'number' ? `${(x * 100).toFixed(1)}%` : '–');
const pts = (x: number | null | undefined, base: number | null | undefined) =>
  typeof x === 'number' && typeof base === 'number'
    ? ` (${x >= base ? '+' : ''}${((x - base) * 100).toFixed(1)} pts)`
    : '';

/** The host of a URL without credentials, path or query (the UI is no place for them). */
function host(url: string): string {
  const m = /^[a-z]+:\/\/(?:[^@/]*@)?([^/?#]+)/i.exec(url);
  return m ? m[1] : url;
}

function endpoint(e: RunConfig['roles']['user'] | undefined): string {
  if (!e) return 'none';
  return e.kind === 'openai'
    ? `${e.model} @ ${host(e.baseURL)}`
    : `embedded ${e.modelPath ? e.modelPath.split('/').pop() : 'SmolLM2-135M-Instruct'}`;
}

export function policyName(p: ModelRef | null | undefined): string {
  if (!p) return 'the configured assistant';
  if (p.kind === 'endpoint') return `${p.adapter ?? p.model} @ ${host(p.baseURL)}`;
  const file = (f: string) => f.split('/').pop() ?? f;
  return p.loraPath ? `${file(p.path)} + ${file(p.loraPath)}` : file(p.path);
}

/** What training a cycle asks for: `SFT 24 steps + GRPO 4 steps` (or `nothing`). */
export function trainPlan(config: RunConfig): string {
  if (config.train.backend === 'none') return 'no training (backend none)';
  const t = config.train.trainer as { sft?: { maxSteps?: number }; grpo?: { maxSteps?: number } };
  const parts = [
    config.train.sft
      ? `SFT ${t.sft?.maxSteps ?? 'default'} steps${config.train.demonstrations && config.train.replayCycles ? ` (replaying up to ${config.train.replayCycles} earlier cycles)` : ''}`
      : '',
    config.train.grpo ? `GRPO ${t.grpo?.maxSteps ?? 'default'} steps` : '',
  ];
  return parts.filter(Boolean).join(' + ') || 'nothing';
}

/** `0 (1 of 3)`: cycles are numbered from 0 everywhere, as in their workflow ids (`run/cycle-0`); "1/3"
 * would read as a fraction (the UI typesets it as one) and as a different numbering. */
const ordinal = (cycle: number, max: number) => `${cycle} (${cycle + 1} of ${max})`;

export function runSummary(config: RunConfig): string {
  return `InfTool run ${config.name}: ${config.cycles.max} cycle(s) of ${config.synthesis.perCycle} trajectories, policy ${endpoint(config.roles.assistant)}`;
}

export function runDetails(config: RunConfig): string {
  return [
    `### InfTool run \`${config.name}\``,
    `- **cycles**: ${config.cycles.max}${config.cycles.targetScore ? `, stop at validation ${pct(config.cycles.targetScore)}` : ''}${config.cycles.patience ? `, patience ${config.cycles.patience}` : ''}`,
    `- **synthesis**: ${config.synthesis.perCycle} trajectories per cycle in batches of ${config.synthesis.batchSize}; ${config.synthesis.categories.join(', ')}`,
    `- **roles**: user ${endpoint(config.roles.user)}; assistant (policy) ${endpoint(config.roles.assistant)}; simulator ${endpoint(config.roles.simulator)}` +
      (config.roles.judge ? `; judge ${endpoint(config.roles.judge)}` : ''),
    `- **train**: ${config.train.backend === 'none' ? trainPlan(config) : `${config.train.backend}, ${trainPlan(config)}`}`,
    `- **evaluate**: BFCL ${config.evaluate.categories.join(', ')}${config.evaluate.limit ? ` (${config.evaluate.limit} per category, fixed seeded selection)` : ''}; ` +
      `validation pool of up to ${config.evaluate.poolSize}; baseline ${config.evaluate.baseline ? 'before cycle 0 trains' : 'off'}`,
    `- **steer**: signals \`pause\`, \`resume\`, \`stop\` (or the \`requestStop\` update); query \`status\``,
    UI_SPACER,
  ].join('\n');
}

export function cycleSummary(config: RunConfig, cycle: number, policy: ModelRef): string {
  return `${config.name} cycle ${ordinal(cycle, config.cycles.max)}: synthesize → verify → ${cycle === 0 && config.evaluate.baseline ? 'baseline → ' : ''}train → evaluate → target gaps; policy ${policyName(policy)}`;
}

export type CycleProgress = {
  cycle: number;
  stage: StageUpdate['stage'];
  paused: boolean;
  batchesDone?: number;
  batches?: number;
  trajectories?: number;
  accepted?: number;
  rlPrompts?: number;
  rejectedByGate?: Record<string, number>;
  baseline?: Scores;
  scores?: Scores;
  /** cycles.keepBest: whether this cycle's policy goes forward, and whose policy the next cycle starts from. */
  kept?: boolean;
  incumbentCycle?: number;
  /** cycles.keepBestAlpha: the pool items gained and lost against the incumbent, and the sign test's p. */
  paired?: { gained: number; lost: number; pWorse: number };
  waitingFor?: string;
};

function scoreLines(scores: Scores | undefined, baseline: Scores | undefined | null): string[] {
  if (!scores) return [];
  const bfcl = scores.bfcl['group/non_live_ast_mean'] ?? scores.bfcl['group/overall'];
  const bb = baseline?.bfcl['group/non_live_ast_mean'] ?? baseline?.bfcl['group/overall'];
  return [
    `- **scores**: BFCL ${pct(bfcl)}${pts(bfcl, bb)}, validation pool ${pct(scores.poolOverall)}${pts(scores.poolOverall, baseline?.poolOverall)}`,
  ];
}

/** The policy the run goes on from, by the cycle that made it (-1: the starting policy). */
export function whose(cycle: number | undefined): string {
  return cycle === undefined || cycle < 0 ? 'the starting policy' : `cycle ${cycle}'s policy`;
}

/** The cycle workflow's live details: stage, progress, acceptance by gate, scores beside the baseline. */
export function cycleDetails(p: CycleProgress): string {
  const lines = [`### cycle ${p.cycle}: ${p.stage}${p.paused ? ' (paused)' : ''}`];
  if (p.batches) lines.push(`- **synthesis**: ${p.batchesDone ?? 0}/${p.batches} batches`);
  if (p.trajectories !== undefined) {
    const gates = Object.entries(p.rejectedByGate ?? {})
      .filter(([k]) => !k.includes('/'))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(
      `- **verified**: ${p.accepted ?? 0}/${p.trajectories} accepted, ${p.rlPrompts ?? 0} RL prompts${gates ? `; rejected by ${gates}` : ''}`,
    );
  }
  if (p.baseline) lines.push(...scoreLines(p.baseline, null).map((l) => l.replace('**scores**', '**baseline**')));
  lines.push(...scoreLines(p.scores, p.baseline));
  if (p.kept !== undefined)
    lines.push(
      (p.kept
        ? p.paired
          ? '- **kept**: this policy goes forward (not worse beyond chance than the incumbent on the validation pool)'
          : '- **kept**: this policy goes forward (at least the incumbent on the validation pool)'
        : `- **not kept**: ${p.paired ? 'worse beyond chance than' : 'below'} the incumbent on the validation pool; the next cycle starts from ${whose(p.incumbentCycle)}`) +
        (p.paired
          ? ` (pool items gained ${p.paired.gained}, lost ${p.paired.lost}; sign test p = ${p.paired.pWorse.toFixed(3)})`
          : ''),
    );
  if (p.waitingFor) lines.push(`- **waiting for**: ${p.waitingFor}`);
  return [...lines, UI_SPACER].join('\n');
}

/** The run's live details: where it is, each finished cycle against the baseline, what it waits for. */
export function runCurrentDetails(s: RunStatus): string {
  const lines = [
    `### cycle ${ordinal(s.cycle, s.maxCycles)}: ${s.stage}${s.paused ? ' (paused)' : ''}${s.stopRequested ? ' (stopping)' : ''}`,
  ];
  const c = s.counts;
  if (c.batches) lines.push(`- **synthesis**: ${c.batchesDone ?? 0}/${c.batches} batches`);
  if (c.accepted !== undefined)
    lines.push(`- **accepted**: ${c.accepted} trajectories, ${c.rlPrompts ?? 0} RL prompts`);
  lines.push(`- **policy**: ${policyName(s.policy)}`);
  if (s.baseline) lines.push(...scoreLines(s.baseline, null).map((l) => l.replace('**scores**', '**baseline**')));
  for (const cy of s.cycles.slice(-5)) {
    lines.push(
      `- cycle ${cy.cycle}: accepted ${cy.accepted}/${cy.trajectories}` +
        (cy.scores ? `; ${scoreLines(cy.scores, s.baseline)[0].replace('- **scores**: ', '')}` : '') +
        (cy.kept === false ? `; not kept (next from ${whose(cy.carried)})` : ''),
    );
  }
  if (s.paused) lines.push('- **waiting for**: a `resume` signal');
  if (s.stopReason) lines.push(`- **ended**: ${s.stopReason}`);
  return [...lines, UI_SPACER].join('\n');
}
