// Closing the loop (issue 6): a 3-cycle run where the scripted policy is weak at `parallel` (it makes only
// the first of several calls). The validation split exposes it, cycle 2's plan gives `parallel` more
// weight, and the run's report, rendered in headless Chromium, shows it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startTestTemporal, spawnWorker, type TestTemporal, type WorkerProcess } from '../support/temporal.js';
import { startScriptedRoles, startRun, tempHome, testConfig, workerEnv } from '../support/pipeline.js';
import type { ScriptedServer } from '../../src/llm/scripted-server.js';
import type { RunStatus } from '../../src/workflows/definitions.js';
import type { CycleRecord } from '../../src/domain/cycle-record.js';
import { writeRunReportFromStore } from '../../src/cli/report-run.js';
import { openPage } from '../report/browser.js';

let temporal: TestTemporal;
let llm: ScriptedServer;
let worker: WorkerProcess;
const home = tempHome();
let result: RunStatus;
let records: CycleRecord[];

before(async () => {
  temporal = await startTestTemporal();
  llm = await startScriptedRoles({ weak: 'parallel' });
  const config = testConfig(llm, {
    cycles: { max: 3 },
    // Enough prompts that each category has a few held out for validation.
    synthesis: {
      perCycle: 40,
      batchSize: 10,
      parallelBatches: 2,
      categories: ['simple', 'multiple', 'parallel', 'irrelevance'],
    },
  });
  worker = await spawnWorker(workerEnv(temporal.env, config, home));
  result = (await (await startRun(temporal.client, config, 'run-gaps')).result()) as RunStatus;
  records = result.cycles.map((c) =>
    JSON.parse(readFileSync(join(home, 'artifacts', c.recordRef.key, c.recordRef.name), 'utf8')),
  );
});
after(async () => {
  await worker?.kill('SIGTERM');
  await llm?.close();
  await temporal?.close();
});

test('the weak category fails validation and the next plans give it more weight', () => {
  assert.equal(records.length, 3);
  const r0 = records[0];
  assert.ok(r0.evaluation.validation.parallel !== undefined, 'parallel prompts were held out for validation');
  assert.ok(
    r0.evaluation.validation.parallel < r0.evaluation.validation.simple,
    `parallel ${r0.evaluation.validation.parallel} vs simple ${r0.evaluation.validation.simple}`,
  );
  assert.ok(
    Object.keys(r0.evaluation.validationErrors).some((k) => k.startsWith('parallel/')),
    'its errors are recorded by type',
  );
  const w = (r: CycleRecord) => r.plan.weights;
  // Cycle 0 is uniform; the plan of cycle 2 (made from cycle 1's validation) leans on parallel.
  assert.ok(
    w(records[2]).parallel.weight > w(records[0]).parallel.weight,
    `parallel weight ${w(records[0]).parallel.weight} -> ${w(records[2]).parallel.weight}`,
  );
  const heaviest = Object.entries(w(records[2])).sort((a, b) => b[1].weight - a[1].weight)[0][0];
  assert.equal(heaviest, 'parallel');
  assert.match(w(records[2]).parallel.reason, /validation acc/);
  const count = (r: CycleRecord, c: string) =>
    r.plan.items.filter((i) => i.category === c).reduce((s, i) => s + i.count, 0);
  assert.ok(count(records[2], 'parallel') > count(records[0], 'parallel'));
  assert.ok(count(records[2], 'irrelevance') >= 1, 'a mastered category keeps its floor');
});

test('hard samples: prompts the policy rarely solves seed the next plan, always-solved ones retire', () => {
  const p1 = records[1].plan;
  assert.ok(
    p1.hardSeeds.length > 0 && p1.hardSeeds.every((h) => h.category === 'parallel'),
    JSON.stringify(p1.hardSeeds),
  );
  assert.ok((p1.retiredPrompts ?? []).length > 0, 'the oracle always solves simple prompts: they retire');
  assert.ok(records[0].artifacts.rollouts, 'rollout groups are stored with the cycle');
});

test("the report shows the run in headless Chromium, with no console errors and the JSON's numbers", async () => {
  const outDir = resolve('test-artifacts', 'pipeline-report');
  mkdirSync(outDir, { recursive: true });
  const html = await writeRunReportFromStore({
    home,
    runId: 'run-gaps',
    recordRefs: result.cycles.map((c) => c.recordRef),
    outDir,
  });
  const json = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'));
  const { browser, page, errors } = await openPage(pathToFileURL(html).href);
  try {
    assert.deepEqual(errors, []);
    await page.screenshot({ path: join(outDir, 'report.png'), fullPage: true });
    const aimed = await page.locator('details.plan[data-cycle="2"] summary').innerText();
    assert.match(aimed, /aimed at parallel/);
    // Every number on the page points into report.json and says the same value.
    const marks = await page
      .locator('[data-key]')
      .evaluateAll((els) =>
        els.map((e) => ({ key: e.getAttribute('data-key')!, value: Number(e.getAttribute('data-value')) })),
      );
    assert.ok(marks.length > 20);
    for (const m of marks) {
      const v = m.key
        .split('/')
        .slice(1)
        .reduce((o: any, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], json);
      assert.equal(Number(v), m.value, `${m.key}`);
    }
  } finally {
    await browser.close();
  }
});
