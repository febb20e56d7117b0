// The train stage: builds the trainer's job from the cycle's data and runs it on this worker (the
// `local` backend), heartbeating each step; a retry resumes from the checkpoint its heartbeat named.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfig } from '../config.js';
import type { ModelRef } from '../llm/types.js';
import { runLocalTraining, TrainingError } from '../train/local-backend.js';
import { TrainJobSchema, type BaseModel, type TrainData, type TrainJob } from '../train/job.js';
import { curveForHistory, lastCallRate, type HistoryCurvePoint } from '../train/curve.js';
import { contentKey, getJson, jsonlRows, writeArtifacts, type ArtifactRef } from '../store/artifact-store.js';
import type { RlPrompt } from '../domain/rl-prompt.js';
import type { ChatMessage } from '../domain/chat.js';
import { goalDemonstrations } from '../verify/demonstrations.js';
import { runConfigOf, type ConfigArg } from './run-config.js';
import { BadInput, heartbeating, type ActivityDeps } from './context.js';
import { writeFile } from 'node:fs/promises';

/** The train stage's result as workflow history carries it (the trainer's own report is train/job.ts's TrainResult). */
export type TrainStageResult = {
  /** The trainer's servable export (GGUF + LoRA GGUF); null when export is off (an endpoint serves the adapter). */
  model: ModelRef | null;
  steps: number;
  /** Learning-curve points (GRPO rewards, SFT losses), at most 200 so history stays small. */
  curve: HistoryCurvePoint[];
  backend: string;
  /** What the next cycle's training continues from (the adapter of this cycle). */
  trainBase?: BaseModel;
  callRate?: number;
  tokens?: number;
};

export type PrepareTrainJobInput = ConfigArg & {
  runId: string;
  cycle: number;
  policy: ModelRef;
  trainBase?: BaseModel;
  rlPromptsRef: ArtifactRef;
  trajectoriesRef: ArtifactRef;
  /** train.replayCycles: earlier cycles' verified data, newest first, whose SFT rows join this cycle's. */
  replay?: TrainData[];
};

type TrainBeat = { step: number; phase: string; checkpoint: string | null };

export function trainActivities(deps: ActivityDeps) {
  return {
    async prepareTrainJob(input: PrepareTrainJobInput): Promise<TrainJob | null> {
      const config = await runConfigOf(deps, input);
      if (config.train.backend === 'none' || (!config.train.sft && !config.train.grpo)) return null;
      const baseModel = input.trainBase ?? configuredBase(config) ?? baseFromPolicy(input.policy);
      // A weak policy may leave a cycle without accepted trajectories (nothing to imitate) or without
      // train-split prompts: that phase is skipped this cycle rather than failing the run.
      // The trajectories are decoded row by row and only the accepted ids kept, never the parsed cycle.
      const current = await acceptedOf(deps, input.trajectoriesRef);
      // The RL prompts are read as rows too, in passes (a count here, the demonstrations' passes below).
      let trainPrompts = 0;
      for await (const p of jsonlRows<RlPrompt>(deps.store, input.rlPromptsRef))
        if (p.split === 'train') trainPrompts++;
      // Goal demonstrations (config.train.demonstrations) join the accepted trajectories in the SFT data, and
      // with train.replayCycles so do the earlier cycles' (each source with its own decline share).
      const options = { declineShare: config.train.declineShare, distractors: config.train.distractors };
      const replay = config.train.demonstrations ? (input.replay ?? []).slice(0, config.train.replayCycles) : [];
      let sftRef = input.trajectoriesRef;
      let demos = 0;
      let replayed = 0;
      if (config.train.demonstrations) {
        const sources = [{ data: input as TrainData, accepted: current }];
        for (const data of replay) sources.push({ data, accepted: await acceptedOf(deps, data.trajectoriesRef) });
        // 'v2': the decline share counts the whole set (accepted rows too), and distractor rows exist. A replayed
        // source adds its refs to the key; without one the key is what it was before replay existed.
        const keyParts: unknown[] = [input.trajectoriesRef, input.rlPromptsRef, { ...options, accepted: current.mix }];
        if (replay.length) keyParts.push(replay);
        const ref: ArtifactRef = { key: contentKey('sft-data', 'v2', ...keyParts), name: 'sft.jsonl' };
        const metaRef: ArtifactRef = { key: ref.key, name: 'sft.meta.json' };
        type Meta = { demonstrations: number; replayed?: number };
        const meta = (await deps.store.exists(metaRef))
          ? await getJson<Meta>(deps.store, metaRef)
          : await writeArtifacts(deps.store, [ref, metaRef], async ([out, metaOut]) => {
              let lines: string[] = [];
              const add = async (row: unknown) => {
                lines.push(JSON.stringify(row));
                if (lines.length >= 1000) await flush();
              };
              const flush = async () => {
                if (lines.length) await out.write(lines.join('\n') + '\n');
                lines = [];
              };
              // demonstrations: this cycle's; replayed: every row of the earlier cycles (trajectories and demonstrations).
              const written: Meta = { demonstrations: 0, replayed: 0 };
              for (const [k, { data, accepted }] of sources.entries()) {
                // The accepted trajectories, then the demonstrations (the trainer reads accepted rows only).
                for await (const t of jsonlRows<Row>(deps.store, data.trajectoriesRef))
                  if (t.accepted) {
                    await add(t);
                    if (k > 0) written.replayed!++;
                  }
                const rows = () => jsonlRows<RlPrompt>(deps.store, data.rlPromptsRef);
                for await (const d of goalDemonstrations(rows, accepted.ids, { ...options, accepted: accepted.mix })) {
                  if (k > 0) written.replayed!++;
                  else written.demonstrations++;
                  await add(d);
                }
              }
              await flush();
              await metaOut.write(JSON.stringify(written));
              return written;
            });
        demos = meta.demonstrations;
        replayed = meta.replayed ?? 0;
        if (demos || replayed) sftRef = ref;
      }
      const accepted = current.ids.size + demos + replayed;
      const sft = config.train.sft && accepted > 0;
      const grpo = config.train.grpo && trainPrompts > 0;
      if (!sft && !grpo) return null;
      const trainer = config.train.trainer as Record<string, Record<string, unknown> | unknown>;
      const jobConfig = {
        ...trainer,
        sft: { ...(trainer.sft as object | undefined), enabled: sft },
        grpo: { ...(trainer.grpo as object | undefined), enabled: grpo },
      };
      const key = contentKey('train', input.rlPromptsRef, sftRef, baseModel, jobConfig);
      const parsed = TrainJobSchema.safeParse({
        rlPromptsPath: deps.store.locate(input.rlPromptsRef),
        trajectoriesPath: deps.store.locate(sftRef),
        baseModel,
        outputDir: deps.store.locate({ key, name: 'out' }),
        config: jobConfig,
      });
      if (!parsed.success)
        throw new BadInput(
          `train.trainer is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      return parsed.data;
    },

    async runTrainJob(input: { job: TrainJob }): Promise<TrainStageResult> {
      // Checked before anything touches the disk: a malformed job fails once (BadInput), not on every retry.
      const job = TrainJobSchema.parse(input.job);
      const resultFile = join(job.outputDir, 'inftool-result.json');
      if (existsSync(resultFile)) return JSON.parse(readFileSync(resultFile, 'utf8')) as TrainStageResult;
      return heartbeating<TrainStageResult, TrainBeat>(async ({ beat, previous, signal }) => {
        const out = await runLocalTraining({
          job,
          signal,
          resumeFrom: previous?.checkpoint ?? undefined,
          onProgress: (step, _reward, _loss, checkpoint, detail) =>
            beat({ step, phase: detail.phase, checkpoint: checkpoint ?? previous?.checkpoint ?? null }),
        }).catch((err) => {
          // Exit code 2: the trainer refused its input (BadJob); no retry can fix that.
          if (err instanceof TrainingError && err.exitCode === 2) throw new BadInput(err.message);
          throw err;
        });
        const result: TrainStageResult = {
          model: out.model,
          steps: out.steps,
          curve: curveForHistory(out.curve),
          backend: 'local',
          trainBase: out.policy,
          callRate: lastCallRate(out.curve),
        };
        await writeFile(resultFile, JSON.stringify(result));
        return result;
      });
    },
  };
}

type Row = { id: string; accepted?: boolean; messages?: ChatMessage[] };

/** A cycle's accepted trajectory ids and how many of them call a tool, read row by row. */
async function acceptedOf(deps: ActivityDeps, trajectoriesRef: ArtifactRef) {
  const calls = (t: Row) => (t.messages ?? []).some((m) => m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0);
  const ids = new Set<string>();
  const mix = { calling: 0, declining: 0 };
  for await (const t of jsonlRows<Row>(deps.store, trajectoriesRef)) {
    if (!t.accepted) continue;
    ids.add(t.id);
    mix[calls(t) ? 'calling' : 'declining']++;
  }
  return { ids, mix };
}

function configuredBase(config: RunConfig): BaseModel | undefined {
  const path = config.train.baseModel;
  if (!path) return undefined;
  return path.endsWith('.gguf') ? { kind: 'gguf', path } : { kind: 'hf', path };
}

/** Cycle 0 trains the configured assistant's own weights. */
function baseFromPolicy(policy: ModelRef): BaseModel {
  if (policy.kind === 'gguf') return { kind: 'gguf', path: policy.path };
  throw new BadInput(
    `the assistant is the remote endpoint ${policy.baseURL} (${policy.model}); set train.baseModel to its weights (a GGUF file or a Hugging Face folder) so the trainer can start from them, or train.backend: none`,
  );
}
