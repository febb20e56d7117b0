// The planner's knobs and the run's stopping rules, as zod schemas with documented defaults; the
// rule they parameterize is written out in src/plan/README.md.
import { z } from 'zod';
import { strictEverywhere } from '../zod-strict.js';

/** A benchmark split, named as the user names it (e.g. `{benchmark: 'bfcl-v4', split: 'test'}`). */
export const BenchmarkSplitSchema = z.object({ benchmark: z.string().min(1), split: z.string().min(1) });
export type BenchmarkSplit = z.infer<typeof BenchmarkSplitSchema>;

const sameSplit = (a: BenchmarkSplit, b: BenchmarkSplit) =>
  a.benchmark.trim().toLowerCase() === b.benchmark.trim().toLowerCase() &&
  a.split.trim().toLowerCase() === b.split.trim().toLowerCase();

/** Strict at every depth: a typo (`flor`) is refused with its path, never replaced by the default. */
export const PlannerConfigSchema = strictEverywhere(
  z
    .object({
      /** Trajectories to synthesize per cycle; absent = keep the previous plan's total. */
      total: z.number().int().positive().optional(),
      /** Every category keeps at least this share, so mastered skills are still practised (not forgotten). */
      floor: z.number().min(0).max(1).default(0.04),
      /** No category takes more than this share, so one weak area cannot starve the rest. */
      ceiling: z.number().gt(0).max(1).default(0.5),
      /** Softmax temperature over weakness (1 - skill): lower = sharper focus on the weakest categories. */
      temperature: z.number().positive().default(0.25),
      /** Share of the previous cycle's weight carried over, which damps oscillation between cycles. */
      momentum: z.number().min(0).max(1).default(0.3),
      /** Pseudo-count pulling a category's accuracy toward the run's mean: few validation items, small swing. */
      smoothing: z.number().nonnegative().default(8),
      /** Skill at or above this is mastered: the category drops to the floor. */
      masteryThreshold: z.number().min(0).max(1).default(0.92),
      /** Weight of the training rollouts' pass rate in a category's skill (the rest is validation accuracy). */
      rolloutWeight: z.number().min(0).max(1).default(0.3),
      /** Group pass rate at/above which an RL prompt is easy (retired), at/below which it is hard (seeds). */
      rollouts: z
        .object({
          easyAt: z.number().min(0).max(1).default(1),
          hardAt: z.number().min(0).max(1).default(0.25),
        })
        .default({}),
      maxHardSeeds: z.number().int().nonnegative().default(64),
      /** Extra share inside a category for a tool set, per unit of its hard-rollout rate (1 = up to 2x). */
      hardSeedBoost: z.number().nonnegative().default(1),
      toolSets: z
        .object({
          /** Attempts below which a tool set's acceptance is too noisy to act on. */
          minAttempts: z.number().int().nonnegative().default(5),
          /** Acceptance below which a tool set's share is cut (its spec or simulator is wasting budget). */
          lowYield: z.number().min(0).max(1).default(0.2),
          lowYieldFactor: z.number().min(0).max(1).default(0.5),
        })
        .default({}),
      /** Difficulty level L in [min, max]: start + perCycle*cycle + skillGain*(skill - 0.5); mix = (1-L)^2, 2L(1-L), L^2. */
      difficulty: z
        .object({
          start: z.number().min(0).max(1).default(0.25),
          perCycle: z.number().default(0.1),
          skillGain: z.number().default(0.5),
          min: z.number().min(0).max(1).default(0.1),
          max: z.number().min(0).max(1).default(0.85),
        })
        .default({}),
      /** Error classes listed per category in `plan.focus` (the most frequent first). */
      focusClasses: z.number().int().nonnegative().default(2),
      /** The benchmark split the run REPORTS. The planner never reads it and refuses a dev split equal to it. */
      reported: BenchmarkSplitSchema.default({ benchmark: 'bfcl-v4', split: 'test' }),
      /** Optional: a separate dev split of a benchmark to steer by, mixed into validation accuracy with `weight`. */
      devSplit: BenchmarkSplitSchema.extend({ weight: z.number().min(0).max(1).default(0.5) }).optional(),
    })
    .superRefine((cfg, ctx) => {
      if (cfg.devSplit && sameSplit(cfg.devSplit, cfg.reported)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['devSplit'],
          message: `devSplit ${cfg.devSplit.benchmark}/${cfg.devSplit.split} is the reported split: steering by it would tune on the test set; name a separate dev split`,
        });
      }
      if (cfg.difficulty.min > cfg.difficulty.max) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['difficulty', 'min'],
          message: 'difficulty.min must not exceed difficulty.max',
        });
      }
      if (cfg.rollouts.hardAt >= cfg.rollouts.easyAt) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['rollouts', 'hardAt'],
          message: 'rollouts.hardAt must be below rollouts.easyAt',
        });
      }
    }),
);
export type PlannerConfig = z.infer<typeof PlannerConfigSchema>;
export type PlannerConfigInput = z.input<typeof PlannerConfigSchema>;

export { sameSplit };

/** When a run ends. Any rule that fires stops it; with no rule set the run never stops by itself. */
export const StopRulesSchema = z.object({
  /** Stop after this many finished cycles. */
  maxCycles: z.number().int().positive().optional(),
  /** Stop once the validation score (macro mean over categories) reaches this. */
  targetScore: z.number().min(0).max(1).optional(),
  /** Stop when the best score has not improved by more than `minDelta` for this many cycles. */
  patience: z.number().int().positive().optional(),
  minDelta: z.number().nonnegative().default(0.005),
});
export type StopRules = z.infer<typeof StopRulesSchema>;
