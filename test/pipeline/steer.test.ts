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
  llm = await startScriptedRoles({ delayMs: 60, beforeReply: async () => holding?.hold() });
  config = testConfig(llm, { cycles: { max: 1 } });
  worker = await spawnWorker(workerEnv(temporal.env, config, home));
});
after(async () => {
  await worker?.kill('SIGTERM');
  await llm?.close();
  await temporal?.close();
});

/**
 * Holds the scripted endpoint's replies from the run's first model call until the cycle workflow has received
 * `signal`, which `steer` makes the run send it: so the steering lands while synthesis is in flight, for sure,
 * however loaded the machine (a status read and a signal sent after it can both outlast the stage).
 * Returns what `steer` returned, not awaited (a stop Update answers only once the run has ended).
 */
let holding: { hold(): Promise<void>; held: number } | undefined;
/** The config with another seed: tasks of its own, so synthesis calls the model (identical runs share batches). */
const ownSynthesis = (n: number) => ({ ...config, seed: config.seed + n });
async function duringSynthesis<T>(runId: string, signal: string, steer: () => T): Promise<{ steered: T }> {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const h = { held: 0, hold: () => (h.held++, gate) };
  holding = h;
  try {
    await waitFor('a synthesis call held', async () => h.held > 0, 60_000, 20);
    assert.equal((await status(temporal.client, runId)).stage, 'synthesize');
    const steered = steer();
    const cycle = temporal.client.workflow.getHandle(`${runId}/cycle-0`);
    await waitFor(
      `the cycle to receive ${signal}`,
      async () =>
        ((await cycle.fetchHistory()).events ?? []).some(
          (e) => e.workflowExecutionSignaledEventAttributes?.signalName === signal,
        ),
      60_000,
      20,
    );
    return { steered };
  } finally {
    holding = undefined;
    release();
  }
}

test('pause holds the run before its next stage; resume lets it finish', async () => {
  const handle = await startRun(temporal.client, ownSynthesis(1), 'run-pause');
  const { steered } = await duringSynthesis('run-pause', 'pause', async () => (await cli('pause', 'run-pause')).stdout);
  assert.match(await steered, /pause sent to run-pause/);
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
  const handle = await startRun(temporal.client, ownSynthesis(2), 'run-stop');
  await (
    await duringSynthesis('run-stop', 'stop', () => handle.signal(stopSignal))
  ).steered;
  const result = (await handle.result()) as RunStatus;
  assert.equal(result.stage, 'stopped');
  assert.equal(result.stopRequested, true);
  assert.match(result.stopReason ?? '', /stopped by request before stage verify of cycle 0/);
  assert.equal(result.cycles.length, 0);
  const child = await temporal.client.workflow.getHandle('run-stop/cycle-0').describe();
  assert.equal(child.status.name, 'COMPLETED', 'the cycle workflow ended cleanly, not terminated');
});

test('the requestStop update answers once the stop took effect, with the reason', async () => {
  const handle = await startRun(temporal.client, ownSynthesis(3), 'run-stop-update');
  const { steered } = await duringSynthesis('run-stop-update', 'stop', () => handle.executeUpdate(requestStopUpdate));
  const answer = await steered;
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
