// The numbers of a run report, derived from its cycle records alone: what report.json holds and what
// every chart and table of the HTML page shows (each page element points back here by JSON pointer).
import { z } from 'zod';
import { CATEGORIES, type Category } from '../domain/category.js';
import { errorClassTotals, splitCategoryKey } from '../plan/error-classes.js';
import { validationScore } from '../plan/stopping.js';
import { CycleRecordSchema, type CycleRecord, type FaultCounts, type Scores } from '../domain/cycle-record.js';

export const RunInfoSchema = z.object({
  runId: z.string(),
  title: z.string().optional(),
  /** Free-form lines shown under the title (model, specs, config file...). */
  notes: z.array(z.string()).default([]),
  /** The base policy the run started from, for the header. */
  baseModel: z.string().optional(),
});
export type RunInfo = z.input<typeof RunInfoSchema>;

export type CategoryAcceptance = { accepted: number; rejected: number; rate: number | null };

/** One logged training step. GRPO steps also carry what their rollouts looked like (from the trainer's
 * per-step components, trainer/inftool_trainer/rollouts.py): the spread of the rewards, the share of
 * groups whose rewards differed (the only ones that teach), the format-gate pass rate and the call rate. */
export type TrainingPoint = {
  step: number;
  reward: number;
  loss?: number;
  rewardStd?: number;
  groupsWithAdvantage?: number;
  gateFormat?: number;
  callRate?: number;
};

/** The step metrics the report plots, by the name the trainer logs them under in `components`. */
const STEP_METRICS = {
  rewardStd: 'reward_std',
  groupsWithAdvantage: 'groups_with_advantage',
  gateFormat: 'gate_format',
  callRate: 'call_rate',
} as const;

function trainingPoint(p: CycleRecord['training']['curve'][number]): TrainingPoint {
  const out: TrainingPoint = {
    step: p.step,
    reward: round(p.reward),
    ...(p.loss !== undefined ? { loss: round(p.loss) } : {}),
  };
  if (p.components?.sft === 1) return out; // an SFT step has no rollouts
  for (const [field, name] of Object.entries(STEP_METRICS) as [keyof typeof STEP_METRICS, string][]) {
    const v = p.components?.[name];
    if (v !== undefined && Number.isFinite(v)) out[field] = round(v);
  }
  return out;
}

export type CycleReport = {
  cycle: number;
  finishedAt: string;
  bfcl: Record<string, number>;
  bfclOverall: number | null;
  validation: Partial<Record<Category, number>>;
  validationScore: number | null;
  errorClasses: Record<string, number>;
  /** cycles.keepBest: whether this cycle's policy went forward, and whose the next cycle started from (-1: the start). */
  selection: { kept: boolean; carried: number; gained?: number; lost?: number; pWorse?: number } | null;
  synthesis: {
    trajectories: number;
    accepted: number;
    acceptanceRate: number | null;
    rlPrompts: number;
    rejectedByGate: Record<string, number>;
    acceptanceByCategory: Partial<Record<Category, CategoryAcceptance>>;
  };
  /** This cycle's policy on the run's fixed items (BFCL selection, validation pool); null for older records. */
  scores: Scores | null;
  /** Endpoint faults met during the cycle, per role (requests, retries, throttles, outages waited out, ...); null for older records. */
  faults: Record<string, FaultCounts> | null;
  training: {
    backend: string;
    steps: number;
    firstReward: number | null;
    lastReward: number | null;
    curve: TrainingPoint[];
  };
  stages: Record<string, { ms: number; tokens: number }>;
  plan: {
    total: number;
    weights: Partial<Record<Category, { weight: number; reason: string }>>;
    counts: Partial<Record<Category, number>>;
    /** The category with the largest weight: where this cycle's synthesis was aimed. */
    focusCategory: Category | null;
    hardSeeds: number;
    retiredPrompts: number;
  };
};

export type ReportData = {
  schema: 'inftool.report/v1';
  run: z.infer<typeof RunInfoSchema>;
  categories: Category[];
  bfclCategories: string[];
  gates: string[];
  stageNames: string[];
  errorClasses: string[];
  cycles: CycleReport[];
  /** The starting policy on the same fixed items, before cycle 0 trained; null when the run took none. */
  baseline: Scores | null;
  /** Gain in points (fraction x 100) of the last cycle over the baseline, per row of the scores table. */
  gains: Record<string, number>;
  summary: {
    cycles: number;
    bfclFirst: number | null;
    bfclLast: number | null;
    bfclDelta: number | null;
    validationFirst: number | null;
    validationLast: number | null;
    validationDelta: number | null;
    trajectories: number;
    accepted: number;
    acceptanceRate: number | null;
    tokens: number;
    hours: number;
    /** The lowest-scoring validation category of the last cycle, and its weight in the next plan. */
    weakest: { category: Category; validation: number } | null;
  };
};

const round = (x: number, d = 6) => Number(x.toFixed(d));
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const sortedKeys = (objs: Array<Record<string, unknown>>) => [...new Set(objs.flatMap((o) => Object.keys(o)))].sort();

function cycleReport(r: CycleRecord): CycleReport {
  const bfcl = Object.fromEntries(Object.entries(r.evaluation.bfcl).map(([k, v]) => [k, round(v)]));
  const overall = r.evaluation.bfclSummary.overall ?? mean(Object.values(r.evaluation.bfcl));
  const validation: Partial<Record<Category, number>> = {};
  for (const c of CATEGORIES)
    if (r.evaluation.validation[c] !== undefined) validation[c] = round(r.evaluation.validation[c]);
  const vs = validationScore(r);
  const rejectedByCat: Partial<Record<Category, number>> = {};
  for (const [key, n] of Object.entries(r.synthesis.rejectedByCategoryGate)) {
    const split = splitCategoryKey(key);
    if (split) rejectedByCat[split.category] = (rejectedByCat[split.category] ?? 0) + n;
  }
  const acceptanceByCategory: CycleReport['synthesis']['acceptanceByCategory'] = {};
  for (const c of CATEGORIES) {
    const accepted = r.synthesis.acceptedByCategory[c] ?? 0;
    const rejected = rejectedByCat[c] ?? 0;
    if (accepted + rejected === 0 && r.synthesis.acceptedByCategory[c] === undefined) continue;
    acceptanceByCategory[c] = {
      accepted,
      rejected,
      rate: accepted + rejected ? round(accepted / (accepted + rejected)) : null,
    };
  }
  const counts: Partial<Record<Category, number>> = {};
  for (const item of r.plan.items) counts[item.category] = (counts[item.category] ?? 0) + item.count;
  const weights: CycleReport['plan']['weights'] = {};
  for (const c of CATEGORIES)
    if (r.plan.weights[c]) weights[c] = { weight: round(r.plan.weights[c].weight), reason: r.plan.weights[c].reason };
  const focus = (Object.entries(weights) as [Category, { weight: number }][]).sort(
    (a, b) => b[1].weight - a[1].weight,
  )[0];
  const curve = r.training.curve.map(trainingPoint);
  const errs = errorClassTotals(r);
  return {
    cycle: r.cycle,
    finishedAt: r.finishedAt,
    bfcl,
    bfclOverall: overall === null ? null : round(overall),
    validation,
    validationScore: vs === undefined ? null : round(vs),
    errorClasses: Object.fromEntries(Object.entries(errs).sort()) as Record<string, number>,
    selection: r.selection ?? null,
    scores: r.evaluation.pool
      ? {
          bfcl: {
            ...r.evaluation.bfcl,
            ...Object.fromEntries(Object.entries(r.evaluation.bfclSummary).map(([k, v]) => [`group/${k}`, v])),
          },
          pool: r.evaluation.pool,
          poolOverall: r.evaluation.poolOverall ?? null,
        }
      : null,
    faults: r.faults ? { ...r.faults.byRole, total: r.faults.total } : null,
    synthesis: {
      trajectories: r.synthesis.trajectories,
      accepted: r.synthesis.accepted,
      acceptanceRate: r.synthesis.trajectories ? round(r.synthesis.accepted / r.synthesis.trajectories) : null,
      rlPrompts: r.synthesis.rlPrompts,
      rejectedByGate: Object.fromEntries(Object.entries(r.synthesis.rejectedByGate).sort()),
      acceptanceByCategory,
    },
    training: {
      backend: r.training.backend,
      steps: r.training.steps,
      firstReward: curve.length ? curve[0].reward : null,
      lastReward: curve.length ? curve[curve.length - 1].reward : null,
      curve,
    },
    stages: Object.fromEntries(Object.entries(r.stages).map(([k, v]) => [k, { ms: v.ms, tokens: v.tokens ?? 0 }])),
    plan: {
      total: r.plan.total ?? r.plan.items.reduce((a, i) => a + i.count, 0),
      weights,
      counts,
      focusCategory: focus ? focus[0] : null,
      hardSeeds: r.plan.hardSeeds.length,
      retiredPrompts: r.plan.retiredPrompts?.length ?? 0,
    },
  };
}

/** Validates the records (naming the bad one), orders them by cycle, keeps the last record per cycle. */
export function buildReportData(records: unknown[], runInfo: RunInfo): ReportData {
  const run = RunInfoSchema.parse(runInfo);
  const parsed = records.map((rec, i) => {
    const p = CycleRecordSchema.safeParse(rec);
    if (!p.success) {
      const issue = p.error.issues[0];
      throw new Error(`cycle record #${i} is not a CycleRecord: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    if (p.data.runId !== run.runId)
      throw new Error(
        `cycle record #${i} (cycle ${p.data.cycle}) belongs to run '${p.data.runId}', not '${run.runId}'`,
      );
    return p.data;
  });
  const byCycle = new Map<number, CycleRecord>();
  for (const r of parsed) {
    const seen = byCycle.get(r.cycle);
    if (!seen || seen.finishedAt < r.finishedAt) byCycle.set(r.cycle, r); // a retried cycle: the later record wins
  }
  const cycles = [...byCycle.values()].sort((a, b) => a.cycle - b.cycle).map(cycleReport);
  const categories = CATEGORIES.filter((c) =>
    cycles.some((cy) => cy.validation[c] !== undefined || cy.plan.weights[c] || cy.synthesis.acceptanceByCategory[c]),
  );
  const first = cycles[0];
  const last = cycles[cycles.length - 1];
  const diff = (a: number | null | undefined, b: number | null | undefined) =>
    a == null || b == null ? null : round(b - a);
  const trajectories = cycles.reduce((a, c) => a + c.synthesis.trajectories, 0);
  const accepted = cycles.reduce((a, c) => a + c.synthesis.accepted, 0);
  const baseline = [...byCycle.values()].find((r) => r.cycle === 0)?.baseline ?? null;
  const weakestEntry = last
    ? (Object.entries(last.validation) as [Category, number][]).sort((a, b) => a[1] - b[1])[0]
    : undefined;
  return {
    schema: 'inftool.report/v1',
    run,
    categories,
    bfclCategories: sortedKeys(cycles.map((c) => c.bfcl)),
    gates: sortedKeys(cycles.map((c) => c.synthesis.rejectedByGate)),
    stageNames: sortedStages(sortedKeys(cycles.map((c) => c.stages))),
    errorClasses: sortedKeys(cycles.map((c) => c.errorClasses)),
    cycles,
    baseline,
    gains: baseline && last?.scores ? gainsOver(baseline, last.scores) : {},
    summary: {
      cycles: cycles.length,
      bfclFirst: first?.bfclOverall ?? null,
      bfclLast: last?.bfclOverall ?? null,
      bfclDelta: diff(first?.bfclOverall, last?.bfclOverall),
      validationFirst: first?.validationScore ?? null,
      validationLast: last?.validationScore ?? null,
      validationDelta: diff(first?.validationScore, last?.validationScore),
      trajectories,
      accepted,
      acceptanceRate: trajectories ? round(accepted / trajectories) : null,
      tokens: cycles.reduce((a, c) => a + Object.values(c.stages).reduce((s, v) => s + v.tokens, 0), 0),
      hours: round(
        cycles.reduce((a, c) => a + Object.values(c.stages).reduce((s, v) => s + v.ms, 0), 0) / 3_600_000,
        4,
      ),
      weakest: weakestEntry ? { category: weakestEntry[0], validation: weakestEntry[1] } : null,
    },
  };
}

/** A row of the scores-against-the-baseline table: its label, its place in a Scores, and how to read it. */
export type ScoreRow = { label: string; path: string[]; pick: (s: Scores) => number | null | undefined };

const GROUP_ROWS: Array<[string, string]> = [
  ['group/non_live_ast_mean', 'BFCL non-live AST mean'],
  ['group/overall', 'BFCL overall'],
];

/**
 * The rows `status`, the demo, the loop-gain benchmark and the report show: BFCL per category, the non-live
 * AST mean and BFCL's overall where present, the fixed pool per category and overall.
 */
export function scoreRows(all: Scores[]): ScoreRow[] {
  const keys = (f: (s: Scores) => Record<string, number>, keep: (k: string) => boolean) =>
    [...new Set(all.flatMap((s) => Object.keys(f(s)).filter(keep)))].sort();
  return [
    ...keys(
      (s) => s.bfcl,
      (k) => !k.startsWith('group/'),
    ).map((k) => ({ label: `BFCL ${k}`, path: ['bfcl', k], pick: (s: Scores) => s.bfcl[k] })),
    ...GROUP_ROWS.filter(([k]) => all.some((s) => typeof s.bfcl[k] === 'number')).map(([k, label]) => ({
      label,
      path: ['bfcl', k],
      pick: (s: Scores) => s.bfcl[k],
    })),
    ...keys(
      (s) => s.pool,
      (k) => !k.startsWith('n/'),
    ).map((k) => ({ label: `pool ${k}`, path: ['pool', k], pick: (s: Scores) => s.pool[k] })),
    { label: 'pool overall', path: ['poolOverall'], pick: (s: Scores) => s.poolOverall },
    ...keys(
      (s) => s.official ?? {},
      () => true,
    ).map((k) => ({ label: `official ${k}`, path: ['official', k], pick: (s: Scores) => s.official?.[k] })),
  ];
}

/** `bfcl/<category>`, `pool/<category>`, `pool/overall` -> gain in points of `now` over `base`. */
export function gainsOver(base: Scores, now: Scores): Record<string, number> {
  const out: Record<string, number> = {};
  const pts = (a: number, b: number) => round((a - b) * 100, 2);
  for (const [k, v] of Object.entries(now.bfcl))
    if (typeof base.bfcl[k] === 'number') out[`bfcl/${k}`] = pts(v, base.bfcl[k]);
  for (const [k, v] of Object.entries(now.pool))
    if (!k.startsWith('n/') && typeof base.pool[k] === 'number') out[`pool/${k}`] = pts(v, base.pool[k]);
  if (now.poolOverall != null && base.poolOverall != null) out['pool/overall'] = pts(now.poolOverall, base.poolOverall);
  for (const [k, v] of Object.entries(now.official ?? {}))
    if (typeof base.official?.[k] === 'number') out[`official/${k}`] = pts(v, base.official[k]);
  return out;
}

const STAGE_ORDER = ['prepare', 'synthesize', 'verify', 'baseline', 'train', 'evaluate', 'target_gaps', 'plan'];
function sortedStages(names: string[]): string[] {
  const rank = (n: string) => (STAGE_ORDER.includes(n) ? STAGE_ORDER.indexOf(n) : STAGE_ORDER.length);
  return [...names].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
}
