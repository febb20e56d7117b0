// The one run configuration (YAML or JSON), validated with zod before anything starts: an invalid
// file is refused with the field path and the reason, an unknown key at any depth included (strictEverywhere).
// Secrets are named by env var, never stored.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CategorySchema, DifficultySchema } from './domain/category.js';
import { EndpointConfigSchema, endpointSlots } from './llm/types.js';
import { PlannerConfigSchema } from './plan/config.js';
import { TrainConfigSchema } from './train/job.js';
import { checkedAsWritten, strictEverywhere } from './zod-strict.js';

const LocalDefault = { kind: 'local' as const };

/** `train.trainer.sft.enabled` would be overridden by `train.sft` (the stage decides per cycle): refused, not ignored. */
function phaseSwitchesAtTheTop(train: { trainer: Record<string, unknown> }, ctx: z.RefinementCtx): void {
  for (const phase of ['sft', 'grpo'] as const) {
    const block = train.trainer[phase] as { enabled?: unknown } | undefined;
    if (block?.enabled !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['trainer', phase, 'enabled'],
        message: `set train.${phase} instead: the train stage switches phases on and off`,
      });
    }
  }
}

export const RunConfigSchema = strictEverywhere(
  z.object({
    /** Names the run; the workflow id is `run-<name>` unless given on the command line. */
    name: z
      .string()
      .regex(/^[a-zA-Z0-9_.-]+$/, 'letters, digits, . _ - only')
      .default('demo'),
    seed: z.number().int().default(7),
    specs: z
      .object({
        /** Spec files or MCP servers to import; empty = the bundled examples. */
        sources: z.array(z.string()).default([]),
        /** Only these tool sets (ids); empty = all. */
        toolSets: z.array(z.string()).default([]),
      })
      .default({}),
    cycles: z
      .object({
        max: z.number().int().positive().default(2),
        /** Stop once the validation accuracy reaches this. */
        targetScore: z.number().min(0).max(1).optional(),
        /** Stop after this many cycles without improvement. */
        patience: z.number().int().positive().optional(),
        /**
         * Keep a cycle's policy only if it scores at least the incumbent's (the starting policy's, then the last kept
         * one's) on the fixed validation pool; otherwise the next cycle synthesizes and trains from the incumbent. The
         * choice is made on synthetic items only, never on BFCL. Off: every cycle carries its own policy forward.
         */
        keepBest: z.boolean().default(false),
        /**
         * With keepBest: 0 keeps a cycle's policy only if its pool score is at least the incumbent's. Above 0, the
         * pool's items are compared pair by pair and the policy is kept unless it is worse beyond chance: a one-sided
         * sign test over the items whose verdict changed gives P(at least that many lost | no difference) below
         * this level. On a pool of 40 noisy synthetic items a drop of 4 items (lost 5, gained 1: p = 0.11) is noise,
         * a tip to answering in text (lost 12, gained 1: p = 0.002) is not.
         */
        keepBestAlpha: z.number().min(0).max(0.5).default(0),
      })
      .default({}),
    synthesis: z
      .object({
        /** Tasks (trajectories) per cycle. */
        perCycle: z.number().int().positive().default(12),
        /** Tasks per synthesis activity: small enough to retry cheaply, large enough to stay far from history limits. */
        batchSize: z.number().int().positive().default(4),
        /** Synthesis activities running at once (Temporal allows 2,000 pending activities or child workflows per workflow). */
        parallelBatches: z.number().int().positive().max(2000).default(2),
        /**
         * Synthesis activities kept in flight beyond `parallelBatches` (default a quarter of it, 1 to 4; 0 when the
         * user, assistant and simulator roles are all `kind: local`, whose model time is the machine's own CPU).
         * A worker runs at most `parallelBatches` of a cycle's trajectories at once (slots:
         * src/activities/batch-slots.ts), so a waiting batch is ready the moment one ends and a lane's model calls
         * never wait for Temporal's round trip between batches; a slot no batch waits for (the cycle's tail) runs a
         * running batch's next trajectory beside its own. 0 runs exactly `parallelBatches` activities of one
         * trajectory at a time, as before, which is also the only setting that bounds a cycle spread over several
         * workers to `parallelBatches` in all (with lookahead each worker holds to it on its own; each endpoint's
         * `concurrency` bounds its requests).
         */
        lookaheadBatches: z.number().int().nonnegative().max(2000).optional(),
        /**
         * A cycle of at most this many batches runs them as activities of the cycle workflow itself (each one on its
         * History timeline). A larger one runs `parallelBatches` lane workflows (`<cycle>/synthesize-<lane>`), each a
         * loop over its share of the batches that continues as new every `laneSegmentBatches`, so no workflow's
         * history grows with the size of the cycle (README "Scale").
         */
        inlineBatches: z.number().int().nonnegative().default(256),
        laneSegmentBatches: z.number().int().positive().default(500),
        /**
         * A cycle tells its run how many batches are done at most this often (workflow time), besides the first
         * batch and the last: each report costs a workflow task in the cycle and one in the run. The cycle's own
         * details in the Temporal UI show every batch.
         */
        progressIntervalMs: z.number().int().nonnegative().default(1000),
        categories: z.array(CategorySchema).min(1).default(['simple', 'multiple', 'parallel', 'irrelevance']),
        difficulty: DifficultySchema.default('easy'),
        maxAssistantSteps: z.number().int().positive().default(4),
      })
      .default({}),
    roles: z
      .object({
        user: EndpointConfigSchema.default(LocalDefault),
        assistant: EndpointConfigSchema.default(LocalDefault),
        /** Its `maxTokens` and `temperature` bound each simulated tool result (the MCP server's replies). */
        simulator: EndpointConfigSchema.default({ kind: 'local', temperature: 0.3 }),
        judge: EndpointConfigSchema.optional(),
      })
      .default({}),
    train: z
      .object({
        backend: z.enum(['local', 'temporal', 'none']).default('local'),
        /** Task queue polled by the Python GPU workers (backend 'temporal'). */
        taskQueue: z.string().default('inftool-train'),
        /** Heartbeat timeout of the remote trainPolicy activity: how soon a dead GPU worker's job moves to another one.
         * The worker beats every step and every 2 s in between (model loading included). */
        remoteHeartbeatSeconds: z.number().int().positive().default(30),
        sft: z.boolean().default(true),
        /**
         * Goal demonstrations in the SFT data: each train-split prompt whose rollout failed also teaches "this
         * request, then the goal's exact calls" (src/verify/demonstrations.ts). For a weak starting policy.
         */
        demonstrations: z.boolean().default(false),
        /**
         * With demonstrations: at least this share of the whole SFT set declines (accepted declining trajectories
         * counted; the rest are calling demonstrations' requests offered an unrelated tool set, answered without a
         * call), so imitation does not teach "always call".
         */
        declineShare: z.number().min(0).max(0.9).default(0.3),
        /**
         * With demonstrations: each single-call one once more with one or two unrelated tools mixed into its own, the
         * reply unchanged, so choosing the right tool among several is taught too. Off by default.
         */
        distractors: z.boolean().default(false),
        /**
         * With demonstrations: the SFT set of a cycle also holds the SFT rows of up to this many earlier cycles
         * (their accepted trajectories and goal demonstrations, each cycle's decline share kept), newest first, so a
         * cycle learns from more than its own few goals. GRPO keeps to the cycle's own prompts. 0: off.
         */
        replayCycles: z.number().int().min(0).max(50).default(0),
        grpo: z.boolean().default(true),
        /** The trainer's typed config (steps, lr, group size, LoRA, ...): src/train/job.ts TrainConfigSchema, checked
         * here key by key and kept as written (the job fills the defaults). */
        trainer: checkedAsWritten(TrainConfigSchema).default({}),
        /**
         * The weights training starts from: a GGUF file or a Hugging Face model folder. Default: the assistant's
         * own GGUF (the embedded model). Needed when the assistant is a remote endpoint serving these weights.
         */
        baseModel: z.string().optional(),
      })
      .superRefine(phaseSwitchesAtTheTop)
      .default({}),
    evaluate: z
      .object({
        /**
         * A BFCL data directory, or `bfcl-eval`: the full BFCL v4 data set-up unpacks from the official harness's
         * PyPI wheel. Default: the 10-per-category sample the product ships.
         */
        bfclData: z.string().optional(),
        categories: z.array(z.string()).default(['simple_python', 'multiple', 'parallel', 'irrelevance']),
        /** At most this many BFCL entries per category: a fixed, seeded selection, the same items every cycle. */
        limit: z.number().int().positive().optional(),
        /** Seed of that selection; default: the run's seed. */
        selectionSeed: z.number().int().optional(),
        /** Evaluate the starting policy before cycle 0 trains (the baseline every gain is measured against). */
        baseline: z.boolean().default(true),
        /**
         * The fixed validation pool: up to this many held-out prompts, drawn once (cycle 0's held-out split) and
         * scored every cycle, so cycles are compared on the same items. Each cycle's own split is scored too (steering).
         */
        poolSize: z.number().int().positive().default(64),
        /**
         * Draw the fixed pool from goals of its own: this many tasks (a seeded plan apart from cycle 0's), each goal
         * fixed and voiced by the user simulator and checked by the goal_sanity gate, with no rollout. 0: the pool is
         * cycle 0's held-out split (15% of its trajectories). Single-turn categories only (simple, multiple, parallel,
         * parallel_multiple, irrelevance; a multi-turn goal's later requests depend on a rollout).
         */
        poolGoals: z.number().int().nonnegative().default(0),
        /**
         * Evaluation requests at once (BFCL entries, validation items, rollout groups); default: as many as the
         * policy's endpoint answers at once (`endpointSlots` of the assistant role: an embedded model's contexts
         * times its sequences), so no context sits idle.
         */
        concurrency: z.number().int().positive().optional(),
        /**
         * Hard samples: this many train-split RL prompts get `rolloutGroup` sampled answers from the new policy,
         * scored by the gated reward; always-solved ones are retired, rarely solved ones seed the next plan. 0 = off.
         */
        rolloutPrompts: z.number().int().nonnegative().default(16),
        rolloutGroup: z.number().int().min(2).default(4),
        rolloutTemperature: z.number().min(0).max(2).default(0.8),
        /**
         * The official BFCL harness (bfcl-eval, its own environment) on these categories, e.g. the multi-turn ones
         * InfTool does not score itself: `limit` entries each, the same seeded selection every cycle. Reported per
         * cycle beside the baseline; never steers the plan. The policy is served to the harness in-process.
         */
        official: z
          .object({
            categories: z.array(z.string().min(1)).min(1),
            limit: z.number().int().positive().default(2),
          })
          .optional(),
      })
      .default({}),
    temporal: z
      .object({
        taskQueue: z.string().default('inftool'),
        /** Heartbeat timeout of long stages: how soon a dead worker's work moves elsewhere. */
        heartbeatSeconds: z.number().int().positive().default(20),
      })
      .default({}),
    /** The gap planner's knobs (src/plan/config.ts, see src/plan/README.md), checked here and kept as written. */
    planner: checkedAsWritten(PlannerConfigSchema).default({}),
  }),
);
export type RunConfig = z.infer<typeof RunConfigSchema>;

/** Requests evaluation makes at once: `evaluate.concurrency`, or what the policy's endpoint answers at once. */
export function evaluationConcurrency(config: RunConfig): number {
  return config.evaluate.concurrency ?? endpointSlots(config.roles.assistant);
}

export class ConfigError extends Error {}

/** Formats zod issues as `path.to.field: reason` lines; an unknown key is named by its own full path. */
export function describeIssues(error: z.ZodError): string {
  const where = (path: (string | number)[]) => (path.length ? path.join('.') : '(root)');
  return error.issues
    .map(
      (i) =>
        `  ${i.code === 'unrecognized_keys' ? i.keys.map((k) => where([...i.path, k])).join(', ') : where(i.path)}: ${i.message}`,
    )
    .join('\n');
}

export function parseRunConfig(value: unknown, where = 'config'): RunConfig {
  const parsed = RunConfigSchema.safeParse(value ?? {});
  if (!parsed.success) throw new ConfigError(`${where} is invalid:\n${describeIssues(parsed.error)}`);
  return parsed.data;
}

export async function loadRunConfig(file: string): Promise<RunConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(
      `${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
    );
  }
  return parseRunConfig(raw, file);
}
