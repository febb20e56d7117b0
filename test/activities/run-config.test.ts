// The run's config by reference: prepareRun stores it once under a content key and returns its ref, and an
// activity given only the ref acts on the stored config (here: a train backend of `none`, read from the store).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities/index.js';
import type { PrepareResult } from '../../src/activities/prepare.js';
import type { PrepareTrainJobInput } from '../../src/activities/train.js';
import { LocalArtifactStore } from '../../src/store/artifact-store.js';
import { parseRunConfig, type RunConfig } from '../../src/config.js';

let dir: string;
let store: LocalArtifactStore;
let activities: ReturnType<typeof createActivities>;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inftool-run-config-'));
  store = new LocalArtifactStore(join(dir, 'artifacts'));
  activities = createActivities({ store, dataDir: dir });
});
after(() => rmSync(dir, { recursive: true, force: true }));

function config(backend: 'none' | 'local'): RunConfig {
  const endpoint = { kind: 'openai', baseURL: 'http://127.0.0.1:9/v1', model: 'unused' };
  return parseRunConfig({
    name: 'by-ref',
    seed: 3,
    synthesis: { perCycle: 4, batchSize: 2, categories: ['simple'] },
    roles: { user: endpoint, assistant: endpoint, simulator: endpoint },
    train: { backend },
    evaluate: { categories: ['simple_python'], limit: 1 },
  });
}

test('prepareRun stores the config under a content key; an activity given only the ref reads it', async () => {
  const env = new MockActivityEnvironment();
  const cfg = config('none');
  const prepared: PrepareResult = await env.run(activities.prepareRun, { runId: 'r', config: cfg });
  assert.ok(prepared.configRef, 'prepareRun returns the stored config');
  assert.deepEqual(JSON.parse(readFileSync(store.locate(prepared.configRef), 'utf8')), cfg);
  const again: PrepareResult = await env.run(activities.prepareRun, { runId: 'r2', config: cfg });
  assert.deepEqual(again.configRef, prepared.configRef, 'the same config, the same artifact');
  const other: PrepareResult = await env.run(activities.prepareRun, { runId: 'r3', config: config('local') });
  assert.notDeepEqual(other.configRef, prepared.configRef, 'another config, another artifact');

  const missing = { key: 'nowhere', name: 'x.jsonl' };
  const byRef: PrepareTrainJobInput = {
    runId: 'r',
    cycle: 0,
    configRef: prepared.configRef,
    policy: { kind: 'gguf', path: '/models/base.gguf' },
    rlPromptsRef: missing,
    trajectoriesRef: missing,
  };
  const job: unknown = await env.run(activities.prepareTrainJob, byRef);
  assert.equal(job, null, "the stored config's `train.backend: none` decided: nothing to train, no data read");
});
