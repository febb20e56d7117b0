// Gap targeting: turns a cycle's held-out validation results, training-rollout consistency and
// synthesis statistics into the next cycle's plan (category mix, tool sets, difficulty, counts, reasons).
import { CATEGORIES, type Category, type Difficulty } from '../domain/category.js';
import type { CycleRecord } from '../domain/cycle-record.js';
import { apportion, boundedShares, normalize, stableHash } from './allocate.js';
import {
  PlannerConfigSchema,
  sameSplit,
  type BenchmarkSplit,
  type PlannerConfig,
  type PlannerConfigInput,
} from './config.js';
import { validationFromRecord, type CategoryAccuracy, type ValidationSummary } from './error-classes.js';
import { classifyRollouts, passRate, type RolloutConsistency } from './rollouts.js';
import { PlanSchema, type ErrorClass, type Plan, type PlanItem } from '../domain/plan.js';

const DIFFICULTIES: readonly Difficulty[] = ['easy', 'medium', 'hard'];
const fmt = (x: number) => x.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');

/** Which tool sets may serve a category (e.g. `multiple` needs tool sets with several tools). Absent = all. */
export type ToolSetsByCategory = Partial<Record<Category, string[]>>;

export type InitialPlanInput = {
  cycle: 0;
  categories: readonly Category[];
  toolSetIds: readonly string[];
  total: number;
  seed: number;
  toolSetsByCategory?: ToolSetsByCategory;
  config?: PlannerConfigInput;
};

export type NextPlanInput = {
  cycle: number;
  previous: Plan;
  /** From the held-out validation split (never trained on): `summarizeValidation` or `validationFromRecord`. */
  validation: ValidationSummary;
  synthesis: CycleRecord['synthesis'];
  rollouts?: RolloutConsistency[];
  /** Only when `config.devSplit` names it; refused if it is the reported split. */
  dev?: BenchmarkSplit & { perCategory: Partial<Record<Category, CategoryAccuracy>> };
  /** Tool sets of the next cycle (default: those of the previous plan); new ones join with factor 1. */
  toolSetIds?: readonly string[];
  toolSetsByCategory?: ToolSetsByCategory;
  config?: PlannerConfigInput;
};

function orderedCategories(cats: Iterable<string>): Category[] {
  const set = new Set(cats);
  return CATEGORIES.filter((c) => set.has(c));
}

/** Difficulty level in [min, max] and the binomial mix it implies. */
function difficultyMix(cfg: PlannerConfig, cycle: number, skill: number | undefined) {
  const d = cfg.difficulty;
  const raw = d.start + d.perCycle * cycle + (skill === undefined ? 0 : d.skillGain * (skill - 0.5));
  const level = Math.min(d.max, Math.max(d.min, raw));
  const mix = { easy: (1 - level) ** 2, medium: 2 * level * (1 - level), hard: level ** 2 };
  const why =
    skill === undefined
      ? `level ${fmt(level)} = start ${d.start} + ${d.perCycle}/cycle x ${cycle}`
      : `level ${fmt(level)} = start ${d.start} + ${d.perCycle}/cycle x ${cycle} + ${d.skillGain} x (skill ${fmt(skill)} - 0.5)`;
  const clamp = raw !== level ? `, clamped to [${d.min}, ${d.max}]` : '';
  return { level, mix, reason: `${why}${clamp}; mix easy/medium/hard = (1-L)^2, 2L(1-L), L^2` };
}

/** Splits each category's count over (tool set x difficulty) cells, largest remainder, seeded ties. */
function itemsFor(
  counts: Partial<Record<Category, number>>,
  mixes: Partial<Record<Category, Record<Difficulty, number>>>,
  toolShare: (c: Category) => Record<string, number>,
  seed: number,
): PlanItem[] {
  const items: PlanItem[] = [];
  for (const c of orderedCategories(Object.keys(counts))) {
    const share = toolShare(c);
    const cells: Record<string, number> = {};
    for (const ts of Object.keys(share))
      for (const d of DIFFICULTIES) cells[`${ts}\u0000${d}`] = share[ts] * mixes[c]![d];
    const split = apportion(cells, counts[c] ?? 0, stableHash(seed, c));
    for (const [cell, count] of Object.entries(split)) {
      if (count === 0) continue;
      const [toolSetId, difficulty] = cell.split('\u0000') as [string, Difficulty];
      items.push({ category: c, toolSetId, difficulty, count });
    }
  }
  return items;
}

function eligibleToolSets(c: Category, all: readonly string[], byCat?: ToolSetsByCategory): string[] {
  const allowed = byCat?.[c];
  const list = allowed ? all.filter((t) => allowed.includes(t)) : [...all];
  if (list.length === 0) {
    throw new Error(
      `planner: category '${c}' has no eligible tool set (toolSetsByCategory.${c} = ${JSON.stringify(allowed)} ` +
        `shares none with [${all.join(', ')}]); add a tool set that can serve it or drop the category`,
    );
  }
  return list;
}

/** Cycle 0: an even category mix, even tool sets, the configured starting difficulty. */
export function initialPlan(input: InitialPlanInput): Plan {
  const cfg = PlannerConfigSchema.parse(input.config ?? {});
  const categories = orderedCategories(input.categories);
  if (categories.length === 0)
    throw new Error('initialPlan: no categories given; pass at least one of ' + CATEGORIES.join(', '));
  if (input.toolSetIds.length === 0) throw new Error('initialPlan: no tool sets given; import a catalog first');
  if (!Number.isInteger(input.total) || input.total < 0)
    throw new Error(`initialPlan: total must be a non-negative integer, got ${input.total}`);
  const toolSetIds = [...new Set(input.toolSetIds)].sort();
  const w = 1 / categories.length;
  const weights = Object.fromEntries(
    categories.map((c) => [
      c,
      {
        weight: w,
        reason: `cycle 0: no validation results yet, so every category starts even (1/${categories.length})`,
      },
    ]),
  );
  const difficulty: NonNullable<Plan['difficulty']> = {};
  const mixes: Partial<Record<Category, Record<Difficulty, number>>> = {};
  for (const c of categories) {
    const m = difficultyMix(cfg, 0, undefined);
    mixes[c] = m.mix;
    difficulty[c] = { ...m.mix, level: m.level, reason: m.reason };
  }
  const counts = apportion(
    Object.fromEntries(categories.map((c) => [c, w])),
    input.total,
    input.seed,
    input.total >= categories.length ? 1 : 0,
  );
  const items = itemsFor(
    counts,
    mixes,
    (c) => Object.fromEntries(eligibleToolSets(c, toolSetIds, input.toolSetsByCategory).map((t) => [t, 1])),
    input.seed,
  );
  return PlanSchema.parse({
    cycle: 0,
    items,
    weights,
    hardSeeds: [],
    seed: input.seed,
    total: input.total,
    difficulty,
    toolSets: Object.fromEntries(toolSetIds.map((t) => [t, { factor: 1, reason: 'cycle 0: even share' }])),
    focus: {},
    retiredPrompts: [],
  });
}

/** Where a category stands, and the words that explain it. */
type Standing = { skill: number; parts: string[] };

/**
 * The next cycle's plan. Deterministic: same inputs, same plan (tie-breaks come from `previous.seed`).
 * The rule is written out in src/plan/README.md; every weight carries its own arithmetic as its reason.
 */
export function planNextCycle(input: NextPlanInput): Plan {
  const cfg = PlannerConfigSchema.parse(input.config ?? {});
  const prev = PlanSchema.parse(input.previous);
  if (input.cycle !== prev.cycle + 1) {
    throw new Error(
      `planNextCycle: cycle ${input.cycle} does not follow the previous plan's cycle ${prev.cycle}; pass cycle ${prev.cycle + 1}`,
    );
  }
  if (input.dev) {
    if (sameSplit(input.dev, cfg.reported)) {
      throw new Error(
        `planNextCycle: dev results come from ${input.dev.benchmark}/${input.dev.split}, the reported split; the planner never steers by the test set`,
      );
    }
    if (!cfg.devSplit || !sameSplit(input.dev, cfg.devSplit)) {
      throw new Error(
        `planNextCycle: dev results for ${input.dev.benchmark}/${input.dev.split} were passed but config.devSplit ` +
          `${cfg.devSplit ? `names ${cfg.devSplit.benchmark}/${cfg.devSplit.split}` : 'is not set'}; name that split in the planner config to steer by it`,
      );
    }
  }
  const seed = stableHash(prev.seed ?? 0, `cycle-${input.cycle}`) & 0x7fffffff;
  const total = cfg.total ?? prev.total ?? prev.items.reduce((a, i) => a + i.count, 0);
  const categories = orderedCategories([...Object.keys(prev.weights), ...prev.items.map((i) => i.category)]);
  if (categories.length === 0)
    throw new Error('planNextCycle: the previous plan names no category; start from initialPlan');
  const toolSetIds = [...new Set(input.toolSetIds ?? prev.items.map((i) => i.toolSetId))].sort();
  if (toolSetIds.length === 0)
    throw new Error('planNextCycle: no tool sets (the previous plan had no items); pass toolSetIds');

  // 1. Skill per category: smoothed validation accuracy, optionally a dev split, and rollout pass rate.
  const val = input.validation.perCategory;
  let okSum = 0,
    nSum = 0;
  for (const c of categories) {
    okSum += (val[c]?.acc ?? 0) * (val[c]?.n ?? 0);
    nSum += val[c]?.n ?? 0;
  }
  const mean = nSum > 0 ? okSum / nSum : 0.5;
  const groups = (input.rollouts ?? []).filter((g) => categories.includes(g.category));
  const standing: Partial<Record<Category, Standing>> = {};
  for (const c of categories) {
    const v = val[c];
    const n = v?.n ?? 0;
    const smoothed = ((v?.acc ?? 0) * n + mean * cfg.smoothing) / (n + cfg.smoothing || 1);
    const parts = [
      n > 0
        ? `validation acc ${fmt(v!.acc)} (n=${n}), smoothed toward run mean ${fmt(mean)} -> ${fmt(smoothed)}`
        : `no validation items; assumed run mean ${fmt(mean)}`,
    ];
    let skill = smoothed;
    const d = input.dev?.perCategory[c];
    if (d && cfg.devSplit && d.n > 0) {
      skill = (1 - cfg.devSplit.weight) * skill + cfg.devSplit.weight * d.acc;
      parts.push(
        `dev split ${cfg.devSplit.benchmark}/${cfg.devSplit.split} acc ${fmt(d.acc)} (n=${d.n}) at weight ${cfg.devSplit.weight} -> ${fmt(skill)}`,
      );
    }
    const mine = groups.filter((g) => g.category === c);
    if (mine.length > 0 && cfg.rolloutWeight > 0) {
      const rate = mine.reduce((a, g) => a + g.passes, 0) / mine.reduce((a, g) => a + g.group, 0);
      skill = (1 - cfg.rolloutWeight) * skill + cfg.rolloutWeight * rate;
      parts.push(
        `rollout pass rate ${fmt(rate)} (${mine.length} groups) at weight ${cfg.rolloutWeight} -> skill ${fmt(skill)}`,
      );
    }
    standing[c] = { skill, parts };
  }

  // 2. Weights: mastered -> floor; the rest softmax(weakness / T), blended with last cycle's weight, bounded.
  const mastered = categories.filter((c) => standing[c]!.skill >= cfg.masteryThreshold);
  const learning = categories.filter((c) => !mastered.includes(c));
  if (cfg.floor * categories.length > 1 + 1e-12) {
    throw new Error(
      `planner floor ${cfg.floor} x ${categories.length} categories exceeds 1; lower config.floor below ${fmt(1 / categories.length)}`,
    );
  }
  const prevW = normalize(
    Object.fromEntries(categories.map((c) => [c, prev.weights[c]?.weight ?? 1 / categories.length])),
  );
  const weights: Plan['weights'] = {};
  if (learning.length === 0) {
    for (const c of categories)
      weights[c] = {
        weight: 1 / categories.length,
        reason: `${standing[c]!.parts.join('; ')}; every category is mastered (skill >= ${cfg.masteryThreshold}), so the mix is even`,
      };
  } else {
    const maxWeak = Math.max(...learning.map((c) => 1 - standing[c]!.skill));
    const soft = normalize(
      Object.fromEntries(learning.map((c) => [c, Math.exp((1 - standing[c]!.skill - maxWeak) / cfg.temperature)])),
    );
    const prevLearning = normalize(Object.fromEntries(learning.map((c) => [c, prevW[c]])));
    const blended = Object.fromEntries(
      learning.map((c) => [c, (1 - cfg.momentum) * soft[c] + cfg.momentum * prevLearning[c]]),
    );
    const mass = 1 - cfg.floor * mastered.length;
    const bounded = boundedShares(blended, mass, cfg.floor, cfg.ceiling);
    for (const c of mastered) {
      weights[c] = {
        weight: cfg.floor,
        reason: `${standing[c]!.parts.join('; ')}; mastered (skill >= ${cfg.masteryThreshold}): kept at the floor ${cfg.floor} so it is not forgotten`,
      };
    }
    for (const c of learning) {
      const s = standing[c]!;
      const bound = bounded.atFloor.has(c)
        ? `; raised to the floor ${cfg.floor}`
        : bounded.atCeiling.has(c)
          ? `; capped at the ceiling ${cfg.ceiling}`
          : '';
      weights[c] = {
        weight: bounded.shares[c],
        reason:
          `${s.parts.join('; ')}; weakness ${fmt(1 - s.skill)} -> softmax(T=${cfg.temperature}) share ${fmt(soft[c])}` +
          `, blended with last cycle's ${fmt(prevLearning[c])} at momentum ${cfg.momentum}` +
          (mastered.length ? `, scaled to the ${fmt(mass)} left after ${mastered.length} mastered` : '') +
          bound,
      };
    }
  }
  // Errors the validation split showed most, per category: the reason says it and synthesis can aim at it.
  const focus: Partial<Record<Category, ErrorClass[]>> = {};
  for (const c of categories) {
    const errs = Object.entries(input.validation.errorClasses[c] ?? {}).filter(([, n]) => n > 0) as [
      ErrorClass,
      number,
    ][];
    errs.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    if (errs.length) {
      focus[c] = errs.slice(0, cfg.focusClasses).map(([k]) => k);
      weights[c].reason += `; top errors: ${errs
        .slice(0, 3)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`;
    }
  }
  for (const c of categories) weights[c].weight = Number(weights[c].weight.toFixed(6));

  // 3. Hard seeds and retired prompts from the rollout groups.
  const classes = classifyRollouts(groups, cfg.rollouts);
  const hardSeeds = classes.hard
    .slice(0, cfg.maxHardSeeds)
    .map((g) => ({ promptId: g.promptId, toolSetId: g.toolSetId, category: g.category }));
  const retiredPrompts = classes.easy.map((g) => g.promptId).sort();

  // 4. Tool sets: cut those whose synthesis acceptance is too low; inside a category, tilt toward hard rollouts.
  const toolSets: NonNullable<Plan['toolSets']> = {};
  for (const ts of toolSetIds) {
    const stats = input.synthesis.byToolSet?.[ts];
    const tcfg = cfg.toolSets;
    if (!stats) toolSets[ts] = { factor: 1, reason: 'no per-tool-set synthesis statistics; even share' };
    else if (stats.trajectories < tcfg.minAttempts)
      toolSets[ts] = {
        factor: 1,
        reason: `${stats.accepted}/${stats.trajectories} accepted: too few attempts (< ${tcfg.minAttempts}) to judge; even share`,
      };
    else {
      const y = stats.accepted / stats.trajectories;
      toolSets[ts] =
        y < tcfg.lowYield
          ? {
              factor: tcfg.lowYieldFactor,
              reason: `acceptance ${fmt(y)} (${stats.accepted}/${stats.trajectories}) below ${tcfg.lowYield}: share x${tcfg.lowYieldFactor}; check this tool set's spec and the simulator's rejections`,
            }
          : { factor: 1, reason: `acceptance ${fmt(y)} (${stats.accepted}/${stats.trajectories}); even share` };
    }
  }
  const toolShare = (c: Category) =>
    Object.fromEntries(
      eligibleToolSets(c, toolSetIds, input.toolSetsByCategory).map((ts) => {
        const mine = groups.filter((g) => g.category === c && g.toolSetId === ts);
        const hardRate = mine.length ? mine.filter((g) => passRate(g) <= cfg.rollouts.hardAt).length / mine.length : 0;
        return [ts, toolSets[ts].factor * (1 + cfg.hardSeedBoost * hardRate)];
      }),
    );

  // 5. Difficulty per category, then counts.
  const difficulty: NonNullable<Plan['difficulty']> = {};
  const mixes: Partial<Record<Category, Record<Difficulty, number>>> = {};
  for (const c of categories) {
    const m = difficultyMix(cfg, input.cycle, standing[c]!.skill);
    mixes[c] = m.mix;
    difficulty[c] = {
      easy: Number(m.mix.easy.toFixed(6)),
      medium: Number(m.mix.medium.toFixed(6)),
      hard: Number(m.mix.hard.toFixed(6)),
      level: Number(m.level.toFixed(6)),
      reason: m.reason,
    };
  }
  const minEach = cfg.floor > 0 && total >= categories.length ? 1 : 0;
  const counts = apportion(Object.fromEntries(categories.map((c) => [c, weights[c].weight])), total, seed, minEach);
  const items = itemsFor(counts, mixes, toolShare, seed);

  return PlanSchema.parse({
    cycle: input.cycle,
    items,
    weights,
    hardSeeds,
    seed,
    total,
    difficulty,
    toolSets,
    focus,
    retiredPrompts,
  });
}

/** Convenience for the workflow's last stage: the next plan from a finished cycle's record (never its BFCL numbers). */
export function planAfterCycle(
  record: CycleRecord,
  opts: Omit<NextPlanInput, 'cycle' | 'previous' | 'validation' | 'synthesis'> = {},
): Plan {
  return planNextCycle({
    ...opts,
    cycle: record.cycle + 1,
    previous: record.plan,
    validation: validationFromRecord(record),
    synthesis: record.synthesis,
  });
}
