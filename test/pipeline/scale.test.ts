// The large-cycle fan-out at a small size, on a real Temporal dev server with a worker process: 500
// trajectories in 100 batches over 5 synthesis lanes (4 parallel batches and 1 of lookahead, the batches
// sharing 4 slots on the worker) that continue as new every 8 batches. Every planned task becomes exactly
// one trajectory, in task order; no workflow's history grows with the cycle (each lane execution stays
// within the bound its segment fixes, the cycle holds one child per lane and no batch); the histories replay
// against today's code. No timing is asserted (bench/scale.ts measures).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { temporal as proto } from '@temporalio/proto';
import { quietRuntime } from '../../src/workers/worker.js';
import { expandPlan } from '../../src/plan/expand.js';
import type { Plan } from '../../src/domain/plan.js';
import { CycleRecordSchema } from '../../src/domain/cycle-record.js';
import { LANE_PROGRESS_SIGNALS, RUN_PROGRESS_REPORTS } from '../../src/workflows/cycle.js';
import type { RunStatus } from '../../src/workflows/definitions.js';
import type { ScriptedServer } from '../../src/llm/scripted-server.js';
import {
  startTestTemporal,
  spawnWorker,
  REPO_ROOT,
  type TestTemporal,
  type WorkerProcess,
} from '../support/temporal.js';
import { recordDir, startScriptedRoles, startRun, tempHome, testConfig, workerEnv } from '../support/pipeline.js';

const N = 500;
const BATCH = 5;
const PARALLEL = 4;
const LOOKAHEAD = 1;
const LANES = PARALLEL + LOOKAHEAD;
const SEGMENT = 8;
const BATCHES = N / BATCH;

let temporal: TestTemporal;
let llm: ScriptedServer;
let worker: WorkerProcess;
const home = tempHome();
let result: RunStatus;
type Execution = { workflowId: string; runId: string; type: string; events: proto.api.history.v1.IHistoryEvent[] };
const executions: Execution[] = [];

before(async () => {
  temporal = await startTestTemporal();
  llm = await startScriptedRoles();
  const endpoint = {
    kind: 'openai',
    baseURL: llm.baseURL,
    model: 'scripted-model',
    maxRetries: 2,
    temperature: 0,
    concurrency: 16,
  };
  const config = testConfig(llm, {
    cycles: { max: 1 },
    synthesis: {
      perCycle: N,
      batchSize: BATCH,
      parallelBatches: PARALLEL,
      lookaheadBatches: LOOKAHEAD,
      inlineBatches: 0,
      laneSegmentBatches: SEGMENT,
      categories: ['simple', 'multiple', 'parallel', 'irrelevance'],
    },
    roles: { user: endpoint, assistant: endpoint, simulator: endpoint },
    evaluate: { categories: ['simple_python'], limit: 1, baseline: false, rolloutPrompts: 0, poolSize: 4 },
  });
  worker = await spawnWorker({ ...workerEnv(temporal.env, config, home), INFTOOL_WORKER_CONCURRENCY: '8' });
  result = await (await startRun(temporal.client, config, 'run-scale')).result();
  for await (const wf of temporal.client.workflow.list({ query: `WorkflowId STARTS_WITH 'run-scale'` })) {
    const history = await temporal.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    executions.push({ workflowId: wf.workflowId, runId: wf.runId, type: wf.type, events: history.events ?? [] });
  }
});

after(async () => {
  await worker?.kill('SIGTERM');
  await llm?.close();
  await temporal?.close();
});

const artifact = (ref: { key: string; name: string }) =>
  readFileSync(join(home, 'artifacts', ref.key, ref.name), 'utf8');
const scheduled = (e: Execution, type: string) =>
  e.events.filter((ev) => ev.activityTaskScheduledEventAttributes?.activityType?.name === type).length;

test('every planned task becomes exactly one trajectory, in task order', () => {
  assert.equal(result.stage, 'done');
  const c = result.cycles[0];
  assert.equal(c.trajectories, N);
  const record = CycleRecordSchema.parse(JSON.parse(artifact(c.recordRef)));
  const planned = expandPlan(JSON.parse(artifact(record.artifacts.plan)) as Plan).map((t) => t.id);
  const made = artifact(record.artifacts.trajectories)
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { id: string }).id);
  assert.equal(new Set(made).size, made.length, 'no trajectory twice');
  assert.deepEqual(made, planned, 'each planned task once, none lost, in task order');
  // Each batch ran once: one completed synthesizeBatch per batch index across all lane executions.
  const byIndex = new Map<number, number>();
  for (const e of executions.filter((x) => x.type === 'synthesisLaneWorkflow')) {
    for (const ev of e.events) {
      const input = ev.activityTaskScheduledEventAttributes;
      if (input?.activityType?.name !== 'synthesizeBatch') continue;
      const { batchIndex, slots } = JSON.parse(Buffer.from(input.input!.payloads![0].data!).toString('utf8')) as {
        batchIndex: number;
        slots?: number;
      };
      byIndex.set(batchIndex, (byIndex.get(batchIndex) ?? 0) + 1);
      assert.equal(slots, PARALLEL, `batch ${batchIndex} shares the ${PARALLEL} slots of its worker`);
    }
  }
  assert.deepEqual(
    [...byIndex.keys()].sort((a, b) => a - b),
    Array.from({ length: BATCHES }, (_, i) => i),
  );
  assert.ok(
    [...byIndex.values()].every((n) => n === 1),
    'no batch scheduled twice',
  );
});

test('each lane continues as new every segment, and no history grows with the cycle', () => {
  const lanes = executions.filter((e) => e.type === 'synthesisLaneWorkflow');
  const perLane = BATCHES / LANES;
  assert.deepEqual(
    [...new Set(lanes.map((e) => e.workflowId))].sort(),
    Array.from({ length: LANES }, (_, i) => `run-scale/cycle-0/synthesize-${i}`).sort(),
  );
  // 20 batches a lane, 8 a segment: 3 executions each, the first two ending in continue-as-new.
  for (let i = 0; i < LANES; i++) {
    const runs = lanes.filter((e) => e.workflowId === `run-scale/cycle-0/synthesize-${i}`);
    assert.equal(runs.length, Math.ceil(perLane / SEGMENT), `lane ${i} executions`);
    assert.equal(
      runs.filter((e) => e.events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).length,
      runs.length - 1,
    );
    assert.deepEqual(
      runs.map((e) => scheduled(e, 'synthesizeBatch')).sort((a, b) => b - a),
      [8, 8, 4],
    );
  }
  // The pattern's bound on one lane execution: per batch 3 activity events and a workflow task (3), a progress
  // signal (2 and a task) at most once a batch, the manifest activity, the start and the continue-as-new.
  const laneBound = SEGMENT * (6 + 5) + 6 + 3 + 3;
  for (const e of lanes)
    assert.ok(e.events.length <= laneBound, `${e.workflowId} has ${e.events.length} events, bound ${laneBound}`);

  const cycle = executions.find((e) => e.type === 'cycleWorkflow')!;
  assert.equal(scheduled(cycle, 'synthesizeBatch'), 0, 'no batch runs in the cycle itself');
  assert.equal(
    cycle.events.filter((ev) => ev.startChildWorkflowExecutionInitiatedEventAttributes).length,
    LANES,
    'one child per lane',
  );
  const laneSignals = cycle.events.filter(
    (ev) => ev.workflowExecutionSignaledEventAttributes?.signalName === 'laneProgress',
  ).length;
  assert.ok(laneSignals > 0 && laneSignals <= LANE_PROGRESS_SIGNALS, `${laneSignals} lane progress signals`);
  const toRun = cycle.events.filter((ev) => ev.signalExternalWorkflowExecutionInitiatedEventAttributes).length;
  assert.ok(
    toRun <= RUN_PROGRESS_REPORTS + 8,
    `${toRun} signals to the run: progress at most every 1%, plus the stages`,
  );
  // The verify input names one manifest per lane, not one ref per batch.
  const verify = cycle.events.find(
    (ev) => ev.activityTaskScheduledEventAttributes?.activityType?.name === 'verifyCycle',
  )!;
  const input = JSON.parse(
    Buffer.from(verify.activityTaskScheduledEventAttributes!.input!.payloads![0].data!).toString('utf8'),
  );
  assert.equal(input.batchRefs.length, 0);
  assert.equal(input.batchManifests.length, LANES);
  assert.equal(input.batches, BATCHES);
});

test("the lane fan-out's histories replay against today's workflow code", async () => {
  quietRuntime();
  const cycle = executions.find((e) => e.type === 'cycleWorkflow')!;
  const lane = executions
    .filter((e) => e.workflowId === 'run-scale/cycle-0/synthesize-0')
    .find((e) => e.events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes)!;
  for (const e of [cycle, lane]) {
    const history = await temporal.client.workflow.getHandle(e.workflowId, e.runId).fetchHistory();
    // INFTOOL_RECORD_HISTORIES=<label> records them as committed fixtures (test/fixtures/histories/<label>/), which
    // replay.test.ts checks on every change.
    if (process.env.INFTOOL_RECORD_HISTORIES) {
      writeFileSync(
        join(recordDir(process.env.INFTOOL_RECORD_HISTORIES), `${e.workflowId.replaceAll('/', '_')}.json`),
        historyToJSON(history),
      );
    }
    await Worker.runReplayHistory({ workflowsPath: join(REPO_ROOT, 'src/workflows/index.ts') }, history, e.workflowId);
  }
});
