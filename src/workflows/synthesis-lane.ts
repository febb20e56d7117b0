// One synthesis lane of a large cycle: batches lane, lane + lanes, lane + 2 lanes, ... one after another,
// so the cycle's lanes (`parallelBatches` + `lookaheadBatches`) keep that many batches in flight between them,
// `parallelBatches` of them talking to the model on a worker at once (src/activities/batch-slots.ts). Every
// `laneSegmentBatches` batches the lane stores its segment's batch refs as a manifest artifact (which names
// the lane's previous one) and continues as new carrying only that one ref: its history stays near 6 events
// per batch of one segment and every payload stays small whatever the cycle's size, and the lane never waits
// for anything but its own batch in flight. It tells the cycle now and then how many batches it has finished
// (a bounded number of signals per cycle, whatever its size).
import { continueAsNew, getExternalWorkflowHandle } from '@temporalio/workflow';
import type { BatchEntry } from '../activities/synthesize.js';
import type { RunConfig } from '../config.js';
import type { ModelRef } from '../llm/types.js';
import type { ArtifactRef } from '../store/artifact-store.js';
import { configArg, laneProgressSignal } from './definitions.js';
import { stageActivities } from './options.js';

export type SynthesisLaneInput = {
  runId: string;
  cycle: number;
  /** The cycle workflow, told of this lane's progress. */
  cycleId: string;
  config: RunConfig;
  /** The stored config, which the lane's activities are given (absent in runs from before it existed). */
  configRef?: ArtifactRef;
  planRef: ArtifactRef;
  catalogRef: ArtifactRef;
  policy: ModelRef;
  tasks: number;
  batchSize: number;
  batches: number;
  lane: number;
  lanes: number;
  /** The batch slots per worker its batches share with the cycle's other lanes (absent: none, no lookahead). */
  slots?: number;
  /** Batches per execution before the lane continues as new. */
  segmentBatches: number;
  /** Tell the cycle after every this many finished batches. */
  progressEvery: number;
  /** Where this execution starts (set by continue-as-new): the next batch, and what earlier executions did. */
  next: number;
  done: number;
  tokens: number;
  /** The lane's newest batch manifest so far (null before its first segment ends). */
  manifest: ArtifactRef | null;
};

export type SynthesisLaneResult = { manifest: ArtifactRef | null; batches: number; tokens: number };

export async function synthesisLaneWorkflow(input: SynthesisLaneInput): Promise<SynthesisLaneResult> {
  const acts = stageActivities(input.config.temporal.heartbeatSeconds);
  const { synthesizeBatch } = acts.synthesize;
  const { recordBatchManifest } = acts.quick;
  const { config, batches, batchSize, tasks } = input;
  const cycle = getExternalWorkflowHandle(input.cycleId);

  let { next, done, tokens } = input;
  const entries: BatchEntry[] = [];
  while (next < batches && entries.length < input.segmentBatches) {
    const batchIndex = next;
    const out = await synthesizeBatch.executeWithOptions(
      {
        summary: `synthesize batch ${batchIndex + 1}/${batches}: tasks ${batchIndex * batchSize + 1}-${Math.min(tasks, (batchIndex + 1) * batchSize)} of ${tasks}`,
      },
      [
        {
          runId: input.runId,
          cycle: input.cycle,
          ...configArg(config, input.configRef),
          planRef: input.planRef,
          catalogRef: input.catalogRef,
          policy: input.policy,
          batchIndex,
          batchSize,
          ...(input.slots ? { slots: input.slots } : {}),
        },
      ],
    );
    entries.push({ batchIndex, ...out });
    tokens += out.tokens;
    done++;
    next += input.lanes;
    // Sent with the next batch's scheduling, not waited for; the lane's last batch is reported by its result.
    // The cycle may be gone already (it failed elsewhere): nothing to tell then.
    if (next < batches && done % input.progressEvery === 0)
      void cycle.signal(laneProgressSignal, { lane: input.lane, done }).catch(() => undefined);
  }
  const manifest = entries.length ? await recordBatchManifest({ previous: input.manifest, entries }) : input.manifest;
  if (next < batches) return continueAsNew<typeof synthesisLaneWorkflow>({ ...input, next, done, tokens, manifest });
  return { manifest, batches: done, tokens };
}
