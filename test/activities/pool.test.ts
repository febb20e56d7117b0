// The fixed validation pool drawn from goals of its own (evaluate.poolGoals): the user simulator on the
// scripted endpoint fixes and voices each goal, no assistant is asked, goal_sanity decides what is kept, and
// the pool is stored under a content key a second draw finds (the same prompts, no model call).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities/index.js';
import type { PrepareResult } from '../../src/activities/prepare.js';
import type { DrawPoolResult } from '../../src/activities/pool.js';
import { LocalArtifactStore, getJsonl, putJsonl } from '../../src/store/artifact-store.js';
import { parseRunConfig, type RunConfig } from '../../src/config.js';
import { startScriptedServer, type ScriptedServer } from '../../src/llm/scripted-server.js';
import { scriptedRoles } from '../../src/agents/scripted-roles.js';
import type { RlPrompt } from '../../src/domain/rl-prompt.js';

let dir: string;
let store: LocalArtifactStore;
let activities: ReturnType<typeof createActivities>;
let llm: ScriptedServer;
let asked: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inftool-pool-'));
  store = new LocalArtifactStore(join(dir, 'artifacts'));
  activities = createActivities({ store, dataDir: dir });
  const reply = scriptedRoles();
  llm = await startScriptedServer({
    reply: (req, ctx) => {
      asked.push(String(req.messages.at(-1)?.content ?? '').slice(0, 60));
      // The assistant's system prompt opens every assistant request: none may come here.
      if (req.tools?.length) throw new Error('the pool draw asked the assistant');
      return reply(req, ctx);
    },
  });
});
after(async () => {
  await llm?.close();
  rmSync(dir, { recursive: true, force: true });
});

function config(poolGoals: number, categories: string[]): RunConfig {
  const endpoint = { kind: 'openai', baseURL: llm.baseURL, model: 'scripted-model', maxRetries: 0, concurrency: 3 };
  return parseRunConfig({
    name: 'pool',
    seed: 5,
    synthesis: { perCycle: 4, batchSize: 2, categories },
    roles: { user: endpoint, assistant: endpoint, simulator: endpoint },
    train: { backend: 'none' },
    evaluate: { categories: ['simple_python'], limit: 1, poolGoals },
  });
}

test('a pool of its own: goals voiced by the user simulator alone, sane ones kept, all held out, stored once', async () => {
  const env = new MockActivityEnvironment();
  const cfg = config(10, ['simple', 'parallel', 'irrelevance', 'multi_turn_base']);
  const prepared: PrepareResult = await env.run(activities.prepareRun, { runId: 'r', config: cfg });
  asked = [];
  const drawn: DrawPoolResult = await env.run(activities.drawValidationPool, {
    runId: 'r',
    configRef: prepared.configRef!,
    catalogRef: prepared.catalogRef,
  });
  assert.equal(drawn.drawn, 10);
  // The scripted user's goals are all sane; its off-topic requests come from a short list, so some repeat.
  const reasons = Object.keys(drawn.dropped);
  assert.ok(
    reasons.every((r) => r === 'irrelevance/repeated request'),
    JSON.stringify(drawn.dropped),
  );
  assert.equal(drawn.kept + Object.values(drawn.dropped).reduce((a, b) => a + b, 0), 10, 'every goal kept or counted');
  assert.ok(drawn.kept >= 6, `kept ${drawn.kept} of 10`);
  assert.ok(asked.length >= 10, 'every goal asked the user simulator');
  const pool = await getJsonl<RlPrompt>(store, drawn.poolRef);
  assert.equal(pool.length, drawn.kept, 'one turn-0 prompt per kept goal');
  const cats = new Set(pool.map((p) => p.category));
  assert.ok(!cats.has('multi_turn_base'), 'multi-turn categories are left out (their later turns need a rollout)');
  assert.ok(cats.has('irrelevance') && cats.has('simple') && cats.has('parallel'), [...cats].join(', '));
  for (const p of pool) {
    assert.equal(p.split, 'validation', `${p.id} is held out`);
    assert.match(p.id, /^pool-/, 'pool ids never collide with a cycle task id');
    assert.equal(p.messages.at(-1)?.role, 'user', `${p.id} ends at the request the policy must act on`);
    assert.equal(
      p.reference.length === 0,
      p.category === 'irrelevance',
      `${p.id}: a reference exactly where a call is due`,
    );
  }

  asked = [];
  const again = await env.run(activities.drawValidationPool, {
    runId: 'r2',
    configRef: prepared.configRef!,
    catalogRef: prepared.catalogRef,
  });
  assert.deepEqual(again, drawn, 'the same config draws the same pool');
  assert.equal(asked.length, 0, 'found in the store: no model call');
});

test('a pool of its own needs a single-turn category, and says so', async () => {
  const env = new MockActivityEnvironment();
  const cfg = config(4, ['multi_turn_base']);
  const prepared: PrepareResult = await env.run(activities.prepareRun, { runId: 'r3', config: cfg });
  await assert.rejects(
    env.run(activities.drawValidationPool, {
      runId: 'r3',
      configRef: prepared.configRef!,
      catalogRef: prepared.catalogRef,
    }),
    /evaluate.poolGoals: none of synthesis.categories \(multi_turn_base\) is single-turn/,
  );
});

test("comparePool counts, item by item, the pool's items a candidate gained and lost against the incumbent", async () => {
  const pool = ['p1', 'p2', 'p3', 'p4'].map((id) => ({ id, split: 'validation' }));
  const poolRef = await putJsonl(store, { key: 'cmp', name: 'pool.jsonl' }, pool);
  const verdicts = (name: string, valid: Record<string, boolean>) =>
    putJsonl(
      store,
      { key: 'cmp', name },
      Object.entries(valid).map(([id, v]) => ({ id, category: 'simple', valid: v, error: [] })),
    );
  // own-1 is the cycle's own held-out split: not a pool item, so it does not count.
  const incumbentRef = await verdicts('a.jsonl', { p1: true, p2: true, p3: false, p4: true, 'own-1': true });
  const candidateRef = await verdicts('b.jsonl', { p1: false, p2: false, p3: true, p4: true, 'own-1': false });
  const out = await new MockActivityEnvironment().run(activities.comparePool, { poolRef, incumbentRef, candidateRef });
  assert.deepEqual(out, { items: 4, gained: 1, lost: 2, pWorse: 0.5 });
});
