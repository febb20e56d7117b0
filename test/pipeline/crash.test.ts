// Durability: kill -9 the worker in the middle of synthesis and again in the middle of a long,
// heartbeating stage, and restart the Temporal server mid-run on the same database. Each run completes,
// and its verified dataset is identical to an uninterrupted run with the same seed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestTemporal, spawnWorker, waitFor, type TestTemporal, type WorkerProcess } from '../support/temporal.js';
import { startScriptedRoles, startRun, status, tempHome, testConfig, workerEnv } from '../support/pipeline.js';
import type { ScriptedServer } from '../../src/llm/scripted-server.js';
import type { RunStatus } from '../../src/workflows/definitions.js';
import type { CycleRecord } from '../../src/domain/cycle-record.js';
import type { RunConfig } from '../../src/config.js';

/** temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED: a worker holds the attempt. */
const STARTED = 2;

let temporal: TestTemporal;
let fast: ScriptedServer;
let slow: ScriptedServer;
const workers: WorkerProcess[] = [];

before(async () => {
  temporal = await startTestTemporal();
  fast = await startScriptedRoles();
  slow = await startScriptedRoles({ delayMs: 120 });
});
after(async () => {
  for (const w of workers) await w.kill();
  await fast?.close();
  await slow?.close();
  await temporal?.close();
});

async function worker(config: RunConfig, home: string): Promise<WorkerProcess> {
  const w = await spawnWorker(workerEnv(temporal.env, config, home));
  workers.push(w);
  return w;
}

/** The verified dataset of a finished run: every cycle's trajectory ids with their acceptance. */
function dataset(result: RunStatus, home: string): { ids: string[]; accepted: string[] } {
  const ids: string[] = [];
  const accepted: string[] = [];
  for (const c of result.cycles) {
    const record = JSON.parse(
      readFileSync(join(home, 'artifacts', c.recordRef.key, c.recordRef.name), 'utf8'),
    ) as CycleRecord;
    const ref = record.artifacts.trajectories;
    for (const line of readFileSync(join(home, 'artifacts', ref.key, ref.name), 'utf8')
      .trim()
      .split('\n')) {
      const t = JSON.parse(line) as { id: string; accepted: boolean };
      ids.push(t.id);
      if (t.accepted) accepted.push(t.id);
    }
  }
  return { ids, accepted };
}

/** Same run, same seed, but pointed at an endpoint with its own port: identical except the baseURL. */
function configFor(llm: ScriptedServer, queue: string): RunConfig {
  return testConfig(llm, { temporal: { taskQueue: queue, heartbeatSeconds: 3 } });
}

/** The uninterrupted run's dataset, made once by whichever test needs it first (the tests run in any order, or alone). */
let referenceRun: Promise<{ ids: string[]; accepted: string[] }> | undefined;
function referenceDataset() {
  return (referenceRun ??= (async () => {
    const home = tempHome();
    const config = configFor(fast, 'q-ref');
    const w = await worker(config, home);
    const result = await (await startRun(temporal.client, config, 'run-ref')).result();
    await w.kill('SIGTERM');
    return dataset(result, home);
  })());
}

/** Resolves once `type` is running on a worker in `workflowId` (a kill then lands inside it, never between activities). */
function activityInFlight(workflowId: string, type: string) {
  return waitFor(
    `${type} in flight in ${workflowId}`,
    async () => {
      const desc = await temporal.client.workflow.getHandle(workflowId).describe();
      return (desc.raw.pendingActivities ?? []).some((a) => a.activityType?.name === type && a.state === STARTED);
    },
    180_000,
    50,
  );
}

test('an uninterrupted run gives the reference dataset', async () => {
  const reference = await referenceDataset();
  assert.equal(reference.ids.length, 16);
  assert.ok(reference.accepted.length > 0);
});

test('kill -9 mid-synthesis and mid-evaluation: the run completes with the identical dataset', async () => {
  const home = tempHome();
  const config = configFor(slow, 'q-crash');
  let w = await worker(config, home);
  const handle = await startRun(temporal.client, config, 'run-crash');

  await waitFor(
    'synthesis to be under way',
    async () => {
      const s = await status(temporal.client, 'run-crash');
      return (
        s.stage === 'synthesize' &&
        (s.counts.batchesDone ?? 0) >= 1 &&
        (s.counts.batchesDone ?? 0) < (s.counts.batches ?? 0)
      );
    },
    120_000,
    50,
  );
  await activityInFlight('run-crash/cycle-0', 'synthesizeBatch');
  await w.kill('SIGKILL');
  w = await worker(config, home);

  await waitFor(
    'the evaluate stage',
    async () => (await status(temporal.client, 'run-crash')).stage === 'evaluate',
    180_000,
    50,
  );
  const { cycle } = await status(temporal.client, 'run-crash');
  await activityInFlight(`run-crash/cycle-${cycle}`, 'evaluatePolicy');
  await w.kill('SIGKILL');
  w = await worker(config, home);

  const result = await handle.result();
  assert.equal(result.stage, 'done');
  const got = dataset(result, home);
  const reference = await referenceDataset();
  assert.deepEqual(got.ids, reference.ids, 'same trajectories in the same order');
  assert.equal(new Set(got.ids).size, got.ids.length, 'no duplicates');
  assert.deepEqual(got.accepted, reference.accepted, 'the same ones accepted');
  // The killed attempts really were retried: some activity ran more than once.
  const child = await temporal.client.workflow.getHandle('run-crash/cycle-0').fetchHistory();
  const attempts = (child.events ?? []).filter(
    (e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1,
  );
  const child1 = await temporal.client.workflow
    .getHandle('run-crash/cycle-1')
    .fetchHistory()
    .catch(() => null);
  const attempts1 = (child1?.events ?? []).filter(
    (e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1,
  );
  assert.ok(attempts.length + attempts1.length >= 1, 'a killed activity was retried on the new worker');
});

test('restarting the Temporal server mid-run on the same database: the run resumes and completes', async () => {
  const home = tempHome();
  const config = configFor(slow, 'q-restart');
  await worker(config, home);
  await startRun(temporal.client, config, 'run-restart');
  await waitFor(
    'synthesis to be under way',
    async () => {
      const s = await status(temporal.client, 'run-restart');
      return s.stage === 'synthesize' && (s.counts.batchesDone ?? 0) >= 1;
    },
    120_000,
    50,
  );
  await temporal.restart();
  const result = (await temporal.client.workflow.getHandle('run-restart').result()) as RunStatus;
  assert.equal(result.stage, 'done');
  const got = dataset(result, home);
  const reference = await referenceDataset();
  assert.deepEqual(got.ids, reference.ids);
  assert.deepEqual(got.accepted, reference.accepted);
});
