// The summary of one finished cycle, written by the workflow's last stage: what the planner of the
// next cycle and the run report read. Small on purpose; details live in the artifacts it references.
import { z } from 'zod';
import { PlanSchema } from './plan.js';

const Counts = z.record(z.number());

/** One policy's scores on the run's fixed items (the BFCL selection and the validation pool). */
export const ScoresSchema = z.object({
  /** BFCL accuracy per category, and summary groups as `group/<name>` (0..1). */
  bfcl: Counts,
  /** Fixed validation pool accuracy per synthetic category, and `n/<category>` counts. */
  pool: Counts,
  poolOverall: z.number().nullable(),
  /** The official BFCL harness's accuracy per category (evaluate.official), where configured. */
  official: Counts.optional(),
  /** Where the BFCL replies and verdicts behind these scores are (error analysis). */
  bfclRef: z.object({ key: z.string(), name: z.string() }).optional(),
});
export type Scores = z.infer<typeof ScoresSchema>;
/** What went wrong between the run and its model endpoints, for one role (or a sum). */
export const FaultCountsSchema = z.object({
  requests: z.number().int(),
  /** Requests asked again after a transport error, timeout, 408/409/429/5xx or garbage body. */
  retries: z.number().int(),
  /** HTTP 429 answers. */
  throttles: z.number().int(),
  /** Times the client's retry budget ran out and the activity waited the outage out (Temporal retried it). */
  outages: z.number().int(),
  /** HTTP 200 bodies that were not a chat completion (HTML, cut-off JSON). */
  garbage: z.number().int(),
  /** Replies the model gave that broke the requested format (kept as data). */
  malformed: z.number().int(),
  /** Requests that gave up for good or were refused (4xx), outages included. */
  failures: z.number().int(),
});
export type FaultCounts = z.infer<typeof FaultCountsSchema>;

export const CycleFaultsSchema = z.object({
  /** stage -> role -> counts. */
  byStage: z.record(z.record(FaultCountsSchema)),
  byRole: z.record(FaultCountsSchema),
  total: FaultCountsSchema,
});
export type CycleFaults = z.infer<typeof CycleFaultsSchema>;

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
    curve: z.array(
      z.object({ step: z.number(), reward: z.number(), loss: z.number().optional(), components: Counts.optional() }),
    ),
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
    /** The fixed validation pool alone (what cycles and the baseline are compared on). */
    pool: Counts.optional(),
    poolOverall: z.number().nullable().optional(),
    /** The official harness's accuracy per category (evaluate.official); reported, never steering. */
    official: Counts.optional(),
  }),
  /** Cycle 0: the starting policy on the same fixed items, before any training. */
  baseline: ScoresSchema.optional(),
  /** cycles.keepBest: whether this cycle's policy went forward, whose the next cycle starts from (-1: the start), and (keepBestAlpha) the pool items it
   * gained and lost against the incumbent with the sign test's P(at least that many lost | no difference). */
  selection: z
    .object({
      kept: z.boolean(),
      carried: z.number().int(),
      gained: z.number().int().optional(),
      lost: z.number().int().optional(),
      pWorse: z.number().optional(),
    })
    .optional(),
  /** Endpoint faults per stage and role: retries, throttles, outages waited out, garbage and malformed replies. */
  faults: CycleFaultsSchema.optional(),
  /** Wall time (ms) and tokens per stage. */
  stages: z.record(z.object({ ms: z.number(), tokens: z.number().default(0) })),
  finishedAt: z.string(),
  /** Where this cycle's data lives in the artifact store (trajectories, rl_prompts, stats, card, evaluation). */
  artifacts: z.record(z.object({ key: z.string(), name: z.string() })).default({}),
});
export type CycleRecord = z.infer<typeof CycleRecordSchema>;
