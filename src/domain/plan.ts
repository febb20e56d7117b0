// A cycle's plan is data: which categories, tool sets and difficulties to synthesize, how many of
// each, and why. Stored per cycle so a run's story can be read back.
import { z } from 'zod';
import { CategorySchema, DifficultySchema } from './category.js';

export const PlanItemSchema = z.object({
  category: CategorySchema,
  toolSetId: z.string(),
  difficulty: DifficultySchema,
  count: z.number().int().nonnegative(),
});
export type PlanItem = z.infer<typeof PlanItemSchema>;

/** The planner's classes of failure, onto which BFCL's `error_type` strings are mapped (see src/plan/error-classes.ts). */
export const ERROR_CLASSES = [
  'wrong_function',
  'missing_argument',
  'extra_argument',
  'wrong_value',
  'wrong_type',
  'call_on_irrelevance',
  'no_call',
  'wrong_count',
  'wrong_state',
  'malformed',
  'other',
] as const;
export const ErrorClassSchema = z.enum(ERROR_CLASSES);
export type ErrorClass = z.infer<typeof ErrorClassSchema>;

export const PlanSchema = z.object({
  cycle: z.number().int().nonnegative(),
  items: z.array(PlanItemSchema),
  /** Category weights that produced the counts, and the reason for each. */
  weights: z.record(z.object({ weight: z.number(), reason: z.string() })).default({}),
  /** Hard RL prompts of the previous cycle whose tool set and category seed new goals. */
  hardSeeds: z.array(z.object({ promptId: z.string(), toolSetId: z.string(), category: CategorySchema })).default([]),
  // Optional additions, so plans written (or typed as literals) before them stay valid:
  /** The seed every tie-break of this plan derives from; the next plan derives its own from it. */
  seed: z.number().int().optional(),
  /** Trajectories to synthesize this cycle (the sum of item counts). */
  total: z.number().int().nonnegative().optional(),
  /** Per category: the difficulty mix used to split its count, and why. */
  difficulty: z
    .record(
      z.object({
        easy: z.number(),
        medium: z.number(),
        hard: z.number(),
        level: z.number(),
        reason: z.string(),
      }),
    )
    .optional(),
  /** Per tool set: the share factor applied inside each category (1 = even), and why. */
  toolSets: z.record(z.object({ factor: z.number(), reason: z.string() })).optional(),
  /** Per category: the error classes the validation split showed most, so synthesis can aim its goals at them. */
  focus: z.record(z.array(ErrorClassSchema)).optional(),
  /** RL prompts the policy solved in every rollout: no GRPO signal left, drop them from the training pool. */
  retiredPrompts: z.array(z.string()).optional(),
});
export type Plan = z.infer<typeof PlanSchema>;
