// Recorded histories (test/fixtures/histories, made by today's code at the time they were recorded)
// must replay against the workflow code of every later change: a non-deterministic edit fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { quietRuntime } from '../../src/workers/worker.js';
import { REPO_ROOT } from '../support/temporal.js';

const dir = join(REPO_ROOT, 'test', 'fixtures', 'histories');

test("every recorded history replays against today's workflow code", async () => {
  quietRuntime();
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  assert.ok(files.length >= 3, `expected recorded histories in ${dir}`);
  // A file is named after its workflow id with '/' written '_' (a cycle names its lanes after its own id, so replay needs the real one).
  const histories = files.map((f) => ({
    workflowId: f.replace(/\.json$/, '').replaceAll('_', '/'),
    history: JSON.parse(readFileSync(join(dir, f), 'utf8')),
  }));
  const results = Worker.runReplayHistories({ workflowsPath: join(REPO_ROOT, 'src/workflows/index.ts') }, histories);
  let replayed = 0;
  for await (const r of results) {
    assert.equal(r.error, undefined, `${r.workflowId}: ${r.error?.message}`);
    replayed++;
  }
  assert.equal(replayed, files.length);
});
