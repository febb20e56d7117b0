// A run survives its endpoints: every role reaches the scripted endpoint through a fault-injecting proxy
// (a hard outage of the user's and the simulator's endpoint in the middle of synthesis, one of the
// assistant's in the middle of BFCL evaluation, each longer than the client's retry budget; ~10% seeded
// 429/500; garbage 200 bodies, including the first validation answers). The run ends with the dataset,
// the validation and BFCL verdicts and the plans of an undisturbed run, and every injected fault is
// counted in the cycle records and `status --json`. Outages end by conditions (refusals spent, the test
// having seen `status` name the endpoint), never by a timer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
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
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import type { ChatCompletionBody, ScriptedServer } from '../../src/llm/scripted-server.js';
import type { RunStatus } from '../../src/workflows/definitions.js';
import { CycleRecordSchema, type CycleRecord, type FaultCounts } from '../../src/domain/cycle-record.js';
import { endpointWaits } from '../../src/cli/endpoint-status.js';
import type { RunConfig } from '../../src/config.js';

let temporal: TestTemporal;
let llm: ScriptedServer;
const proxies: Record<'user' | 'simulator' | 'assistant', FaultProxy> = {} as never;
const workers: WorkerProcess[] = [];

/** BFCL asks in FC mode: tools, no system prompt. Validation asks like synthesis, but with no tool_choice. */
const isBfcl = (b: ChatCompletionBody) => Boolean(b.tools?.length) && b.messages[0]?.role !== 'system';
let validationSeen = 0;
const isValidation = (b: ChatCompletionBody) =>
  Boolean(b.tools?.length) && b.tool_choice === undefined && b.messages[0]?.role === 'system' && b.temperature === 0;

before(async () => {
  temporal = await startTestTemporal();
  llm = await startScriptedRoles();
  const garbageAt = (html: number, cut: number) => (_b: ChatCompletionBody, i: number) =>
    i === html ? 'html' : i === cut ? 'cut_json' : undefined;
  // maxRetries 2 in the run config: a call makes 3 attempts, so with k calls in flight 2k+1 refusals spend one
  // call's budget whatever their order: 7 for the two synthesis lanes, 9 for BFCL's 4 at once (the endpoint's
  // concurrency, which evaluation fills).
  proxies.user = await startFaultProxy(llm.baseURL, {
    seed: 'user',
    randomRate: 0.1,
    garbage: garbageAt(3, 20),
    outage: { when: (_b, i) => i === 6, refuse: 7, holdUntilReleased: true },
  });
  proxies.simulator = await startFaultProxy(llm.baseURL, {
    seed: 'simulator',
    randomRate: 0.1,
    garbage: garbageAt(2, 15),
    outage: { when: (_b, i) => i === 4, refuse: 7 },
  });
  proxies.assistant = await startFaultProxy(llm.baseURL, {
    seed: 'assistant',
    randomRate: 0.1,
    // The case: an HTML 200 used to become an empty answer and a "no tool call" verdict.
    garbage: (b) =>
      isValidation(b) && validationSeen < 2 ? (validationSeen++ === 0 ? 'html' : 'cut_json') : undefined,
    outage: { when: (b) => isBfcl(b), refuse: 9 },
  });
});
after(async () => {
  for (const w of workers) await w.kill();
  for (const p of Object.values(proxies)) await p?.close();
  await llm?.close();
  await temporal?.close();
});

function configFor(urls: { user: string; simulator: string; assistant: string }, queue: string): RunConfig {
  const endpoint = (baseURL: string) => ({
    kind: 'openai',
    baseURL,
    model: 'scripted-model',
    maxRetries: 2,
    temperature: 0,
    backoff: { baseMs: 5, maxMs: 50 },
  });
  return testConfig(llm, {
    roles: { user: endpoint(urls.user), simulator: endpoint(urls.simulator), assistant: endpoint(urls.assistant) },
    temporal: { taskQueue: queue, heartbeatSeconds: 3 },
  });
}

type Outcome = { records: CycleRecord[]; trajectories: unknown[][]; validation: unknown[][]; bfcl: unknown[][] };

/** Drops what differs between identical runs (wall-clock latencies) so the rest can be compared whole. */
function stable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (k, v) => (k === 'latencyMs' ? undefined : v)));
}

function outcome(result: RunStatus, home: string): Outcome {
  const at = (ref: { key: string; name: string }) => join(home, 'artifacts', ref.key, ref.name);
  const lines = (path: string) =>
    readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => stable(JSON.parse(l)));
  const records = result.cycles.map((c) => CycleRecordSchema.parse(JSON.parse(readFileSync(at(c.recordRef), 'utf8'))));
  return {
    records,
    trajectories: records.map((r) => lines(at(r.artifacts.trajectories))),
    validation: records.map((r) => lines(at(r.artifacts.validationVerdicts))),
    bfcl: records.map((r) => lines(join(at(r.artifacts.bfcl), 'verdicts.jsonl'))),
  };
}

async function runToEnd(
  config: RunConfig,
  runId: string,
  home: string,
  during?: () => Promise<void>,
): Promise<RunStatus> {
  const w = await spawnWorker(workerEnv(temporal.env, config, home));
  workers.push(w);
  const handle = await startRun(temporal.client, config, runId);
  await during?.();
  const result = (await handle.result()) as RunStatus;
  await w.kill('SIGTERM');
  return result;
}

let reference: Outcome;
let faulted: Outcome;
let faultedHome: string;

test('the same run through faulty endpoints ends as the undisturbed run does', async () => {
  const refHome = tempHome();
  faultedHome = tempHome();
  const direct = configFor({ user: llm.baseURL, simulator: llm.baseURL, assistant: llm.baseURL }, 'q-direct');
  const faulty = configFor(
    { user: proxies.user.baseURL, simulator: proxies.simulator.baseURL, assistant: proxies.assistant.baseURL },
    'q-faulty',
  );
  const [ref, hurt] = await Promise.all([
    runToEnd(direct, 'run-direct', refHome),
    runToEnd(faulty, 'run-faulty', faultedHome, async () => {
      // While the user's endpoint is down the stage waits, and status says for which endpoint and why.
      const waits = await waitFor(
        'status to name the unavailable user endpoint',
        async () => {
          const w = await endpointWaits(temporal.client, await status(temporal.client, 'run-faulty'));
          return w.some((x) => x.error.includes(proxies.user.baseURL) && /role user/.test(x.error)) && w;
        },
        120_000,
        100,
      );
      assert.ok(waits.every((w) => w.activity === 'synthesizeBatch' && w.attempt >= 2));
      proxies.user.release();
    }),
  ]);
  assert.equal(ref.stage, 'done');
  assert.equal(hurt.stage, 'done');
  reference = outcome(ref, refHome);
  faulted = outcome(hurt, faultedHome);
  for (const p of Object.values(proxies)) assert.ok(p.outageStarted && p.outageOver, 'each outage happened and ended');

  assert.equal(faulted.trajectories.flat().length, 16);
  assert.deepEqual(faulted.trajectories, reference.trajectories, 'same trajectories: ids, contents, acceptance');
  assert.ok(
    faulted.trajectories.flat().every((t) => !(t as { failure?: string }).failure),
    'no outage became a failed trajectory',
  );
  assert.deepEqual(faulted.validation, reference.validation, 'same validation verdicts');
  assert.deepEqual(faulted.bfcl, reference.bfcl, 'same BFCL verdicts');
  for (const [i, r] of faulted.records.entries()) {
    const want = reference.records[i];
    assert.deepEqual(r.plan, want.plan, `cycle ${i}: same plan`);
    assert.deepEqual(r.synthesis, want.synthesis);
    assert.deepEqual(r.evaluation, want.evaluation, `cycle ${i}: same scores`);
  }
});

test('every injected fault is counted, per role, in the cycle records', (t) => {
  const total = (o: Outcome, role: string, field: keyof FaultCounts) =>
    o.records.reduce((s, r) => s + (r.faults?.byRole[role]?.[field] ?? 0), 0);
  const sum = (role: string, field: keyof FaultCounts) => total(faulted, role, field);
  for (const [role, proxy] of Object.entries(proxies)) {
    const c = proxy.counts;
    t.diagnostic(
      `${role}: injected ${JSON.stringify(c)}; counted ${JSON.stringify(faulted.records.map((r) => r.faults?.byRole[role]))}`,
    );
    assert.ok(
      c.garbage >= 2 && c.refused >= 5,
      `${role}: the proxy dropped connections and sent garbage (${JSON.stringify(c)})`,
    );
    // Each injected fault failed one attempt: the client either asked again or gave up (and the activity waited).
    assert.equal(
      sum(role, 'retries') + sum(role, 'failures'),
      proxy.injected(),
      `${role}: every failed attempt counted`,
    );
    assert.equal(sum(role, 'throttles'), c.throttled, `${role}: 429s`);
    assert.equal(sum(role, 'garbage'), c.garbage, `${role}: garbage bodies`);
    assert.ok(sum(role, 'outages') >= 1, `${role}: the outage was waited out at least once`);
    assert.equal(sum(role, 'failures'), sum(role, 'outages'), `${role}: nothing gave up for any other reason`);
    // Malformed replies are the model's own: every one the undisturbed run got, plus those of requests asked
    // again after an outage interrupted their trajectory (the meter counts every request made).
    assert.ok(sum(role, 'malformed') >= total(reference, role, 'malformed'), `${role}: malformed replies`);
  }
  const all = Object.values(proxies).map((p) => p.counts);
  assert.ok(
    all.some((c) => c.throttled > 0) && all.some((c) => c.errors > 0),
    'the random faults included 429s and 500s',
  );
  // The first BFCL request of a run is the baseline's (cycle 0 scores its starting policy before training).
  const evalOutages = (['baseline', 'evaluate'] as const).reduce(
    (n, st) => n + (faulted.records[0].faults!.byStage[st]?.assistant?.outages ?? 0),
    0,
  );
  assert.ok(evalOutages >= 1, 'the BFCL outage was waited out in evaluation');
  assert.ok(
    reference.records.every((r) => r.faults!.total.retries === 0 && r.faults!.total.outages === 0),
    'the undisturbed run saw none',
  );
});

test("status --json shows each cycle's fault counts", async () => {
  const env = { ...process.env, ...temporal.env, INFTOOL_HOME: faultedHome };
  const out = await promisify(execFile)(
    process.execPath,
    [join(REPO_ROOT, 'bin/inftool.js'), 'status', 'run-faulty', '--json', '--home', faultedHome],
    { env, cwd: REPO_ROOT },
  );
  const s = JSON.parse(out.stdout) as {
    waitingFor: unknown[];
    faults: Array<{ cycle: number; faults: CycleRecord['faults'] }>;
  };
  assert.deepEqual(s.waitingFor, []);
  assert.deepEqual(
    s.faults.map((f) => f.cycle),
    [0, 1],
  );
  assert.deepEqual(
    s.faults.map((f) => f.faults),
    faulted.records.map((r) => r.faults),
  );
  const injected = Object.values(proxies).reduce((n, p) => n + p.injected(), 0);
  assert.equal(
    s.faults.reduce((n, f) => n + f.faults!.total.retries + f.faults!.total.failures, 0),
    injected,
  );
});
