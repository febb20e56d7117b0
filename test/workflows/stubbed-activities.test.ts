// The middle tier: the evolution and cycle workflows against stubbed activities, on the SDK's own test
// environment (TestWorkflowEnvironment.createLocal, the pinned Temporal CLI's dev server; the time-skipping
// server is a download this machine cannot reach, and no test here needs time to pass). Every stage is a
// stub that records its input, so a test asserts what the workflow code decides: what the next cycle
// carries, which branch trains, what pause, resume and stop do, read off the workflow's history.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { parseRunConfig, type RunConfig } from '../../src/config.js';
import type { Activities } from '../../src/activities/index.js';
import type { TrainJob, TrainResult as RemoteTrainResult } from '../../src/train/job.js';
import type { ModelRef } from '../../src/llm/types.js';
import type { ArtifactRef } from '../../src/store/artifact-store.js';
import { quietRuntime } from '../../src/workers/worker.js';
import { signTestWorse } from '../../src/eval/paired.js';
import {
  CycleKey,
  RunKey,
  ScoreKey,
  StageKey,
  pauseSignal,
  resumeSignal,
  stopSignal,
  type EvolutionInput,
  type RunStatus,
  type StageUpdate,
} from '../../src/workflows/definitions.js';
import { ensureTemporalCli } from '../../temporal/cli-binary.js';
import { waitFor } from '../support/temporal.js';

const EventType = {
  scheduled: 10, // ACTIVITY_TASK_SCHEDULED
  completed: 12, // ACTIVITY_TASK_COMPLETED
  workflowTaskCompleted: 7,
  signaled: 26, // WORKFLOW_EXECUTION_SIGNALED
  externalInitiated: 30, // SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED
  externalSignaled: 32, // EXTERNAL_WORKFLOW_EXECUTION_SIGNALED
  externalFailed: 31,
} as const;

let env: TestWorkflowEnvironment;
before(async () => {
  quietRuntime();
  env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: ensureTemporalCli().path },
      searchAttributes: [CycleKey, StageKey, ScoreKey, RunKey],
    },
  });
});
after(async () => {
  await env?.teardown();
});

const ref = (key: string, name = 'x.json'): ArtifactRef => ({ key, name });
const BASE: ModelRef = { kind: 'gguf', path: '/models/base.gguf' };

type Call = { name: string; input: Record<string, unknown> };

/** The stage activities as stubs: each records its input and answers with small, recognisable refs. */
function stubs(
  o: {
    rlPrompts?: number;
    holdSynthesis?: Promise<void>;
    poolScore?: (cycle: number) => number;
    /** comparePool's answer for a candidate (its verdicts' key): pool items gained and lost. */
    paired?: (candidate: string) => { gained: number; lost: number };
  } = {},
) {
  const calls: Call[] = [];
  let entered: () => void = () => undefined;
  const synthesisEntered = new Promise<void>((r) => (entered = r));
  const record = (name: string, input: unknown) => calls.push({ name, input: input as Record<string, unknown> });
  const acts = {
    async prepareRun(input) {
      record('prepareRun', input);
      return {
        catalogRef: ref('catalog'),
        planRef: ref('plan-0'),
        policy: BASE,
        tools: 3,
        toolSets: 1,
        problems: 0,
        configRef: ref('config'),
      };
    },
    async planTaskCount(input) {
      record('planTaskCount', input);
      return { tasks: 4 };
    },
    async synthesizeBatch(input) {
      record('synthesizeBatch', input);
      entered();
      await o.holdSynthesis;
      return { ref: ref(`batch-${input.cycle}-${input.batchIndex}`, 'batch.jsonl'), count: 2, failed: 0, tokens: 10 };
    },
    async verifyCycle(input) {
      record('verifyCycle', input);
      const c = input.cycle;
      return {
        trajectoriesRef: ref(`traj-${c}`),
        rlPromptsRef: ref(`prompts-${c}`),
        statsRef: ref(`stats-${c}`),
        noveltyRef: ref(`novelty-${c}`),
        trajectories: 4,
        accepted: 3,
        rlPrompts: o.rlPrompts ?? 3,
        tokens: 0,
      };
    },
    async prepareTrainJob(input) {
      record('prepareTrainJob', input);
      return { outputDir: `/out/cycle-${input.cycle}` } as unknown as TrainJob;
    },
    async runTrainJob(input) {
      record('runTrainJob', input);
      const dir = input.job.outputDir;
      return {
        model: { kind: 'gguf', path: `${dir}/model.gguf` },
        steps: 5,
        curve: [],
        backend: 'local',
        trainBase: { kind: 'hf', path: dir },
      };
    },
    async deployPolicy(input) {
      record('deployPolicy', input);
      return input.training.model ?? input.previous;
    },
    async evaluatePolicy(input) {
      record('evaluatePolicy', input);
      const score = input.baseline ? 0.1 : 0.2 + input.cycle / 10;
      const onPool = input.baseline ? 0.1 : (o.poolScore?.(input.cycle) ?? score);
      return {
        bfcl: { simple_python: score },
        bfclSummary: { overall: score },
        validation: {},
        pool: { simple: onPool },
        poolOverall: onPool,
        validationOverall: score,
        validationErrors: {},
        validationVerdictsRef: ref(input.baseline ? 'verdicts-baseline' : `verdicts-${input.cycle}`),
        tokens: 7,
      };
    },
    async drawValidationPool(input) {
      record('drawValidationPool', input);
      return {
        poolRef: ref('own-pool', 'pool.jsonl'),
        drawn: 8,
        kept: 7,
        dropped: { 'simple/goal_sanity': 1 },
        tokens: 5,
      };
    },
    async comparePool(input) {
      record('comparePool', input);
      const { gained, lost } = o.paired?.(input.candidateRef.key) ?? { gained: 0, lost: 0 };
      return { items: 10, gained, lost, pWorse: signTestWorse(lost, gained) };
    },
    async targetGaps(input) {
      record('targetGaps', input);
      return {
        recordRef: ref(`record-${input.cycle}`),
        nextPlanRef: ref(`plan-${input.cycle + 1}`),
        stop: { stop: false, reason: '' },
      };
    },
  } satisfies Pick<
    Activities,
    | 'prepareRun'
    | 'planTaskCount'
    | 'synthesizeBatch'
    | 'verifyCycle'
    | 'prepareTrainJob'
    | 'runTrainJob'
    | 'deployPolicy'
    | 'evaluatePolicy'
    | 'drawValidationPool'
    | 'comparePool'
    | 'targetGaps'
  >;
  const of = (name: string) => calls.filter((c) => c.name === name).map((c) => c.input);
  return { acts, calls, of, synthesisEntered };
}

function config(overrides: Record<string, unknown> = {}): RunConfig {
  const endpoint = { kind: 'openai', baseURL: 'http://127.0.0.1:9/v1', model: 'unused' };
  return parseRunConfig({
    name: 'stubbed',
    seed: 3,
    cycles: { max: 2 },
    synthesis: { perCycle: 4, batchSize: 2, parallelBatches: 2, categories: ['simple'] },
    roles: { user: endpoint, assistant: endpoint, simulator: endpoint },
    train: { backend: 'local' },
    evaluate: { categories: ['simple_python'], limit: 1 },
    temporal: { taskQueue: `wf-${Math.random().toString(36).slice(2, 8)}` },
    ...overrides,
  });
}

const workflowsPath = fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url));

async function withWorker<T>(
  cfg: RunConfig,
  activities: object,
  body: () => Promise<T>,
  extra?: { taskQueue: string; activities: object },
): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: cfg.temporal.taskQueue,
    workflowsPath,
    activities,
  });
  const gpu = extra
    ? await Worker.create({
        connection: env.nativeConnection,
        taskQueue: extra.taskQueue,
        activities: extra.activities,
      })
    : null;
  let out!: T;
  const main = worker.runUntil(async () => void (out = await body()));
  await (gpu ? Promise.all([main, gpu.runUntil(main)]) : main);
  return out;
}

function start(cfg: RunConfig, runId: string): Promise<WorkflowHandle> {
  const input: EvolutionInput = { runId, config: cfg };
  return env.client.workflow.start('evolutionWorkflow', {
    workflowId: runId,
    taskQueue: cfg.temporal.taskQueue,
    args: [input],
  });
}

async function events(workflowId: string): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return history.events ?? [];
}

/** The stage updates a run received, in the order its history holds them. */
async function stageUpdates(runId: string): Promise<StageUpdate[]> {
  return (await events(runId))
    .filter(
      (e) =>
        Number(e.eventType) === EventType.signaled &&
        e.workflowExecutionSignaledEventAttributes?.signalName === 'stage',
    )
    .map((e) =>
      defaultPayloadConverter.fromPayload<StageUpdate>(e.workflowExecutionSignaledEventAttributes!.input!.payloads![0]),
    );
}

const activityName = (e: temporal.api.history.v1.IHistoryEvent) =>
  e.activityTaskScheduledEventAttributes?.activityType?.name ?? '';

/** Polls the history until `ready` holds for it; the deadline only turns a hang into a clear failure. */
function untilHistory(
  workflowId: string,
  ready: (es: temporal.api.history.v1.IHistoryEvent[]) => boolean,
  what: string,
) {
  return waitFor(
    `history of ${workflowId} to show ${what}`,
    async () => {
      const es = await events(workflowId);
      return ready(es) && es;
    },
    5 * 60_000,
    20,
  );
}

/**
 * At rest: the workflow's last event is a completed workflow task and nothing it started is outstanding
 * (activities, signals to other workflows). A workflow acts only in a workflow task, and a new one is only
 * scheduled by a new event, so a workflow at rest stays as it is until something from outside arrives.
 */
function atRest(es: temporal.api.history.v1.IHistoryEvent[]): boolean {
  const count = (t: number) => es.filter((e) => Number(e.eventType) === t).length;
  return (
    Number(es.at(-1)?.eventType) === EventType.workflowTaskCompleted &&
    count(EventType.scheduled) === count(EventType.completed) &&
    count(EventType.externalInitiated) === count(EventType.externalSignaled) + count(EventType.externalFailed)
  );
}

test('two cycles: cycle 1 gets cycle 0 plan, novelty index, pool, trained base and deployed policy; only cycle 0 has a baseline', async () => {
  const cfg = config();
  const s = stubs();
  const status = await withWorker(cfg, s.acts, async () => (await start(cfg, 'carry')).result() as Promise<RunStatus>);

  assert.equal(status.stage, 'done');
  assert.equal(status.stopReason, 'reached cycles.max = 2');
  assert.equal(s.of('prepareRun').length, 1, 'prepare runs once per run, not once per cycle');
  const synth = s.of('synthesizeBatch');
  assert.deepEqual(synth.map((i) => [i.cycle, i.batchIndex]).sort(), [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const cycle1 = synth.filter((i) => i.cycle === 1);
  for (const i of cycle1) {
    assert.deepEqual(i.planRef, ref('plan-1'), 'cycle 1 synthesizes from the plan cycle 0 targeted');
    assert.deepEqual(
      i.policy,
      { kind: 'gguf', path: '/out/cycle-0/model.gguf' },
      "cycle 1's assistant is cycle 0's deployed policy",
    );
  }
  const verify = s.of('verifyCycle');
  assert.equal(verify[0].noveltyRef, undefined);
  assert.deepEqual(verify[1].noveltyRef, ref('novelty-0'), "cycle 1 checks novelty against cycle 0's index");
  assert.deepEqual(
    s.of('prepareTrainJob')[1].trainBase,
    { kind: 'hf', path: '/out/cycle-0' },
    'training continues from the last cycle',
  );

  const evals = s.of('evaluatePolicy');
  assert.deepEqual(
    evals.map((e) => [e.cycle, e.baseline ?? false]),
    [
      [0, true],
      [0, false],
      [1, false],
    ],
  );
  for (const e of evals)
    assert.deepEqual(
      e.poolRef,
      ref('prompts-0'),
      'every evaluation scores the same fixed pool (cycle 0 held-out split)',
    );
  assert.deepEqual(s.of('targetGaps')[1].previousRecords, [ref('record-0')]);
  // The config travels once, to prepareRun; every later input names the stored one, in both cycles.
  for (const name of ['synthesizeBatch', 'verifyCycle', 'prepareTrainJob', 'evaluatePolicy', 'targetGaps'] as const)
    for (const i of s.of(name)) {
      assert.equal(i.config, undefined, `${name} (cycle ${String(i.cycle)}) gets no config by value`);
      assert.deepEqual(i.configRef, ref('config'), `${name} (cycle ${String(i.cycle)}) gets the stored config's ref`);
    }

  assert.equal(status.cycles.length, 2);
  assert.equal(status.baseline?.poolOverall, 0.1, 'the baseline is kept across continue-as-new');
  assert.equal(status.lastScores?.bfclOverall, 0.2 + 1 / 10, "the last scores are cycle 1's");
});

test('evaluate.poolGoals: cycle 0 draws a pool of its own once, and the baseline and every cycle score it', async () => {
  const cfg = config({ evaluate: { categories: ['simple_python'], limit: 1, poolGoals: 8 } });
  const s = stubs();
  const status = await withWorker(
    cfg,
    s.acts,
    async () => (await start(cfg, 'own-pool')).result() as Promise<RunStatus>,
  );
  assert.equal(status.stage, 'done');
  const draws = s.of('drawValidationPool');
  assert.equal(draws.length, 1, 'drawn once per run, not once per cycle');
  assert.deepEqual(draws[0].configRef, ref('config'));
  assert.deepEqual(draws[0].catalogRef, ref('catalog'));
  const evals = s.of('evaluatePolicy');
  assert.equal(evals.length, 3, 'baseline, cycle 0, cycle 1');
  for (const e of evals)
    assert.deepEqual(e.poolRef, ref('own-pool', 'pool.jsonl'), `evaluation of cycle ${String(e.cycle)}`);
  // The draw comes after verification and before the baseline in cycle 0's history.
  const order = (await events('own-pool/cycle-0')).map(activityName).filter(Boolean);
  assert.deepEqual(
    order.filter((n) => ['verifyCycle', 'drawValidationPool', 'evaluatePolicy'].includes(n)),
    ['verifyCycle', 'drawValidationPool', 'evaluatePolicy', 'evaluatePolicy'],
  );
});

test('cycles.keepBest: a cycle below the incumbent on the pool is not carried; the next starts from the incumbent', async () => {
  const cfg = config({ cycles: { max: 3, keepBest: true } });
  // Pool scores: baseline 0.1, cycle 0 0.4 (kept), cycle 1 0.3 (below 0.4: not kept), cycle 2 0.4 (ties: kept).
  const s = stubs({ poolScore: (c) => [0.4, 0.3, 0.4][c] });
  const status = await withWorker(
    cfg,
    s.acts,
    async () => (await start(cfg, 'keep-best')).result() as Promise<RunStatus>,
  );
  assert.equal(status.stage, 'done');
  assert.deepEqual(
    status.cycles.map((c) => [c.cycle, c.kept, c.carried]),
    [
      [0, true, 0],
      [1, false, 0],
      [2, true, 2],
    ],
  );
  assert.deepEqual(
    s.of('targetGaps').map((i) => i.selection),
    [
      { kept: true, carried: 0 },
      { kept: false, carried: 0 },
      { kept: true, carried: 2 },
    ],
    "each cycle's record says whether its policy went forward",
  );
  assert.equal(s.of('comparePool').length, 0, 'keepBestAlpha 0: the pool score decides, no item comparison');
  const policyOf = (cycle: number) => s.of('synthesizeBatch').find((i) => i.cycle === cycle)!.policy;
  const trainBaseOf = (cycle: number) => s.of('prepareTrainJob').find((i) => i.cycle === cycle)!.trainBase;
  assert.deepEqual(policyOf(1), { kind: 'gguf', path: '/out/cycle-0/model.gguf' }, 'cycle 0 beat the baseline');
  assert.deepEqual(
    policyOf(2),
    { kind: 'gguf', path: '/out/cycle-0/model.gguf' },
    "cycle 2's assistant is cycle 0's, not cycle 1's",
  );
  assert.deepEqual(trainBaseOf(2), { kind: 'hf', path: '/out/cycle-0' }, 'cycle 2 trains on from cycle 0, not cycle 1');
  assert.deepEqual(
    status.policy,
    { kind: 'gguf', path: '/out/cycle-2/model.gguf' },
    'the run ends with the best policy',
  );
  // Each cycle's own policy is still the one evaluated (its scores are its own).
  assert.deepEqual(
    s
      .of('evaluatePolicy')
      .filter((e) => !e.baseline)
      .map((e) => (e.policy as { path: string }).path),
    ['/out/cycle-0/model.gguf', '/out/cycle-1/model.gguf', '/out/cycle-2/model.gguf'],
  );
});

test('cycles.keepBest: no cycle beats the starting policy, so every cycle starts from it', async () => {
  const cfg = config({ cycles: { max: 2, keepBest: true } });
  const s = stubs({ poolScore: () => 0.05 });
  const status = await withWorker(
    cfg,
    s.acts,
    async () => (await start(cfg, 'keep-none')).result() as Promise<RunStatus>,
  );
  assert.deepEqual(
    status.cycles.map((c) => [c.kept, c.carried]),
    [
      [false, -1],
      [false, -1],
    ],
  );
  assert.deepEqual(s.of('synthesizeBatch').find((i) => i.cycle === 1)!.policy, BASE);
  assert.equal(s.of('prepareTrainJob').find((i) => i.cycle === 1)!.trainBase, undefined, 'trains from the start again');
  assert.deepEqual(status.policy, BASE);
});

test('cycles.keepBestAlpha: a cycle worse beyond chance item by item is not kept; a small drop is noise and goes forward', async () => {
  const cfg = config({ cycles: { max: 3, keepBest: true, keepBestAlpha: 0.05 } });
  // Cycle 0 lost 5 and gained 1 pool items against the baseline (p = 0.11: kept, though its pool score is lower);
  // cycle 1 lost 12 and gained 1 against cycle 0 (p = 0.002: not kept); cycle 2 is compared with cycle 0 again.
  const answers: Record<string, { gained: number; lost: number }> = {
    'verdicts-0': { gained: 1, lost: 5 },
    'verdicts-1': { gained: 1, lost: 12 },
    'verdicts-2': { gained: 3, lost: 3 },
  };
  const s = stubs({ poolScore: (c) => [0.05, 0.0, 0.05][c], paired: (k) => answers[k] });
  const status = await withWorker(
    cfg,
    s.acts,
    async () => (await start(cfg, 'keep-paired')).result() as Promise<RunStatus>,
  );
  assert.equal(status.stage, 'done');
  assert.deepEqual(
    s.of('comparePool').map((i) => [(i.incumbentRef as ArtifactRef).key, (i.candidateRef as ArtifactRef).key]),
    [
      ['verdicts-baseline', 'verdicts-0'],
      ['verdicts-0', 'verdicts-1'],
      ['verdicts-0', 'verdicts-2'],
    ],
    'each candidate against the incumbent of its cycle, on the pool',
  );
  assert.deepEqual(
    s.of('comparePool').map((i) => i.poolRef),
    [ref('prompts-0'), ref('prompts-0'), ref('prompts-0')],
  );
  assert.deepEqual(
    status.cycles.map((c) => [c.cycle, c.kept, c.carried]),
    [
      [0, true, 0],
      [1, false, 0],
      [2, true, 2],
    ],
  );
  const selection = s.of('targetGaps').map((i) => i.selection as { kept: boolean; lost: number; pWorse: number });
  assert.deepEqual(
    selection.map((x) => [x.kept, x.lost, Number(x.pWorse.toFixed(4))]),
    [
      [true, 5, 0.1094],
      [false, 12, 0.0017],
      [true, 3, 0.6563],
    ],
    "each cycle's record keeps the comparison",
  );
  assert.deepEqual(s.of('synthesizeBatch').find((i) => i.cycle === 2)!.policy, {
    kind: 'gguf',
    path: '/out/cycle-0/model.gguf',
  });
});

test("train.replayCycles: each cycle trains with the newest earlier cycles' verified data, newest first, the oldest falling off", async () => {
  const cfg = config({ cycles: { max: 4 }, train: { backend: 'local', replayCycles: 2 } });
  const s = stubs();
  const status = await withWorker(cfg, s.acts, async () => (await start(cfg, 'replay')).result() as Promise<RunStatus>);
  assert.equal(status.stage, 'done');
  const data = (c: number) => ({ rlPromptsRef: ref(`prompts-${c}`), trajectoriesRef: ref(`traj-${c}`) });
  assert.deepEqual(
    s.of('prepareTrainJob').map((i) => [i.cycle, i.replay]),
    [
      [0, undefined],
      [1, [data(0)]],
      [2, [data(1), data(0)]],
      [3, [data(2), data(1)]],
    ],
  );
  const off = stubs();
  const offCfg = config();
  await withWorker(offCfg, off.acts, async () => (await start(offCfg, 'no-replay')).result());
  assert.equal(off.of('prepareTrainJob').length, 2);
  assert.ok(
    off.of('prepareTrainJob').every((i) => i.replay === undefined),
    'off by default: nothing is carried',
  );
});

test('stage signals reach the run in order, and the run shows them as its stage', async () => {
  const cfg = config({ cycles: { max: 1 } });
  const s = stubs();
  const status = await withWorker(cfg, s.acts, async () => (await start(cfg, 'stages')).result() as Promise<RunStatus>);
  const updates = await stageUpdates('stages');
  assert.deepEqual(
    updates.map((u) => u.stage).filter((st, i, all) => st !== all[i - 1]),
    ['synthesize', 'verify', 'baseline', 'train', 'evaluate', 'target_gaps'],
  );
  // The first batch's report and the last word (reports may arrive in any order: the run keeps the larger
  // count, so `status` never steps back from 2/2 to 1/2).
  assert.deepEqual(
    updates
      .map((u) => u.counts?.batchesDone)
      .filter((n) => n !== undefined)
      .sort(),
    [1, 2],
  );
  assert.equal(status.counts.batchesDone, 2);
  assert.equal(status.counts.batches, 2);
});

test('synthesis tells the run of its first batch and its last, and of the others no more often than progressIntervalMs', async () => {
  // 4 batches one after another, each its own workflow task: without the interval each would be reported.
  const cfg = config({
    cycles: { max: 1 },
    synthesis: { perCycle: 4, batchSize: 1, parallelBatches: 1, progressIntervalMs: 3_600_000, categories: ['simple'] },
  });
  const s = stubs();
  const status = await withWorker(cfg, s.acts, async () => (await start(cfg, 'quiet')).result() as Promise<RunStatus>);
  assert.equal(s.of('synthesizeBatch').length, 4);
  const reported = (await stageUpdates('quiet'))
    .map((u) => u.counts?.batchesDone)
    .filter((n) => n !== undefined)
    .sort();
  assert.deepEqual(reported, [1, 4]);
  assert.equal(status.counts.batchesDone, 4);
  assert.equal(status.counts.batches, 4);
});

test('pause holds the cycle at rest after the stage in flight; nothing is scheduled until resume, which goes on', async () => {
  const cfg = config({
    cycles: { max: 1 },
    synthesis: { perCycle: 2, batchSize: 2, parallelBatches: 1, categories: ['simple'] },
  });
  let release: () => void = () => undefined;
  const s = stubs({ holdSynthesis: new Promise<void>((r) => (release = r)) });
  const cycleId = 'pause/cycle-0';
  const status = await withWorker(cfg, s.acts, async () => {
    const run = await start(cfg, 'pause');
    await s.synthesisEntered;
    await run.signal(pauseSignal);
    await untilHistory(
      cycleId,
      (es) => es.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'pause'),
      'the forwarded pause',
    );
    release();
    const held = await untilHistory(
      cycleId,
      (es) => es.some((e) => Number(e.eventType) === EventType.completed) && atRest(es),
      'the cycle at rest',
    );
    assert.deepEqual(
      held.filter((e) => Number(e.eventType) === EventType.scheduled).map(activityName),
      ['planTaskCount', 'synthesizeBatch', 'synthesizeBatch'],
      'the stage in flight finished its batches, then held: verification was not scheduled',
    );
    assert.equal(s.of('verifyCycle').length, 0);
    assert.equal((await run.query<RunStatus>('status')).paused, true);
    await run.signal(resumeSignal);
    return run.result() as Promise<RunStatus>;
  });
  assert.equal(status.stage, 'done');
  assert.equal(s.of('verifyCycle').length, 1, 'resume carried on with the next stage');
  assert.equal(s.of('targetGaps').length, 1);
});

test('stop while paused ends the run before the next stage, naming it; nothing after it ran', async () => {
  const cfg = config({ synthesis: { perCycle: 2, batchSize: 2, parallelBatches: 1, categories: ['simple'] } });
  let release: () => void = () => undefined;
  const s = stubs({ holdSynthesis: new Promise<void>((r) => (release = r)) });
  const status = await withWorker(cfg, s.acts, async () => {
    const run = await start(cfg, 'stop');
    await s.synthesisEntered;
    await run.signal(pauseSignal);
    await untilHistory(
      'stop/cycle-0',
      (es) => es.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'pause'),
      'the forwarded pause',
    );
    release();
    await untilHistory(
      'stop/cycle-0',
      (es) => es.some((e) => Number(e.eventType) === EventType.completed) && atRest(es),
      'the cycle at rest',
    );
    await run.signal(stopSignal);
    return run.result() as Promise<RunStatus>;
  });
  assert.equal(status.stage, 'stopped');
  assert.equal(status.stopReason, 'stopped by request before stage verify of cycle 0');
  assert.deepEqual([...new Set(s.calls.map((c) => c.name))], ['prepareRun', 'planTaskCount', 'synthesizeBatch']);
});

test('verification that keeps no RL prompt fails the run as NothingToTrain, naming the stats, without training', async () => {
  const cfg = config();
  const s = stubs({ rlPrompts: 0 });
  const err = await withWorker(cfg, s.acts, async () =>
    (await start(cfg, 'nothing')).result().then(
      () => null,
      (e: unknown) => e,
    ),
  );
  assert.ok(err instanceof WorkflowFailedError, String(err));
  // evolution <- child workflow failure <- the cycle's ApplicationFailure
  let cause: unknown = err;
  while ((cause as { cause?: unknown }).cause) cause = (cause as { cause: unknown }).cause;
  assert.equal((cause as { type?: string }).type, 'NothingToTrain');
  assert.match((cause as Error).message, /kept no RL prompt out of 4 trajectories \(see stats-0\/x\.json\)/);
  assert.equal(s.of('prepareTrainJob').length, 0);
  assert.equal(s.of('evaluatePolicy').length, 0);
});

test('the temporal train backend trains on the GPU queue (trainPolicy) and the next cycle continues from its policy', async () => {
  const gpuQueue = `gpu-${Math.random().toString(36).slice(2, 8)}`;
  const cfg = config({ train: { backend: 'temporal', taskQueue: gpuQueue } });
  const s = stubs();
  const jobs: TrainJob[] = [];
  const gpu = {
    async trainPolicy(job: TrainJob): Promise<RemoteTrainResult> {
      jobs.push(job);
      return {
        model: null,
        steps: 9,
        curve: [{ phase: 'grpo', step: 1, reward: 0.5, loss: 0.1, components: {}, call_rate: 0.75, checkpoint: null }],
        policy: { kind: 'hf', path: `${job.outputDir}/adapter` },
      };
    },
  };
  const status = await withWorker(
    cfg,
    s.acts,
    async () => (await start(cfg, 'remote')).result() as Promise<RunStatus>,
    { taskQueue: gpuQueue, activities: gpu },
  );
  assert.equal(status.stage, 'done');
  assert.deepEqual(
    jobs.map((j) => j.outputDir),
    ['/out/cycle-0', '/out/cycle-1'],
  );
  assert.equal(s.of('runTrainJob').length, 0, 'the local trainer is not used');
  const training = s.of('deployPolicy')[0].training as {
    backend: string;
    steps: number;
    callRate?: number;
    model: unknown;
  };
  assert.deepEqual([training.backend, training.steps, training.callRate, training.model], ['temporal', 9, 0.75, null]);
  assert.deepEqual(s.of('prepareTrainJob')[1].trainBase, { kind: 'hf', path: '/out/cycle-0/adapter' });
});
