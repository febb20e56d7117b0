// Recorded histories (test/fixtures/histories/<label>/, each folder made by the code of its day) must replay
// against the workflow code of every later change: a non-deterministic edit fails here. A change guarded by
// patched() records a new folder beside the old ones, so both the old path (runs in flight) and the new stay checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { quietRuntime } from '../../src/workers/worker.js';
import { REPO_ROOT } from '../support/temporal.js';

const dir = join(REPO_ROOT, 'test', 'fixtures', 'histories');

test("every recorded history replays against today's workflow code", async () => {
  quietRuntime();
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(dir, d.name))
        .filter((f) => f.endsWith('.json'))
        .map((f) => join(d.name, f)),
    )
    .sort();
  assert.ok(files.length >= 3, `expected recorded histories in ${dir}/<label>/`);
  // A file is named after its workflow id with '/' written '_' (a cycle names its lanes after its own id, so replay needs the real one).
  const histories = files.map((f) => ({
    workflowId: basename(f)
      .replace(/\.json$/, '')
      .replaceAll('_', '/'),
    history: JSON.parse(readFileSync(join(dir, f), 'utf8')),
  }));
  const results = Worker.runReplayHistories({ workflowsPath: join(REPO_ROOT, 'src/workflows/index.ts') }, histories);
  let replayed = 0;
  for await (const r of results) {
    // Histories are replayed one after another, in the order given.
    assert.equal(r.error, undefined, `${files[replayed]} (${r.workflowId}): ${r.error?.message}`);
    replayed++;
  }
  assert.equal(replayed, files.length);
});
