// Steering a live run: pause holds it before its next stage, resume lets it go on, stop ends it after
// the stage in progress; the status query reports each state truthfully, and the CLI sends the signals.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import {
  startTestTemporal,
  spawnWorker,
  waitFor,
  REPO_ROOT,
  type TestTemporal,
  type WorkerProcess,
} from '../support/temporal.js';
import { startScriptedRoles, startRun, status, tempHome, testConfig, workerEnv } from '../support/pipeline.js';
import type { ScriptedServer } from '../../src/llm/scripted-server.js';
import { requestStopUpdate, stopSignal, type RunStatus } from '../../src/workflows/definitions.js';

const exec = promisify(execFile);
let temporal: TestTemporal;
let llm: ScriptedServer;
let worker: WorkerProcess;
const home = tempHome();
let config: ReturnType<typeof testConfig>;
const cli = (...args: string[]) =>
  exec(process.execPath, [join(REPO_ROOT, 'bin/inftool.js'), ...args], {
    env: { ...process.env, ...temporal.env },
    cwd: REPO_ROOT,
  });

before(async () => {
  temporal = await startTestTemporal();
  llm = await startScriptedRoles({ delayMs: 60 });
  config = testConfig(llm, { cycles: { max: 1 } });
  worker = await spawnWorker(workerEnv(temporal.env, config, home));
});
after(async () => {
  await worker?.kill('SIGTERM');
  await llm?.close();
  await temporal?.close();
});

test('pause holds the run before its next stage; resume lets it finish', async () => {
  const handle = await startRun(temporal.client, config, 'run-pause');
  await waitFor(
    'synthesis',
    async () => (await status(temporal.client, 'run-pause')).stage === 'synthesize',
    60_000,
    50,
  );
  assert.match((await cli('pause', 'run-pause')).stdout, /pause sent to run-pause/);
  const paused = await waitFor('paused status', async () => {
    const s = await status(temporal.client, 'run-pause');
    return s.paused && s;
  });
  assert.equal(paused.paused, true);
  // Synthesis in progress finishes; then the cycle rests, paused, before its next stage. The proof is its history
  // at rest (every activity it scheduled has closed, and none of them is verify's), not a sleep.
  const cycle = temporal.client.workflow.getHandle('run-pause/cycle-0');
  const atRest = await waitFor(
    'the paused cycle to rest before its next stage',
    async () => {
      const desc = await cycle.describe();
      if ((desc.raw.pendingActivities ?? []).length > 0) return false;
      const events = (await cycle.fetchHistory()).events ?? [];
      const scheduled = events
        .filter((e) => e.activityTaskScheduledEventAttributes)
        .map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name!);
      const closed = events.filter(
        (e) => e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes,
      ).length;
      const last = events.at(-1);
      return scheduled.length > 0 && closed === scheduled.length && last?.workflowTaskCompletedEventAttributes
        ? scheduled
        : false;
    },
    120_000,
    200,
  );
  assert.deepEqual(
    [...new Set(atRest)].sort(),
    ['planTaskCount', 'synthesizeBatch'],
    'only synthesis ran; verify was never scheduled while paused',
  );
  const held = await status(temporal.client, 'run-pause');
  assert.equal(held.stage, 'synthesize', `still before verify while paused, got ${held.stage}`);
  const line = (await cli('status', 'run-pause')).stdout;
  assert.match(line, /stage synthesize \(paused\)/);
  await cli('resume', 'run-pause');
  const result = (await handle.result()) as RunStatus;
  assert.equal(result.stage, 'done');
  assert.equal(result.paused, false);
  assert.equal(result.cycles.length, 1);
});

test('stop ends the run after the stage in progress, with the reason', async () => {
  const handle = await startRun(temporal.client, config, 'run-stop');
  // Signal while synthesis is verifiably mid-way (the CLI's start-up could outlast the stage).
  await waitFor(
    'synthesis under way',
    async () => {
      const s = await status(temporal.client, 'run-stop');
      return (
        s.stage === 'synthesize' &&
        (s.counts.batchesDone ?? 0) >= 1 &&
        (s.counts.batchesDone ?? 0) < (s.counts.batches ?? 0)
      );
    },
    60_000,
    20,
  );
  await handle.signal(stopSignal);
  const result = (await handle.result()) as RunStatus;
  assert.equal(result.stage, 'stopped');
  assert.equal(result.stopRequested, true);
  assert.match(result.stopReason ?? '', /stopped by request before stage verify of cycle 0/);
  assert.equal(result.cycles.length, 0);
  const child = await temporal.client.workflow.getHandle('run-stop/cycle-0').describe();
  assert.equal(child.status.name, 'COMPLETED', 'the cycle workflow ended cleanly, not terminated');
});

test('the requestStop update answers once the stop took effect, with the reason', async () => {
  const handle = await startRun(temporal.client, config, 'run-stop-update');
  await waitFor(
    'synthesis under way',
    async () => {
      const s = await status(temporal.client, 'run-stop-update');
      return (
        s.stage === 'synthesize' &&
        (s.counts.batchesDone ?? 0) >= 1 &&
        (s.counts.batchesDone ?? 0) < (s.counts.batches ?? 0)
      );
    },
    60_000,
    20,
  );
  const answer = await handle.executeUpdate(requestStopUpdate);
  assert.equal(answer.stage, 'stopped');
  assert.match(answer.reason, /stopped by request before stage verify of cycle 0/);
  const result = (await handle.result()) as RunStatus;
  assert.equal(result.stage, 'stopped');
  assert.equal(result.stopReason, answer.reason);
});

test('signals to a run that does not exist fail with exit code 1 and say so', async () => {
  await assert.rejects(
    cli('pause', 'run-nope'),
    (err: { code: number; stderr: string }) => err.code === 1 && /no run with id 'run-nope'/.test(err.stderr),
  );
});
