// The train stage's contract: the job a trainer runs (TrainJob), the JSON-lines progress protocol the
// Python trainer prints, and the result. trainer/inftool_trainer/job.py mirrors these shapes field by field.
import { z } from 'zod';
import { ModelRefSchema } from '../llm/types.js';
import { RewardConfigSchema } from '../eval/reward.js';
import { strictEverywhere } from '../zod-strict.js';
import type { ArtifactRef } from '../store/artifact-store.js';

/** Where training starts: a GGUF (the local runtime's file, dequantized on load) or a Hugging Face
 * model folder; `adapterPath` continues a LoRA adapter from a previous cycle (a PEFT folder). */
export const BaseModelSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('gguf'), path: z.string().min(1), adapterPath: z.string().optional() }),
  z.object({ kind: z.literal('hf'), path: z.string().min(1), adapterPath: z.string().optional() }),
]);
export type BaseModel = z.infer<typeof BaseModelSchema>;

/** A cycle's verified data as the train stage reads it (train.replayCycles carries earlier cycles' forward). */
export type TrainData = { rlPromptsRef: ArtifactRef; trajectoriesRef: ArtifactRef };

/** LoRA by default; `full` fine-tunes every weight (needs a GPU for anything but toy models). */
export const AdapterConfigSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('lora'),
    r: z.number().int().positive().default(16),
    alpha: z.number().positive().default(32),
    dropout: z.number().min(0).max(1).default(0.05),
    /** Every linear layer: measured on SmolLM2-135M (trainer/README.md, "Choosing the defaults"). */
    targetModules: z
      .array(z.string())
      .default(['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']),
  }),
  z.object({ kind: z.literal('full') }),
]);

export const SftConfigSchema = z.object({
  enabled: z.boolean().default(true),
  maxSteps: z.number().int().positive().default(50),
  learningRate: z.number().positive().default(1e-3),
  batchSize: z.number().int().positive().default(2),
  maxLength: z.number().int().positive().default(1024),
});

export const GrpoConfigSchema = z.object({
  enabled: z.boolean().default(true),
  maxSteps: z.number().int().positive().default(100),
  learningRate: z.number().positive().default(1e-5),
  /** Completions sampled per prompt (the group the advantage is normalised over). */
  groupSize: z.number().int().min(2).default(4),
  /** Prompts per optimizer step. */
  promptsPerStep: z.number().int().positive().default(1),
  /** KL penalty to the reference policy; 0 skips loading a reference model. */
  klBeta: z.number().min(0).default(0.04),
  maxPromptLength: z.number().int().positive().default(1024),
  /** Tokens per rollout; a call cut short never parses. Grammar-constrained calls to the example specs take 33-44. */
  maxCompletionLength: z.number().int().positive().default(128),
  temperature: z.number().positive().default(0.9),
  /** Sample rollouts under the embedded runtime's grammar for the prompt's tools (runtime-json format only),
   * so they parse as the served policy's would (trainer/inftool_trainer/constrained.py). */
  constrained: z.boolean().default(true),
  /** A group whose rewards are all equal has no advantage: sample it again up to this many times. */
  resampleTries: z.number().int().min(0).default(2),
});

/** Strict at every depth, like the pydantic mirror (extra="forbid"): `sft.maxStep` is refused, not ignored. */
export const TrainConfigSchema = strictEverywhere(
  z.object({
    sft: SftConfigSchema.default({}),
    grpo: GrpoConfigSchema.default({}),
    adapter: AdapterConfigSchema.default({ kind: 'lora' }),
    /** The gated reward's gates, weights and irrelevance reward: src/eval/reward.ts, one definition. */
    reward: RewardConfigSchema.default({}),
    /** Write a checkpoint every N optimizer steps (per phase); a restarted job resumes from the newest. */
    checkpointEvery: z.number().int().positive().default(10),
    keepCheckpoints: z.number().int().positive().default(2),
    seed: z.number().int().default(0),
    /** Convert the trained policy to GGUF so the embedded runtime can serve it (a LoRA one: see mergeAdapter). */
    exportGguf: z.boolean().default(true),
    /** With exportGguf and a LoRA adapter: serve the base with the adapter merged in, a GGUF of its own
     * (trainer/inftool_trainer/export.py), rather than the base GGUF plus a LoRA GGUF applied at run time.
     * Either way the next cycle continues training the adapter (`policy`). */
    mergeAdapter: z.boolean().default(true),
    /**
     * How the merged policy of a quantized GGUF base is stored. `q8_0` (the default) keeps what training
     * changed almost exactly (KL to the float merge 0.0001) but is larger than a 4-bit base, so it decodes slower
     * where decoding is bound by memory (0.72x the Q4_1 SmolLM2 on this 2-core machine). `base` writes every
     * tensor in its base's own type, on the base's own grid (trainer/inftool_trainer/export.py): as fast as the
     * base, at a measured cost in quality (README, "Benchmarks").
     */
    mergedQuantization: z.enum(['q8_0', 'base']).default('q8_0'),
    device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
    /** CPU threads for torch; default: all cores. */
    threads: z.number().int().positive().optional(),
    /**
     * The text the policy reads and writes, which must be the one it is served with: `runtime-json` is the
     * embedded runtime's (src/llm/local-chat-format.ts), `hermes` what vLLM/SGLang's hermes tool parser
     * reads. `auto`: runtime-json for a GGUF base (served by the embedded runtime), hermes for a HF model.
     */
    chatFormat: z.enum(['auto', 'hermes', 'runtime-json']).default('auto'),
  }),
);
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

export const TrainJobSchema = strictEverywhere(
  z
    .object({
      /** JSONL of RlPrompt (src/domain/rl-prompt.ts); only split=train lines are trained on. */
      rlPromptsPath: z.string().min(1),
      /** JSONL of accepted Trajectory, for the SFT cold start; optional when sft is disabled. */
      trajectoriesPath: z.string().min(1).optional(),
      baseModel: BaseModelSchema,
      /** Checkpoints, the adapter, the GGUF export and the progress log go here; reused on resume. */
      outputDir: z.string().min(1),
      config: TrainConfigSchema.default({}),
    })
    .superRefine((job, ctx) => {
      if (job.config.sft.enabled && !job.trajectoriesPath)
        ctx.addIssue({
          code: 'custom',
          path: ['trajectoriesPath'],
          message: 'SFT is enabled (config.sft.enabled) but no trajectoriesPath was given: give one or disable SFT',
        });
      if (!job.config.sft.enabled && !job.config.grpo.enabled)
        ctx.addIssue({
          code: 'custom',
          path: ['config'],
          message: 'both config.sft.enabled and config.grpo.enabled are false: nothing to train',
        });
    }),
);
export type TrainJob = z.infer<typeof TrainJobSchema>;
export type TrainJobInput = z.input<typeof TrainJobSchema>;

export const PhaseSchema = z.enum(['sft', 'grpo']);
export type Phase = z.infer<typeof PhaseSchema>;

/** One point of the learning curve: what a `step` event carries. */
export const CurvePointSchema = z.object({
  phase: PhaseSchema,
  step: z.number().int().nonnegative(),
  reward: z.number().nullable(),
  loss: z.number().nullable(),
  components: z.record(z.number()).default({}),
  call_rate: z.number().nullable().default(null),
  checkpoint: z.string().nullable().default(null),
  /** The point's position in the full curve, set only by a trainer that thinned the curve before sending it. */
  index: z.number().int().nonnegative().optional(),
});
export type CurvePoint = z.infer<typeof CurvePointSchema>;

/** The line protocol on the trainer's stdout; anything else on stdout is a bug in the trainer. */
export const TrainerEventSchema = z.discriminatedUnion('event', [
  CurvePointSchema.extend({ event: z.literal('step') }),
  z.object({ event: z.literal('info'), message: z.string() }),
  z.object({
    event: z.literal('done'),
    /** The servable policy; null when config.exportGguf is false (then `policy` is the only handle). */
    model: ModelRefSchema.nullable(),
    steps: z.number().int().nonnegative(),
    /** What the next cycle passes as baseModel to keep training this policy. */
    policy: BaseModelSchema.optional(),
  }),
  z.object({ event: z.literal('error'), message: z.string() }),
]);
export type TrainerEvent = z.infer<typeof TrainerEventSchema>;

export const TrainResultSchema = z.object({
  model: ModelRefSchema.nullable(),
  steps: z.number().int().nonnegative(),
  curve: z.array(CurvePointSchema),
  policy: BaseModelSchema.optional(),
});
export type TrainResult = z.infer<typeof TrainResultSchema>;
