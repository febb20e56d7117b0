// The train stage inside the pipeline, on a tiny model built by the trainer's fixture (no download):
// the `local` backend runs real SFT + GRPO steps and the new adapter is deployed to the (scripted,
// vLLM-like) endpoint; the `temporal` backend runs on a Python worker that is killed mid-job, and a
// second worker finishes the job from its checkpoint.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  spawnPyTrainWorker,
  startTestTemporal,
  spawnWorker,
  waitFor,
  REPO_ROOT,
  type TestTemporal,
  type WorkerProcess,
} from '../support/temporal.js';
import { startScriptedRoles, startRun, status, tempHome, testConfig, workerEnv } from '../support/pipeline.js';
import type { ScriptedServer } from '../../src/llm/scripted-server.js';
import type { RunStatus } from '../../src/workflows/definitions.js';
import type { CycleRecord } from '../../src/domain/cycle-record.js';

const PYTHON = join(REPO_ROOT, 'trainer', '.venv', 'bin', 'python');
let temporal: TestTemporal;
let llm: ScriptedServer;
let tinyModel: string;
const workers: WorkerProcess[] = [];
const pyWorkers: ChildProcess[] = [];

const trainer = {
  sft: { maxSteps: 2, batchSize: 2, maxLength: 2048 },
  grpo: { maxSteps: 3, groupSize: 2, maxCompletionLength: 16, maxPromptLength: 1536, klBeta: 0 },
  checkpointEvery: 1,
  exportGguf: false,
};

before(async () => {
  temporal = await startTestTemporal();
  llm = await startScriptedRoles();
  const fixture = mkdtempSync(join(tmpdir(), 'tiny-'));
  tinyModel = JSON.parse(
    execFileSync(PYTHON, ['-m', 'inftool_trainer.tiny_fixture', fixture], {
      cwd: join(REPO_ROOT, 'trainer'),
      encoding: 'utf8',
    }),
  ).model;
});
after(async () => {
  for (const w of workers) await w.kill();
  for (const p of pyWorkers) p.kill('SIGKILL');
  await llm?.close();
  await temporal?.close();
});

function record(home: string, result: RunStatus): CycleRecord {
  const ref = result.cycles[0].recordRef;
  return JSON.parse(readFileSync(join(home, 'artifacts', ref.key, ref.name), 'utf8'));
}

test('local backend: real GRPO steps in the train stage, and the adapter is deployed to the endpoint', async () => {
  const home = tempHome();
  const config = testConfig(llm, { cycles: { max: 1 }, train: { backend: 'local', baseModel: tinyModel, trainer } });
  const w = await spawnWorker(workerEnv(temporal.env, config, home));
  workers.push(w);
  const result = (await (await startRun(temporal.client, config, 'run-train-local')).result()) as RunStatus;
  const r = record(home, result);
  assert.equal(r.training.backend, 'local');
  assert.equal(r.training.steps, trainer.sft.maxSteps + trainer.grpo.maxSteps);
  assert.ok(r.training.curve.length > 0 && r.training.curve.every((p) => Number.isFinite(p.reward)), 'finite rewards');
  // Deployed: the endpoint got the adapter, and evaluation asked the endpoint for it by name.
  assert.deepEqual([...llm.adapters.keys()], ['run-train-local-cycle-0']);
  assert.deepEqual(result.policy, {
    kind: 'endpoint',
    baseURL: llm.baseURL,
    model: 'scripted-model',
    adapter: 'run-train-local-cycle-0',
  });
  assert.ok(
    llm.requests.some((b) => b.model === 'run-train-local-cycle-0'),
    'the new policy was evaluated',
  );
});

const startPyWorker = (queue: string) => spawnPyTrainWorker(queue, temporal.env, pyWorkers);

test('temporal backend: kill -9 the Python GPU worker mid-job, another one finishes it', async () => {
  const home = tempHome();
  const queue = `train-${Date.now()}`;
  const config = testConfig(llm, {
    cycles: { max: 1 },
    train: {
      backend: 'temporal',
      taskQueue: queue,
      remoteHeartbeatSeconds: 20,
      baseModel: tinyModel,
      trainer: { ...trainer, grpo: { ...trainer.grpo, maxSteps: 6 } },
    },
  });
  const w = await spawnWorker(workerEnv(temporal.env, config, home));
  workers.push(w);
  const first = await startPyWorker(queue);
  const handle = await startRun(temporal.client, config, 'run-train-remote');
  // Wait until the remote activity has heartbeated a checkpoint, then kill its worker.
  await waitFor(
    'a heartbeated training step',
    async () => {
      if ((await status(temporal.client, 'run-train-remote')).stage !== 'train') return false;
      const desc = await temporal.client.workflow.getHandle('run-train-remote/cycle-0').describe();
      const pending = (desc.raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'trainPolicy');
      return Boolean(pending?.heartbeatDetails?.payloads?.length);
    },
    240_000,
    200,
  );
  first.kill('SIGKILL');
  await startPyWorker(queue);
  const result = (await handle.result()) as RunStatus;
  const r = record(home, result);
  assert.equal(r.training.backend, 'temporal');
  assert.equal(r.training.steps, trainer.sft.maxSteps + 6);
  const history = await temporal.client.workflow.getHandle('run-train-remote/cycle-0').fetchHistory();
  const retried = (history.events ?? []).some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
  assert.ok(retried, 'trainPolicy ran a second attempt on the new worker');
});
