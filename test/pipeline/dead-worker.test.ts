// No stage stalls on a dead worker, even one that dies inside an activity with no natural bound: a worker
// killed -9 while prepareRun waits on a slow live MCP server hands the activity on within its heartbeat
// timeout (seconds here), not after its start-to-close timeout (30 minutes).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startTestTemporal,
  spawnWorker,
  waitFor,
  REPO_ROOT,
  type TestTemporal,
  type WorkerProcess,
} from '../support/temporal.js';
import { startScriptedRoles, startRun, tempHome, testConfig, workerEnv } from '../support/pipeline.js';
import type { ScriptedServer } from '../../src/llm/scripted-server.js';

let temporal: TestTemporal;
let llm: ScriptedServer;
const workers: WorkerProcess[] = [];

before(async () => {
  temporal = await startTestTemporal();
  llm = await startScriptedRoles();
});
after(async () => {
  for (const w of workers) await w.kill();
  await llm?.close();
  await temporal?.close();
});

/** A run whose only spec source is a live MCP server that waits for `hold` to go away before it answers. */
function heldRun(home: string) {
  const hold = join(home, 'hold');
  const started = join(home, 'started');
  writeFileSync(hold, '');
  const server = `stdio:${process.execPath} ${join(REPO_ROOT, 'test/support/held-mcp-server.mjs')} ${hold} ${started}`;
  const config = testConfig(llm, {
    cycles: { max: 1 },
    specs: { sources: [server] },
    synthesis: { perCycle: 2, categories: ['simple'] },
  });
  assert.equal(config.temporal.heartbeatSeconds, 3);
  return {
    hold,
    started,
    config,
    serverStarted: async () => existsSync(started) && readFileSync(started, 'utf8').trim().length > 0,
  };
}

/** The attempt that completed the run's first activity (prepareRun), once it has. */
async function prepareCompletedOn(handle: Awaited<ReturnType<typeof startRun>>): Promise<number | undefined> {
  const events = (await handle.fetchHistory()).events ?? [];
  const done = events.find((e) => e.activityTaskCompletedEventAttributes);
  if (!done) return undefined;
  const startedId = String(done.activityTaskCompletedEventAttributes!.startedEventId);
  return events.find((e) => String(e.eventId) === startedId)?.activityTaskStartedEventAttributes?.attempt ?? 1;
}

test('a healthy worker keeps a slow prepareRun alive past its heartbeat timeout', async () => {
  const home = tempHome();
  const { hold, config, serverStarted } = heldRun(home);
  workers.push(await spawnWorker(workerEnv(temporal.env, config, home)));
  const handle = await startRun(temporal.client, config, 'run-slow-prepare');
  await waitFor('prepareRun to start the MCP server', serverStarted);
  // Held until the server has seen it beat for longer than the 3 s heartbeat timeout.
  await waitFor(
    'heartbeats past the heartbeat timeout',
    async () => {
      const pending = (await handle.describe()).raw.pendingActivities?.[0];
      const secs = (t?: { seconds?: unknown; nanos?: number | null } | null) =>
        t ? Number(t.seconds) + (t.nanos ?? 0) / 1e9 : NaN;
      return pending?.attempt === 1 && secs(pending.lastHeartbeatTime) - secs(pending.lastStartedTime) > 4;
    },
    60_000,
  );
  rmSync(hold);
  assert.equal(
    await waitFor('prepareRun to complete', () => prepareCompletedOn(handle)),
    1,
    'completed on its first attempt',
  );
  await handle.terminate('test done');
});

test('a worker killed inside prepareRun: the next worker takes it over within the heartbeat timeout', async () => {
  for (const w of workers.splice(0)) await w.kill();
  const home = tempHome();
  const { hold, config, serverStarted } = heldRun(home);
  const first = await spawnWorker(workerEnv(temporal.env, config, home));
  workers.push(first);
  const handle = await startRun(temporal.client, config, 'run-dead-prepare');
  await waitFor('prepareRun to start the MCP server', serverStarted);
  await first.kill('SIGKILL');
  rmSync(hold);
  workers.push(await spawnWorker(workerEnv(temporal.env, config, home)));
  // Bounded well below the 30-minute start-to-close timeout: only the heartbeat timeout can get it there.
  const attempt = await waitFor(
    'prepareRun to complete on the second worker',
    () => prepareCompletedOn(handle),
    90_000,
  );
  assert.equal(attempt, 2, 'the second attempt completed it');
  await handle.terminate('test done');
});
