// One self-evolution cycle, as the paper runs it: synthesize -> verify -> train -> evaluate -> target
// gaps. Each arrow is an activity (a large cycle synthesizes in lane workflows: synthesis-lane.ts); only
// references and counts pass through this history.
import {
  ApplicationFailure,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { cycleDetails, trainPlan, type CycleProgress } from './ui-text.js';
import type { Activities, EvaluationResult, StageTimes, TrainStageResult } from '../activities/index.js';
import type { TrainJob, TrainResult } from '../train/job.js';
import { curveForHistory, lastCallRate } from '../train/curve.js';
import {
  configArg,
  laneProgressSignal,
  pauseSignal,
  resumeSignal,
  stageSignal,
  stopSignal,
  type CycleInput,
  type CycleResult,
  type Incumbent,
  type Scores,
  type Stage,
  type StageUpdate,
} from './definitions.js';
import { stageActivities } from './options.js';
import { synthesisLaneWorkflow } from './synthesis-lane.js';
import type { ArtifactRef } from '../store/artifact-store.js';
import type { PairedComparison } from '../eval/paired.js';

/** A large cycle's lanes signal it at most about this many times in all, and it tells its run at most this often. */
export const LANE_PROGRESS_SIGNALS = 200;
export const RUN_PROGRESS_REPORTS = 100;
/** `synthesis.progressIntervalMs` for a config from before it existed. */
const RUN_PROGRESS_INTERVAL_MS = 1000;

export async function cycleWorkflow(input: CycleInput): Promise<CycleResult> {
  let paused = input.paused;
  let stopRequested = false;
  // What the Temporal UI shows as this cycle's current details, refreshed at every stage and batch.
  const progress: CycleProgress = { cycle: input.cycle, stage: 'synthesize', paused };
  const show = (change: Partial<CycleProgress> = {}) => {
    Object.assign(progress, change, { paused });
    setCurrentDetails(cycleDetails(progress));
  };
  setHandler(pauseSignal, () => void ((paused = true), show()));
  setHandler(resumeSignal, () => void ((paused = false), show()));
  setHandler(
    stopSignal,
    () => void ((stopRequested = true), show({ waitingFor: 'the stage in progress to end (stop requested)' })),
  );

  const { config, cycle, runId } = input;
  const cfg = configArg(config, input.configRef);
  const acts = stageActivities(config.temporal.heartbeatSeconds);
  const { synthesizeBatch } = acts.synthesize;
  const { verifyCycle } = acts.verify;
  const { prepareTrainJob, runTrainJob } = acts.train;
  const { evaluatePolicy } = acts.evaluate;
  const { targetGaps, planTaskCount, deployPolicy } = acts.quick;
  const parent = getExternalWorkflowHandle(input.parentId);
  const times: StageTimes = {};

  /** Waits while paused; returns false when a stop was asked for (the run ends before the next stage). */
  async function enter(stage: Stage, counts?: Record<string, number>): Promise<boolean> {
    show({ stage, ...(paused ? { waitingFor: 'a `resume` signal' } : {}) });
    await condition(() => !paused || stopRequested);
    show({ waitingFor: undefined });
    if (stopRequested) return false;
    await report({ cycle, stage, counts });
    return true;
  }
  async function report(update: StageUpdate): Promise<void> {
    await parent.signal(stageSignal, update).catch(() => undefined); // the parent may be mid continue-as-new
  }
  // Synthesis progress goes to the run without holding up the next batch: one report in flight at a time, so
  // they arrive in order and a busy cycle sends fewer; `reported()` waits for it before the stage's last word.
  let reporting: Promise<void> | undefined;
  function reportProgress(update: StageUpdate): boolean {
    if (reporting) return false;
    reporting = report(update).then(() => void (reporting = undefined));
    return true;
  }
  const reported = async () => {
    while (reporting) await reporting;
  };
  async function timed<T>(
    stage: Stage,
    work: () => Promise<T & { tokens?: number }>,
  ): Promise<T & { tokens?: number }> {
    const start = Date.now();
    const out = await work();
    times[stage] = { ms: Date.now() - start, tokens: out.tokens ?? 0 };
    return out;
  }

  // 1. Synthesize: fan out over batches, a bounded number at a time, so pending activities and history stay small.
  if (!(await enter('synthesize'))) return { kind: 'stopped', stage: 'synthesize' };
  const { tasks } = await planTaskCount({ planRef: input.planRef });
  const batchSize = config.synthesis.batchSize;
  const batches = Math.ceil(tasks / batchSize);
  const batchRefs: Awaited<ReturnType<Activities['synthesizeBatch']>>[] = new Array(batches);
  let batchManifests: ArtifactRef[] | undefined;
  await timed('synthesize', async () => {
    // A large cycle runs its batches in lane workflows (a config from before the switch never does).
    if (batches > (config.synthesis.inlineBatches ?? Infinity) && patched('inftool-synthesis-lanes')) {
      const lanes = await synthesizeInLanes();
      batchManifests = lanes.manifests;
      return { tokens: lanes.tokens };
    }
    const asyncReports = patched('inftool-synthesis-report-async');
    const throttled = asyncReports && patched('inftool-synthesis-report-throttled');
    const { inFlight, slots } = synthesisWindow(config, batches);
    // An inline fan-out tells the run of a finished batch at most this often besides the first and the last: a
    // report costs a workflow task here and one in the run, more than a fast batch's own.
    const reportInterval = config.synthesis.progressIntervalMs ?? RUN_PROGRESS_INTERVAL_MS;
    let reportedAt = -Infinity;
    let next = 0;
    let done = 0;
    const lane = async () => {
      while (next < batches) {
        const batchIndex = next++;
        batchRefs[batchIndex] = await synthesizeBatch.executeWithOptions(
          {
            summary: `synthesize batch ${batchIndex + 1}/${batches}: tasks ${batchIndex * batchSize + 1}-${Math.min(tasks, (batchIndex + 1) * batchSize)} of ${tasks}`,
          },
          [
            {
              runId,
              cycle,
              ...cfg,
              planRef: input.planRef,
              catalogRef: input.catalogRef,
              policy: input.policy,
              batchIndex,
              batchSize,
              ...(slots ? { slots } : {}),
            },
          ],
        );
        done++;
        show({ batchesDone: done, batches });
        const update: StageUpdate = { cycle, stage: 'synthesize', counts: { batchesDone: done, batches } };
        const now = Date.now(); // workflow time: the same on replay
        if (!asyncReports) await report(update);
        else if (!throttled) reportProgress(update);
        else if (done < batches && now - reportedAt >= reportInterval && reportProgress(update)) reportedAt = now;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    if (asyncReports) {
      await reported();
      await report({ cycle, stage: 'synthesize', counts: { batchesDone: batches, batches } });
    }
    return { tokens: batchRefs.reduce((s, b) => s + b.tokens, 0) };
  });

  /**
   * `parallelBatches` lane workflows (synthesis-lane.ts), lane j running batches j, j + lanes, ...: this history holds
   * one child and one manifest ref per lane and a bounded number of progress signals, whatever the cycle's size.
   */
  async function synthesizeInLanes(): Promise<{ manifests: ArtifactRef[]; tokens: number }> {
    const { inFlight: lanes, slots } = synthesisWindow(config, batches);
    const doneByLane = new Array<number>(lanes).fill(0);
    const reportEvery = Math.ceil(batches / RUN_PROGRESS_REPORTS);
    let lastReport = 0;
    const progressed = () => {
      const batchesDone = doneByLane.reduce((a, b) => a + b, 0);
      show({ batchesDone, batches });
      if (batchesDone < batches && batchesDone >= lastReport + reportEvery) {
        lastReport = batchesDone;
        reportProgress({ cycle, stage: 'synthesize', counts: { batchesDone, batches } });
      }
    };
    setHandler(laneProgressSignal, ({ lane, done }) => {
      if (lane < 0 || lane >= lanes || done <= doneByLane[lane]) return;
      doneByLane[lane] = done;
      progressed();
    });
    const cycleId = workflowInfo().workflowId;
    const results = await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        const out = await executeChild(synthesisLaneWorkflow, {
          workflowId: `${cycleId}/synthesize-${lane}`,
          staticSummary: `cycle ${cycle} synthesis lane ${lane + 1}/${lanes}: batches ${lane + 1}, ${lane + 1 + lanes}, ... of ${batches}`,
          args: [
            {
              runId,
              cycle,
              cycleId,
              config,
              configRef: input.configRef,
              planRef: input.planRef,
              catalogRef: input.catalogRef,
              policy: input.policy,
              tasks,
              batchSize,
              batches,
              lane,
              lanes,
              segmentBatches: config.synthesis.laneSegmentBatches,
              progressEvery: Math.ceil(batches / LANE_PROGRESS_SIGNALS),
              ...(slots ? { slots } : {}),
              next: lane,
              done: 0,
              tokens: 0,
              manifest: null,
            },
          ],
        });
        doneByLane[lane] = out.batches;
        progressed();
        return out;
      }),
    );
    await reported();
    await report({ cycle, stage: 'synthesize', counts: { batchesDone: batches, batches } });
    return {
      manifests: results.flatMap((r) => (r.manifest ? [r.manifest] : [])),
      tokens: results.reduce((a, r) => a + r.tokens, 0),
    };
  }

  // 2. Verify: gates in order over the whole cycle (novelty needs every batch), in task order.
  if (!(await enter('verify'))) return { kind: 'stopped', stage: 'verify' };
  const verified = await timed('verify', () =>
    verifyCycle({
      runId,
      cycle,
      ...cfg,
      catalogRef: input.catalogRef,
      noveltyRef: input.noveltyRef,
      ...(batchManifests ? { batchRefs: [], batchManifests, batches } : { batchRefs: batchRefs.map((b) => b.ref) }),
    }),
  );
  show({ trajectories: verified.trajectories, accepted: verified.accepted, rlPrompts: verified.rlPrompts });
  if (verified.rlPrompts === 0) {
    throw ApplicationFailure.nonRetryable(
      `cycle ${cycle}: verification kept no RL prompt out of ${verified.trajectories} trajectories (see ${verified.statsRef.key}/${verified.statsRef.name}); ` +
        `the roles' models produce nothing usable: check the endpoints in the config`,
      'NothingToTrain',
    );
  }

  // The fixed validation pool, scored again every cycle (the trend line's items): goals drawn for it alone
  // (evaluate.poolGoals), or else cycle 0's held-out split.
  let poolRef = input.poolRef ?? verified.rlPromptsRef;
  if (!input.poolRef && cycle === 0 && config.evaluate.poolGoals > 0 && patched('inftool-own-pool')) {
    const { drawValidationPool } = acts.evaluate;
    const drawn = await drawValidationPool.executeWithOptions(
      {
        summary: `draw the fixed validation pool: ${config.evaluate.poolGoals} goals of its own (user simulator only)`,
      },
      [{ runId, ...cfg, catalogRef: input.catalogRef }],
    );
    poolRef = drawn.poolRef;
  }

  // Baseline: the starting policy on the fixed items, before cycle 0 trains; every gain is measured against it.
  let baseline: Scores | undefined;
  let baselineFaultsRef: EvaluationResult['faultsRef'];
  let baselineVerdictsRef: ArtifactRef | undefined;
  if (cycle === 0 && config.evaluate.baseline && patched('inftool-baseline-evaluation')) {
    if (!(await enter('baseline'))) return { kind: 'stopped', stage: 'baseline' };
    const before = await timed('baseline', () =>
      evaluatePolicy.executeWithOptions(
        { summary: 'baseline: the starting policy on the fixed BFCL selection and validation pool' },
        [
          {
            runId,
            cycle,
            ...cfg,
            policy: input.policy,
            rlPromptsRef: verified.rlPromptsRef,
            catalogRef: input.catalogRef,
            poolRef,
            baseline: true,
          },
        ],
      ),
    );
    baseline = scoresOf(before);
    baselineFaultsRef = before.faultsRef;
    baselineVerdictsRef = before.validationVerdictsRef;
    show({ baseline });
  }

  // 3. Train: on this worker fleet (local) or on the GPU workers' queue (temporal), resuming from checkpoints.
  if (!(await enter('train', { accepted: verified.accepted, rlPrompts: verified.rlPrompts })))
    return { kind: 'stopped', stage: 'train' };
  const training: TrainStageResult = await timed('train', async (): Promise<TrainStageResult> => {
    const job: TrainJob | null = await prepareTrainJob({
      runId,
      cycle,
      ...cfg,
      policy: input.policy,
      trainBase: input.trainBase,
      rlPromptsRef: verified.rlPromptsRef,
      trajectoriesRef: verified.trajectoriesRef,
      ...(input.replay?.length ? { replay: input.replay } : {}),
    });
    if (!job) return { model: input.policy, steps: 0, curve: [], backend: 'none', trainBase: input.trainBase };
    if (config.train.backend === 'temporal') {
      // Scheduled by name on the GPU workers' queue (trainer/inftool_trainer/worker.py registers `trainPolicy`).
      const remote = proxyActivities<{ trainPolicy(job: TrainJob): Promise<TrainResult> }>({
        ...acts.trainOptions,
        heartbeatTimeout: `${config.train.remoteHeartbeatSeconds}s`,
        taskQueue: config.train.taskQueue,
      });
      const out = await remote.trainPolicy(job);
      return {
        model: out.model,
        steps: out.steps,
        curve: curveForHistory(out.curve),
        callRate: lastCallRate(out.curve),
        trainBase: out.policy,
        backend: 'temporal',
      };
    }
    return runTrainJob.executeWithOptions({ summary: `train (${config.train.backend}): ${trainPlan(config)}` }, [
      { job },
    ]);
  });
  // Deploy: the next cycle's assistant and this cycle's evaluation use the new policy.
  const policy = await deployPolicy({ runId, cycle, previous: input.policy, training });

  // 4. Evaluate the new policy: BFCL (reported) and the held-out validation split (steered by).
  if (!(await enter('evaluate', { steps: training.steps }))) return { kind: 'stopped', stage: 'evaluate' };
  const evaluation = await timed('evaluate', () =>
    evaluatePolicy.executeWithOptions(
      {
        summary: `evaluate cycle ${cycle}'s policy: BFCL ${config.evaluate.categories.length} categories + validation`,
      },
      [{ runId, cycle, ...cfg, policy, rlPromptsRef: verified.rlPromptsRef, catalogRef: input.catalogRef, poolRef }],
    ),
  );
  const scores = scoresOf(evaluation);
  show({ scores });

  // Keep the better policy (cycles.keepBest): the new one goes forward only if it scores at least the incumbent's
  // on the fixed pool (synthetic items; BFCL never decides); otherwise the next cycle starts from the incumbent.
  let incumbent: Incumbent | undefined;
  let kept: boolean | undefined;
  let paired: PairedComparison | undefined;
  if (config.cycles.keepBest && patched('inftool-keep-best')) {
    const before: Incumbent | undefined =
      input.incumbent ??
      (baseline
        ? {
            cycle: -1,
            policy: input.policy,
            trainBase: input.trainBase,
            poolOverall: baseline.poolOverall,
            ...(baselineVerdictsRef ? { verdictsRef: baselineVerdictsRef } : {}),
          }
        : undefined);
    // cycles.keepBestAlpha: kept unless worse beyond chance, item by item; otherwise by the pool score alone.
    if (config.cycles.keepBestAlpha > 0 && before?.verdictsRef && patched('inftool-keep-best-paired')) {
      paired = await acts.quick.comparePool({
        poolRef,
        incumbentRef: before.verdictsRef,
        candidateRef: evaluation.validationVerdictsRef,
      });
      kept = paired.pWorse >= config.cycles.keepBestAlpha;
    } else kept = !before || before.poolOverall == null || (scores.poolOverall ?? -1) >= before.poolOverall;
    incumbent = kept
      ? {
          cycle,
          policy,
          trainBase: training.trainBase,
          poolOverall: scores.poolOverall,
          verdictsRef: evaluation.validationVerdictsRef,
        }
      : before!;
    show({ kept, incumbentCycle: incumbent.cycle, ...(paired ? { paired } : {}) });
  }

  // 5. Target gaps: the failures decide the next cycle's plan.
  if (!(await enter('target_gaps'))) return { kind: 'stopped', stage: 'target_gaps' };
  const gaps = await targetGaps({
    runId,
    cycle,
    ...cfg,
    planRef: input.planRef,
    catalogRef: input.catalogRef,
    statsRef: verified.statsRef,
    rlPromptsRef: verified.rlPromptsRef,
    trajectoriesRef: verified.trajectoriesRef,
    evaluation,
    training,
    policy,
    stageTimes: times,
    baseline,
    baselineFaultsRef,
    ...(kept !== undefined
      ? {
          selection: {
            kept,
            carried: incumbent!.cycle,
            ...(paired ? { gained: paired.gained, lost: paired.lost, pWorse: paired.pWorse } : {}),
          },
        }
      : {}),
    previousRecords: input.previousRecords,
    workflowId: workflowInfo().workflowId,
  });
  return {
    kind: 'completed',
    nextPlanRef: gaps.nextPlanRef,
    noveltyRef: verified.noveltyRef,
    poolRef,
    trainBase: training.trainBase,
    ...(incumbent ? { incumbent } : {}),
    trainData: { rlPromptsRef: verified.rlPromptsRef, trajectoriesRef: verified.trajectoriesRef },
    stop: gaps.stop,
    summary: {
      cycle,
      recordRef: gaps.recordRef,
      accepted: verified.accepted,
      trajectories: verified.trajectories,
      bfclOverall: evaluation.bfclSummary.overall ?? null,
      validationOverall: evaluation.validationOverall,
      policy,
      scores,
      ...(baseline ? { baseline } : {}),
      ...(kept !== undefined ? { kept, carried: incumbent!.cycle } : {}),
    },
  };
}

/**
 * `synthesis.lookaheadBatches` as a cycle applies it: the configured number, within Temporal's 2,000 pending
 * activities or children per workflow. By default a quarter of `parallelBatches`, at least 1 and at most 4; but 0
 * when the synthesis roles (`roles`, when given) are all the embedded model: its model time is this machine's own
 * CPU, so there is no network wait to hide, and two demo pairs showed no gain (README "Pipeline overhead").
 */
export function lookaheadOf(
  s: { parallelBatches: number; lookaheadBatches?: number },
  roles?: Record<'user' | 'assistant' | 'simulator', { kind: string }>,
): number {
  const allLocal = roles && [roles.user, roles.assistant, roles.simulator].every((r) => r.kind === 'local');
  const byDefault = allLocal ? 0 : Math.min(4, Math.ceil(s.parallelBatches / 4));
  return Math.min(s.lookaheadBatches ?? byDefault, 2000 - s.parallelBatches);
}

/**
 * How many synthesis activities (inline) or lanes a cycle keeps in flight, and the batch slots each worker gives
 * them (src/activities/batch-slots.ts): `parallelBatches` plus its lookahead, and `parallelBatches` slots (a cycle
 * of fewer batches uses them too: a batch spreads its trajectories over the slots no batch needs). A cycle from
 * before lookahead, or with it at 0, runs `parallelBatches` and sets no slots.
 */
function synthesisWindow(
  config: CycleInput['config'],
  batches: number,
): { inFlight: number; slots: number | undefined } {
  const parallel = config.synthesis.parallelBatches;
  const lookahead = lookaheadOf(config.synthesis, config.roles);
  if (lookahead <= 0 || !patched('inftool-synthesis-lookahead'))
    return { inFlight: Math.min(parallel, batches), slots: undefined };
  return { inFlight: Math.min(parallel + lookahead, batches), slots: parallel };
}

/** The few numbers of an evaluation that travel in history: BFCL per category and group, the fixed pool. */
function scoresOf(e: EvaluationResult): Scores {
  const bfcl: Record<string, number> = { ...e.bfcl };
  for (const [k, v] of Object.entries(e.bfclSummary)) if (typeof v === 'number') bfcl[`group/${k}`] = v;
  return {
    bfcl,
    pool: e.pool ?? e.validation,
    poolOverall: e.poolOverall ?? e.validationOverall,
    ...(e.official ? { official: e.official } : {}),
    ...(e.bfclRef ? { bfclRef: e.bfclRef } : {}),
  };
}
