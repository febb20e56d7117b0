// One InfTool run: prepare once, then one child workflow per cycle (`<run>/cycle-N`), continue-as-new
// after each cycle carrying only references and small summaries. Pause, resume and stop steer it.
import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type SignalDefinition,
} from '@temporalio/workflow';
import { cycleSummary, runDetails, runCurrentDetails } from './ui-text.js';
import {
  CycleKey,
  RunKey,
  ScoreKey,
  StageKey,
  pauseSignal,
  requestStopUpdate,
  resumeSignal,
  stageSignal,
  statusQuery,
  stopSignal,
  type CycleResult,
  type CycleSummary,
  type EvolutionInput,
  type RunStatus,
} from './definitions.js';
import { cycleWorkflow } from './cycle.js';
import { stageActivities } from './options.js';

export async function evolutionWorkflow(input: EvolutionInput): Promise<RunStatus> {
  const { runId, config } = input;
  const { prepareRun } = stageActivities(config.temporal.heartbeatSeconds).quick;
  const status: RunStatus = {
    runId,
    cycle: input.carry?.cycle ?? 0,
    maxCycles: config.cycles.max,
    stage: input.carry ? 'synthesize' : 'prepare',
    paused: input.carry?.paused ?? false,
    stopRequested: false,
    counts: {},
    lastScores: null,
    cycles: input.carry?.cycles ?? [],
    policy: input.carry?.policy ?? null,
    baseline: input.carry?.baseline ?? null,
  };
  const last = status.cycles.at(-1);
  if (last)
    status.lastScores = {
      bfcl: last.scores?.bfcl ?? {},
      bfclOverall: last.bfclOverall,
      validationOverall: last.validationOverall,
    };
  let childId: string | null = null;

  const forward = async (signal: SignalDefinition<[]>) => {
    if (childId)
      await getExternalWorkflowHandle(childId)
        .signal(signal)
        .catch(() => undefined);
  };
  setHandler(statusQuery, () => status);
  // The UI's current details say so at once (metadata only, no command: histories from before replay as they were);
  // before, they waited for the cycle's next stage or progress signal, which a cycle resting paused never sends.
  const showSteering = () => setCurrentDetails(runCurrentDetails(status));
  setHandler(pauseSignal, async () => {
    status.paused = true;
    showSteering();
    await forward(pauseSignal);
  });
  setHandler(resumeSignal, async () => {
    status.paused = false;
    showSteering();
    await forward(resumeSignal);
  });
  setHandler(stopSignal, async () => {
    status.stopRequested = true;
    showSteering();
    await forward(stopSignal);
  });
  // The same stop as an Update: it answers once the stop has taken effect (the run ended), with why.
  setHandler(requestStopUpdate, async () => {
    status.stopRequested = true;
    showInUi();
    await forward(stopSignal);
    await condition(() => status.stage === 'done' || status.stage === 'stopped');
    return { stage: status.stage, cycle: status.cycle, reason: status.stopReason ?? '' };
  });
  setHandler(stageSignal, (update) => {
    if (update.cycle !== status.cycle) return;
    status.stage = update.stage;
    // Counts only rise within a cycle; two batch updates sent in one workflow task may arrive swapped.
    for (const [k, v] of Object.entries(update.counts ?? {})) status.counts[k] = Math.max(status.counts[k] ?? v, v);
    showInUi();
  });
  function showInUi() {
    upsertSearchAttributes([
      { key: RunKey, value: runId },
      { key: CycleKey, value: status.cycle },
      { key: StageKey, value: status.stage },
      ...(typeof status.lastScores?.validationOverall === 'number'
        ? [{ key: ScoreKey, value: status.lastScores.validationOverall }]
        : []),
    ]);
    setCurrentDetails(runCurrentDetails(status));
  }
  showInUi();

  // Prepare once per run: import the specs into a catalog and draw the first plan.
  const carry =
    input.carry ??
    (await (async () => {
      const prepared = await prepareRun({ runId, config });
      return {
        cycle: 0,
        planRef: prepared.planRef,
        catalogRef: prepared.catalogRef,
        policy: prepared.policy,
        configRef: prepared.configRef,
        cycles: [] as CycleSummary[],
        paused: status.paused,
      } as NonNullable<EvolutionInput['carry']>;
    })());
  status.policy = carry.policy;

  await condition(() => !status.paused || status.stopRequested);
  if (status.stopRequested) return finish('stopped', 'stopped by request before the cycle began');

  childId = `${workflowInfo().workflowId}/cycle-${carry.cycle}`;
  status.stage = 'synthesize';
  status.counts = {};
  showInUi();
  const result: CycleResult = await executeChild(cycleWorkflow, {
    workflowId: childId,
    staticSummary: cycleSummary(config, carry.cycle, carry.policy),
    staticDetails: runDetails(config),
    args: [
      {
        runId,
        parentId: workflowInfo().workflowId,
        cycle: carry.cycle,
        config,
        configRef: carry.configRef,
        planRef: carry.planRef,
        catalogRef: carry.catalogRef,
        policy: carry.policy,
        trainBase: carry.trainBase,
        noveltyRef: carry.noveltyRef,
        poolRef: carry.poolRef,
        ...(carry.incumbent ? { incumbent: carry.incumbent } : {}),
        ...(carry.replay?.length ? { replay: carry.replay } : {}),
        previousRecords: carry.cycles.map((c) => c.recordRef),
        paused: status.paused,
      },
    ],
    parentClosePolicy: ParentClosePolicy.TERMINATE,
  });
  childId = null;
  if (result.kind === 'stopped')
    return finish('stopped', `stopped by request before stage ${result.stage} of cycle ${carry.cycle}`);

  status.cycles = [...carry.cycles, result.summary];
  // cycles.keepBest: the next cycle starts from the incumbent, which may be an earlier cycle's policy.
  const next = result.incumbent ?? { policy: result.summary.policy, trainBase: result.trainBase };
  status.policy = next.policy;
  status.baseline = status.baseline ?? result.summary.baseline ?? null;
  status.lastScores = {
    bfcl: result.summary.scores?.bfcl ?? {},
    bfclOverall: result.summary.bfclOverall,
    validationOverall: result.summary.validationOverall,
  };
  const nextCycle = carry.cycle + 1;
  if (nextCycle >= config.cycles.max) return finish('done', `reached cycles.max = ${config.cycles.max}`);
  if (result.stop.stop) return finish('done', result.stop.reason);
  if (status.stopRequested) return finish('stopped', `stopped by request after cycle ${carry.cycle}`);

  // Let in-flight signal handlers finish, then start the next cycle in a fresh history.
  await condition(allHandlersFinished);
  return continueAsNew<typeof evolutionWorkflow>({
    runId,
    config,
    carry: {
      cycle: nextCycle,
      planRef: result.nextPlanRef,
      catalogRef: carry.catalogRef,
      configRef: carry.configRef,
      policy: next.policy,
      trainBase: next.trainBase,
      noveltyRef: result.noveltyRef,
      poolRef: result.poolRef,
      ...(result.incumbent ? { incumbent: result.incumbent } : {}),
      // train.replayCycles: this cycle's verified data goes first and the oldest falls off; nothing when off.
      ...(config.train.replayCycles && result.trainData
        ? { replay: [result.trainData, ...(carry.replay ?? [])].slice(0, config.train.replayCycles) }
        : {}),
      baseline: status.baseline,
      // Summaries are ~300 bytes; keep the newest 200 so the input stays far below payload limits on very long runs.
      cycles: status.cycles.slice(-200),
      paused: status.paused,
    },
  });

  async function finish(stage: 'done' | 'stopped', reason: string): Promise<RunStatus> {
    status.stage = stage;
    status.stopReason = reason;
    showInUi();
    await condition(allHandlersFinished); // a requestStop update answers before the run closes
    return status;
  }
}
