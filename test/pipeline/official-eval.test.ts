// evaluate.official: a one-cycle run on a real Temporal server whose evaluate stage (and baseline) also runs the
// official BFCL harness on a multi-turn category, with the policy (the scripted endpoint) served to it in-process:
// the scores reach the cycle record, the run status and its table, beside the baseline; the plan ignores them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestTemporal, spawnWorker, type TestTemporal, type WorkerProcess } from '../support/temporal.js';
import { startScriptedRoles, startRun, tempHome, testConfig, workerEnv } from '../support/pipeline.js';
import type { ScriptedServer } from '../../src/llm/scripted-server.js';
import type { RunStatus } from '../../src/workflows/definitions.js';
import { CycleRecordSchema } from '../../src/domain/cycle-record.js';
import { scoreTable } from '../../src/cli/format.js';

let temporal: TestTemporal;
let llm: ScriptedServer;
let worker: WorkerProcess;
const home = tempHome();
let result: RunStatus;

before(async () => {
  temporal = await startTestTemporal();
  llm = await startScriptedRoles();
  const cfg = testConfig(llm, {
    cycles: { max: 1 },
    evaluate: { categories: ['simple_python'], limit: 1, official: { categories: ['multi_turn_base'], limit: 1 } },
  });
  worker = await spawnWorker(workerEnv(temporal.env, cfg, home));
  result = await (await startRun(temporal.client, cfg, 'run-official')).result();
});
after(async () => {
  await worker?.kill('SIGTERM');
  await llm?.close();
  await temporal?.close();
});

test('the official harness scores the baseline and the cycle on the same multi-turn entry', () => {
  assert.equal(result.stage, 'done');
  const [cycle] = result.cycles;
  assert.equal(typeof result.baseline?.official?.multi_turn_base, 'number', JSON.stringify(result.baseline));
  assert.equal(typeof cycle.scores?.official?.multi_turn_base, 'number', JSON.stringify(cycle.scores));
  const table = scoreTable(result.baseline ?? undefined, result.cycles).join('\n');
  assert.match(table, /official multi_turn_base/);
  // The harness asked the policy: multi-turn questions reached the scripted endpoint through the served policy.
  const asked = llm.requests.filter(
    (r) => r.messages.some((m) => m.role === 'user' && typeof m.content === 'string') && (r.tools?.length ?? 0) > 5,
  );
  assert.ok(
    asked.length >= 2,
    `the harness's multi-turn requests (many tools, several turns) reached the policy: ${asked.length}`,
  );
});

test('the cycle record keeps the official scores; the harness left its results and scores in the artifact store', () => {
  const rec = CycleRecordSchema.parse(
    JSON.parse(
      readFileSync(join(home, 'artifacts', result.cycles[0].recordRef.key, result.cycles[0].recordRef.name), 'utf8'),
    ),
  );
  assert.equal(typeof rec.evaluation.official?.multi_turn_base, 'number');
  assert.equal(typeof rec.baseline?.official?.multi_turn_base, 'number');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? walk(join(dir, e.name))
        : e.name === 'BFCL_v4_multi_turn_base_score.json'
          ? [join(dir, e.name)]
          : [],
    );
  const scores = walk(join(home, 'artifacts'));
  // train.backend none leaves the policy as it was, so the cycle reuses the baseline's harness run (content-keyed).
  assert.equal(scores.length, 1, scores.join(', '));
  const ref = rec.artifacts.bfclOfficial;
  assert.ok(
    ref && scores[0].startsWith(join(home, 'artifacts', ref.key, ref.name)),
    `the record points at the harness's folder: ${JSON.stringify(ref)}`,
  );
});
