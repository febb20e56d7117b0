// One failure vocabulary for both train backends: the same bad job (a base model that does not exist)
// fails the train stage once, non-retryably, with the same error type, whether the local backend runs it
// on the TypeScript worker or the Python GPU worker runs it from its task queue.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { temporal as proto } from '@temporalio/proto';
import {
  spawnPyTrainWorker,
  startTestTemporal,
  spawnWorker,
  type TestTemporal,
  type WorkerProcess,
} from '../support/temporal.js';
import { startScriptedRoles, startRun, tempHome, testConfig, workerEnv } from '../support/pipeline.js';
import type { ScriptedServer } from '../../src/llm/scripted-server.js';

let temporal: TestTemporal;
let llm: ScriptedServer;
const workers: WorkerProcess[] = [];
const pyWorkers: ChildProcess[] = [];

before(async () => {
  temporal = await startTestTemporal();
  llm = await startScriptedRoles();
});
after(async () => {
  for (const w of workers) await w.kill();
  for (const p of pyWorkers) p.kill('SIGKILL');
  await llm?.close();
  await temporal?.close();
});

const startPyWorker = (queue: string) => spawnPyTrainWorker(queue, temporal.env, pyWorkers);

type Failed = { activity: string; type: string; nonRetryable: boolean; message: string; attempts: number[] };

/** The train activity's failure in the cycle's history, and the attempts it was started with. */
async function trainFailure(runId: string, activity: string): Promise<Failed> {
  const history = await temporal.client.workflow.getHandle(`${runId}/cycle-0`).fetchHistory();
  const events = (history.events ?? []) as proto.api.history.v1.IHistoryEvent[];
  const scheduled = new Map<string, string>();
  for (const e of events) {
    const a = e.activityTaskScheduledEventAttributes;
    if (a) scheduled.set(String(e.eventId), a.activityType?.name ?? '');
  }
  const of = (id: unknown) => scheduled.get(String(id));
  const attempts = events.flatMap((e) =>
    e.activityTaskStartedEventAttributes && of(e.activityTaskStartedEventAttributes.scheduledEventId) === activity
      ? [e.activityTaskStartedEventAttributes.attempt ?? 1]
      : [],
  );
  const failed = events.find(
    (e) => e.activityTaskFailedEventAttributes && of(e.activityTaskFailedEventAttributes.scheduledEventId) === activity,
  );
  assert.ok(failed, `${activity} did not fail in ${runId}/cycle-0`);
  const f = failed.activityTaskFailedEventAttributes!.failure!;
  const info = f.applicationFailureInfo!;
  return {
    activity,
    type: info.type ?? '',
    nonRetryable: Boolean(info.nonRetryable),
    message: f.message ?? '',
    attempts,
  };
}

const badBase = '/nonexistent/inftool-base-model';

test('a bad train job fails once, non-retryably, as BadInput on both backends', async () => {
  const queue = `train-${Date.now()}`;
  const runs = [
    { runId: 'run-bad-local', activity: 'runTrainJob', train: { backend: 'local', baseModel: badBase } },
    {
      runId: 'run-bad-remote',
      activity: 'trainPolicy',
      train: { backend: 'temporal', taskQueue: queue, baseModel: badBase },
    },
  ];
  await startPyWorker(queue);
  const seen: Failed[] = [];
  for (const run of runs) {
    const home = tempHome();
    const config = testConfig(llm, { cycles: { max: 1 }, train: run.train });
    const w = await spawnWorker(workerEnv(temporal.env, config, home));
    workers.push(w);
    await assert.rejects((await startRun(temporal.client, config, run.runId)).result());
    seen.push(await trainFailure(run.runId, run.activity));
  }
  for (const f of seen) {
    assert.equal(f.type, 'BadInput', `${f.activity}: ${f.message}`);
    assert.ok(f.nonRetryable, `${f.activity} is retryable`);
    assert.deepEqual(f.attempts, [1], `${f.activity} ran ${f.attempts.length} attempts`);
    assert.match(f.message, /base model \/nonexistent\/inftool-base-model does not exist/);
  }
});
