// The summary of one finished cycle, written by the workflow's last stage: what the planner of the
// next cycle and the run report read. Small on purpose; details live in the artifacts it references.
import { z } from 'zod';
import { PlanSchema } from '../plan/types.js';

const Counts = z.record(z.number());

export const CycleRecordSchema = z.object({
  runId: z.string(),
  cycle: z.number().int().nonnegative(),
  plan: PlanSchema,
  synthesis: z.object({
    trajectories: z.number().int(),
    accepted: z.number().int(),
    /** Rejections by gate, and by `category/gate`. */
    rejectedByGate: Counts,
    rejectedByCategoryGate: Counts,
    acceptedByCategory: Counts,
    rlPrompts: z.number().int(),
    /** Optional: trajectories synthesized and accepted per tool set (the planner cuts low-yield tool sets). */
    byToolSet: z.record(z.object({ trajectories: z.number().int(), accepted: z.number().int() })).optional(),
    /** Optional: who wrote the requests (per turn: model, model-repaired, template) and where goal values came from. */
    requestSources: Counts.optional(),
    valueSources: Counts.optional(),
  }),
  training: z.object({
    backend: z.string(),
    steps: z.number().int(),
    /** One point per logged step: mean reward (and per-gate components), loss. */
    curve: z.array(z.object({ step: z.number(), reward: z.number(), loss: z.number().optional(), components: Counts.optional() })),
    callRate: z.number().optional(),
    policy: z.record(z.unknown()), // a ModelRef
  }),
  evaluation: z.object({
    /** BFCL accuracy per category (0..1), and summary groups. */
    bfcl: Counts,
    bfclSummary: Counts,
    /** Validation-split accuracy per synthetic category and counts per error type. */
    validation: Counts,
    validationErrors: Counts,
  }),
  /** Wall time (ms) and tokens per stage. */
  stages: z.record(z.object({ ms: z.number(), tokens: z.number().default(0) })),
  finishedAt: z.string(),
  /** Where this cycle's data lives in the artifact store (trajectories, rl_prompts, stats, card, evaluation). */
  artifacts: z.record(z.object({ key: z.string(), name: z.string() })).default({}),
});
export type CycleRecord = z.infer<typeof CycleRecordSchema>;
