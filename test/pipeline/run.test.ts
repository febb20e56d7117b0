// A whole run on a real Temporal dev server, with a worker process and the scripted endpoint: two cycles
// complete, artifacts exist, status tells the truth, and the CLI reads the run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Worker } from '@temporalio/worker';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { quietRuntime } from '../../src/workers/worker.js';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import {
  startTestTemporal,
  spawnWorker,
  REPO_ROOT,
  type TestTemporal,
  type WorkerProcess,
} from '../support/temporal.js';
import { recordDir, startScriptedRoles, startRun, tempHome, testConfig, workerEnv } from '../support/pipeline.js';
import type { ScriptedServer } from '../../src/llm/scripted-server.js';
import type { RunStatus } from '../../src/workflows/definitions.js';
import { CycleRecordSchema } from '../../src/domain/cycle-record.js';
import { RlPromptSchema } from '../../src/domain/rl-prompt.js';
import { TrajectorySchema } from '../../src/domain/trajectory.js';

const run = promisify(execFile);
let temporal: TestTemporal;
let llm: ScriptedServer;
let worker: WorkerProcess;
const home = tempHome();
// Every role authenticates with a key named by env var; the key itself must never leave the worker's memory.
const SECRET = 'sk-inftool-test-5ecret-d0-not-leak';
const config = () => {
  const endpoint = {
    kind: 'openai',
    baseURL: llm.baseURL,
    model: 'scripted-model',
    maxRetries: 2,
    temperature: 0,
    apiKeyEnv: 'INFTOOL_TEST_API_KEY',
  };
  return testConfig(llm, { roles: { user: endpoint, assistant: endpoint, simulator: endpoint } });
};
let cfg: ReturnType<typeof testConfig>;
let result: RunStatus;

before(async () => {
  temporal = await startTestTemporal();
  llm = await startScriptedRoles();
  cfg = config();
  worker = await spawnWorker({ ...workerEnv(temporal.env, cfg, home), INFTOOL_TEST_API_KEY: SECRET });
  const handle = await startRun(temporal.client, cfg, 'run-e2e');
  result = await handle.result();
});

after(async () => {
  await worker?.kill('SIGTERM');
  await llm?.close();
  await temporal?.close();
});

test('a 2-cycle run completes with one record per cycle', () => {
  assert.equal(result.stage, 'done');
  assert.equal(result.cycles.length, 2);
  assert.deepEqual(
    result.cycles.map((c) => c.cycle),
    [0, 1],
  );
  assert.match(result.stopReason ?? '', /cycles\.max = 2/);
  for (const c of result.cycles)
    assert.ok(c.trajectories === 8, `cycle ${c.cycle} synthesized ${c.trajectories} trajectories`);
});

test('each cycle leaves a valid record, dataset, RL prompts and card in the artifact store', () => {
  for (const c of result.cycles) {
    const recordFile = join(home, 'artifacts', c.recordRef.key, c.recordRef.name);
    const record = CycleRecordSchema.parse(JSON.parse(readFileSync(recordFile, 'utf8')));
    assert.equal(record.cycle, c.cycle);
    for (const name of ['trajectories', 'rlPrompts', 'stats', 'plan', 'validationVerdicts']) {
      const ref = record.artifacts[name];
      assert.ok(
        ref && existsSync(join(home, 'artifacts', ref.key, ref.name)),
        `cycle ${c.cycle}: ${name} artifact exists`,
      );
    }
    const at = (ref: { key: string; name: string }) =>
      readFileSync(join(home, 'artifacts', ref.key, ref.name), 'utf8')
        .trim()
        .split('\n');
    const trajectories = at(record.artifacts.trajectories).map((l) => TrajectorySchema.parse(JSON.parse(l)));
    assert.equal(trajectories.length, 8);
    assert.ok(
      trajectories.some((t) => t.accepted),
      'the oracle assistant gets some trajectories accepted',
    );
    assert.ok(
      trajectories.every((t) => t.verdicts?.length),
      'every trajectory carries its gate verdicts',
    );
    const prompts = at(record.artifacts.rlPrompts).map((l) => RlPromptSchema.parse(JSON.parse(l)));
    assert.equal(prompts.length, record.synthesis.rlPrompts);
    assert.ok(existsSync(join(home, 'artifacts', record.artifacts.trajectories.key, 'dataset_card.md')));
    assert.ok(Object.keys(record.evaluation.bfcl).length > 0, 'BFCL was scored');
    assert.ok(record.stages.synthesize && record.stages.verify && record.stages.evaluate, 'stage times recorded');
    assert.ok(
      record.stages.evaluate.tokens > 0,
      `the evaluate stage counts the tokens it spent, got ${record.stages.evaluate.tokens}`,
    );
  }
});

test('the starting policy is scored before cycle 0 trains, and every cycle on the same fixed items', async () => {
  assert.ok(result.baseline, 'the run carries a baseline');
  assert.deepEqual(result.cycles[0].baseline, result.baseline);
  const records = result.cycles.map((c) =>
    CycleRecordSchema.parse(
      JSON.parse(readFileSync(join(home, 'artifacts', c.recordRef.key, c.recordRef.name), 'utf8')),
    ),
  );
  assert.deepEqual(records[0].baseline, result.baseline, 'cycle 0 record keeps the baseline');
  assert.equal(records[1].baseline, undefined);
  // Order in cycle 0's history: verification, then the baseline evaluation, then training, then the trained policy's evaluation.
  const history = await temporal.client.workflow.getHandle('run-e2e/cycle-0').fetchHistory();
  const scheduled = (history.events ?? []).flatMap((e) =>
    e.activityTaskScheduledEventAttributes?.activityType?.name
      ? [e.activityTaskScheduledEventAttributes.activityType.name]
      : [],
  );
  const at = (name: string, from = 0) => scheduled.indexOf(name, from);
  assert.ok(
    at('verifyCycle') < at('evaluatePolicy') && at('evaluatePolicy') < at('prepareTrainJob'),
    scheduled.join(' '),
  );
  assert.ok(
    at('evaluatePolicy', at('prepareTrainJob')) > at('prepareTrainJob'),
    'the trained policy is evaluated after training',
  );
  // The same BFCL entries (a seeded selection) every cycle, and the same validation pool.
  const bfclIds = records.map(
    (r) =>
      JSON.parse(
        readFileSync(join(home, 'artifacts', r.artifacts.bfcl.key, r.artifacts.bfcl.name, 'summary.json'), 'utf8'),
      ).ids,
  );
  assert.equal(bfclIds[0].length, 4, '2 per category x 2 categories');
  assert.deepEqual(bfclIds[1], bfclIds[0]);
  assert.deepEqual(Object.keys(result.baseline!.bfcl).sort(), Object.keys(result.cycles[1].scores!.bfcl).sort());
  const verdictIds = (r: (typeof records)[number]) =>
    readFileSync(
      join(home, 'artifacts', r.artifacts.validationVerdicts.key, r.artifacts.validationVerdicts.name),
      'utf8',
    )
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).id as string);
  const pool = verdictIds(records[0]);
  assert.ok(pool.length > 0, 'cycle 0 held out prompts for the pool');
  for (const id of pool) assert.ok(verdictIds(records[1]).includes(id), `cycle 1 scores pool item ${id}`);
  const poolN = (sc: { pool: Record<string, number> }) =>
    Object.entries(sc.pool)
      .filter(([k]) => k.startsWith('n/'))
      .reduce((a, [, v]) => a + v, 0);
  assert.equal(poolN(result.baseline!), pool.length);
  assert.equal(poolN(result.cycles[1].scores!), pool.length, 'the trend line uses the pool alone');
});

test('the Temporal UI tells the story: summaries, details, activity summaries', async () => {
  const decode = (p: { data?: Uint8Array | null } | null | undefined) =>
    p?.data ? JSON.parse(Buffer.from(p.data).toString('utf8')) : undefined;
  const run = temporal.client.workflow.getHandle('run-e2e');
  // Continue-as-new carries no user metadata: the run's static summary is on its first execution.
  const executions = [];
  for await (const wf of temporal.client.workflow.list({ query: `WorkflowId = 'run-e2e'` })) executions.push(wf);
  const first = executions.sort((a, b) => a.startTime.getTime() - b.startTime.getTime())[0];
  const desc = await temporal.client.workflow.getHandle('run-e2e', first.runId).describe();
  assert.match(
    (await desc.staticSummary()) ?? '',
    /^InfTool run test: 2 cycle\(s\) of 8 trajectories, policy scripted-model @ 127\.0\.0\.1:\d+$/,
  );
  assert.match((await desc.staticDetails()) ?? '', /\*\*roles\*\*: user scripted-model @ 127\.0\.0\.1:\d+/);
  const cycle = await temporal.client.workflow.getHandle('run-e2e/cycle-0').describe();
  assert.match((await cycle.staticSummary()) ?? '', /cycle 0 \(1 of 2\): synthesize → verify → baseline → train/);
  const meta = await run.query(workflowMetadataQuery);
  assert.match(meta.currentDetails ?? '', /### cycle 1 \(2 of 2\): done/);
  assert.match(meta.currentDetails ?? '', /\*\*baseline\*\*: BFCL/);
  const cycleMeta = await temporal.client.workflow.getHandle('run-e2e/cycle-1').query(workflowMetadataQuery);
  assert.match(cycleMeta.currentDetails ?? '', /\*\*synthesis\*\*: \d+\/\d+ batches/);
  const history = await temporal.client.workflow.getHandle('run-e2e/cycle-0').fetchHistory();
  const summaries = (history.events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes)
    .map((e) => decode(e.userMetadata?.summary));
  assert.ok(
    summaries.some((x) => /^synthesize batch 1\/\d+: tasks 1-/.test(x ?? '')),
    JSON.stringify(summaries),
  );
  assert.ok(
    summaries.some((x) => /^baseline: the starting policy/.test(x ?? '')),
    JSON.stringify(summaries),
  );
  assert.ok(
    summaries.some((x) => /^evaluate cycle 0's policy: BFCL 2 categories/.test(x ?? '')),
    JSON.stringify(summaries),
  );
  assert.ok(!JSON.stringify(summaries).includes(SECRET));
});

test('the API key was used but appears in no artifact and no workflow history', async () => {
  assert.ok(llm.requests.length > 0);
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
    );
  const all = files(join(home, 'artifacts'));
  assert.ok(all.length > 20);
  for (const f of all) assert.ok(!readFileSync(f).includes(SECRET), `${f} holds the key`);
  for (const id of ['run-e2e', 'run-e2e/cycle-0', 'run-e2e/cycle-1']) {
    const history = await temporal.client.workflow.getHandle(id).fetchHistory();
    // Payload bytes (base64 in the JSON form) decoded, so the search reads what the workflow really carried.
    const text = historyToJSON(history).replace(/"data":\s*"([A-Za-z0-9+/=]+)"/g, (_m, b64: string) =>
      JSON.stringify(Buffer.from(b64, 'base64').toString('utf8')),
    );
    assert.ok(text.includes('INFTOOL_TEST_API_KEY'), 'the history names the variable');
    assert.ok(!text.includes(SECRET), `${id}'s history holds the key`);
  }
  assert.ok(!worker.output().includes(SECRET), 'worker logs hold the key');
});

test('status and search attributes tell the truth about the finished run', async () => {
  const desc = await temporal.client.workflow.getHandle('run-e2e').describe();
  assert.equal(desc.status.name, 'COMPLETED');
  const sa = desc.typedSearchAttributes;
  assert.equal(sa.get({ name: 'InfToolStage', type: 'KEYWORD' } as never), 'done');
  assert.equal(sa.get({ name: 'InfToolCycle', type: 'INT' } as never), 1);
  // The cycle workflows are children with business ids.
  const child = await temporal.client.workflow.getHandle('run-e2e/cycle-1').describe();
  assert.equal(child.status.name, 'COMPLETED');
});

test('the CLI shows, lists and exports the run', async () => {
  const env = { ...process.env, ...temporal.env, INFTOOL_HOME: home };
  const cli = (...args: string[]) =>
    run(process.execPath, [join(REPO_ROOT, 'bin/inftool.js'), ...args], { env, cwd: REPO_ROOT });
  const status = JSON.parse((await cli('status', 'run-e2e', '--json')).stdout);
  assert.equal(status.stage, 'done');
  assert.ok(
    status.baseline && status.cycles[1].scores,
    'status --json carries the baseline and each cycle on the fixed items',
  );
  const shown = (await cli('status', 'run-e2e')).stdout;
  assert.match(shown, /scores on the fixed items \(gain in points over the baseline\)/);
  assert.match(shown, /pool overall\s+\d+\.\d%\s+\d+\.\d% \([+-]\d+\.\d\)/, shown);
  assert.equal(status.closed, 'COMPLETED');
  const list = JSON.parse((await cli('list', '--json')).stdout);
  assert.ok(list.some((r: { id: string; stage: string }) => r.id === 'run-e2e' && r.stage === 'done'));
  const out = mkdtempSync(join(tmpdir(), 'export-'));
  const exported = await cli('export', 'run-e2e', '--format', 'openai', '--out', out, '--home', home);
  assert.match(exported.stdout, /wrote \d+ training and \d+ validation conversations from 2 cycle/);
  const rows = readFileSync(join(out, 'openai.train.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(rows.length > 0 && rows.every((r) => Array.isArray(r.messages) && Array.isArray(r.tools)));
  await assert.rejects(
    cli('status', 'no-such-run'),
    (err: { code: number; stderr: string }) => err.code === 1 && /no run with id 'no-such-run'/.test(err.stderr),
  );
  await assert.rejects(cli('status'), (err: { code: number }) => err.code === 2);
});

test("this run's histories replay against the workflow code that made them", async () => {
  quietRuntime();
  // INFTOOL_RECORD_HISTORIES=<label> records them as committed fixtures (test/fixtures/histories/<label>/), which
  // replay.test.ts checks on every change.
  const dir = process.env.INFTOOL_RECORD_HISTORIES
    ? recordDir(process.env.INFTOOL_RECORD_HISTORIES)
    : mkdtempSync(join(tmpdir(), 'histories-'));
  for (const id of ['run-e2e', 'run-e2e/cycle-0', 'run-e2e/cycle-1']) {
    const history = await temporal.client.workflow.getHandle(id).fetchHistory();
    writeFileSync(join(dir, `${id.replace('/', '_')}.json`), historyToJSON(history));
    await Worker.runReplayHistory({ workflowsPath: join(REPO_ROOT, 'src/workflows/index.ts') }, history, id);
  }
});
