// The run report, rendered from a synthetic 3-cycle run and checked in real headless Chromium: no
// console errors, no network, and every number on the page equals report.json's.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  loadCycleRecords,
  renderReport,
  writeReport,
  writeReportFromStore,
  type ReportData,
} from '../../src/report/index.js';
import { LocalArtifactStore, putJson } from '../../src/store/artifact-store.js';
import { openPage } from './browser.js';
import { syntheticRun } from './fixtures.js';

const ARTIFACTS = resolve('test-artifacts/report');

/** Resolves an RFC 6901 pointer in the report's JSON. */
function at(doc: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((v, k) => (v == null ? undefined : (v as Record<string, unknown>)[k]), doc);
}

/** The page's text for a number must say the same number (to its printed precision). */
function textAgrees(text: string, value: number): boolean {
  const t = text.trim().replace(/,/g, '').replace('−', '-');
  let m: RegExpMatchArray | null;
  if ((m = t.match(/^([+-]?\d+(?:\.\d+)?)(%| pts)$/))) return Math.abs(Number(m[1]) - value * 100) <= 0.05 + 1e-9;
  if ((m = t.match(/^(\d+(?:\.\d+)?) (min|h)$/)))
    return (
      Math.abs(Number(m[1]) - value / (m[2] === 'h' ? 1 : 60_000)) <= 0.05 + 1e-9 ||
      Math.abs(Number(m[1]) - value / 3_600_000) <= 0.05 + 1e-9
    );
  if ((m = t.match(/^(\d+(?:\.\d+)?)(k|M)$/)))
    return Math.abs(Number(m[1]) * (m[2] === 'k' ? 1e3 : 1e6) - value) <= (m[2] === 'k' ? 50 : 5e4);
  if ((m = t.match(/^-?\d+\.\d{3}$/))) return Number(t) === Number(value.toFixed(3));
  if (/^-?\d+$/.test(t)) return Number(t) === Math.round(value);
  return false;
}

describe('renderReport', () => {
  it("carries each GRPO step's rollout metrics from the trainer's components into the curve", () => {
    const { data } = renderReport(syntheticRun(), { runId: 'run-demo' });
    const [sft, grpo] = data.cycles[1].training.curve;
    assert.deepEqual(Object.keys(sft).sort(), ['loss', 'reward', 'step']);
    assert.deepEqual(
      {
        rewardStd: grpo.rewardStd,
        groupsWithAdvantage: grpo.groupsWithAdvantage,
        gateFormat: grpo.gateFormat,
        callRate: grpo.callRate,
      },
      { rewardStd: 0.21, groupsWithAdvantage: 0.55, gateFormat: 1, callRate: 0.81 },
    );
  });

  it('puts the weak category and the plan that answered it into report.json', () => {
    const { json, html, data } = renderReport(syntheticRun(), { runId: 'run-demo' });
    const back = JSON.parse(json) as ReportData;
    assert.deepEqual(back, JSON.parse(JSON.stringify(data)));
    assert.deepEqual(
      back.cycles.map((c) => c.cycle),
      [0, 1, 2],
    );
    assert.equal(back.summary.weakest?.category, 'parallel');
    assert.equal(back.cycles[2].plan.focusCategory, 'parallel');
    assert.ok(back.cycles[2].plan.weights.parallel!.weight > back.cycles[0].plan.weights.parallel!.weight);
    assert.equal(
      back.cycles[1].synthesis.acceptanceByCategory.parallel!.accepted,
      syntheticRun()[1].synthesis.acceptedByCategory.parallel,
    );
    assert.ok(
      !/https?:\/\//.test(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')),
      'the page references nothing on the network',
    );
    assert.ok(!/<script/i.test(html), 'no script needed');
    assert.equal(back.baseline?.poolOverall, 0.25, 'the baseline comes from cycle 0');
    assert.ok(
      back.gains['pool/overall'] > 0 && typeof back.gains['bfcl/simple_python'] === 'number',
      JSON.stringify(back.gains),
    );
    assert.equal(back.cycles[1].faults?.total.outages, 1);
    assert.match(html, /<section id="gains">/);
    assert.match(html, /<section id="faults">/);
  });

  it('marks a cycle whose policy was not kept (cycles.keepBest), naming whose the next started from', () => {
    const run = syntheticRun();
    run[0].selection = { kept: true, carried: 0 };
    run[1].selection = { kept: false, carried: 0 };
    const { html, data } = renderReport(run, { runId: 'run-demo' });
    assert.deepEqual(
      data.cycles.map((c) => c.selection),
      [{ kept: true, carried: 0 }, { kept: false, carried: 0 }, null],
    );
    const head = /<table class="grid-table" data-table="gains"><tr>(.*?)<\/tr>/.exec(html)?.[1] ?? '';
    assert.match(head, /<th>cycle 0<\/th>/, 'a kept cycle is not marked');
    assert.match(head, /<th>cycle 1 <small class="down" title="[^"]*cycle 0's policy">not kept<\/small><\/th>/, head);
    assert.equal(head.match(/not kept/g)?.length, 1);
  });

  it('names the record that is not a CycleRecord, and the one of another run', () => {
    const run = syntheticRun();
    assert.throws(
      () => renderReport([run[0], { ...run[1], synthesis: undefined }], { runId: 'run-demo' }),
      /cycle record #1 is not a CycleRecord: synthesis/,
    );
    assert.throws(() => renderReport([{ ...run[0], runId: 'other' }], { runId: 'run-demo' }), /belongs to run 'other'/);
  });

  it('keeps the later record of a retried cycle', () => {
    const run = syntheticRun();
    const retried = {
      ...run[1],
      finishedAt: '2030-01-01T00:00:00.000Z',
      synthesis: { ...run[1].synthesis, accepted: 1 },
    };
    const { data } = renderReport([run[0], run[1], retried, run[2]], { runId: 'run-demo' });
    assert.equal(data.cycles.length, 3);
    assert.equal(data.cycles[1].synthesis.accepted, 1);
  });
});

describe('the report page in headless Chromium', () => {
  let dir: string;
  let data: ReportData;
  let session: Awaited<ReturnType<typeof openPage>>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inftool-report-'));
    const written = await writeReport(dir, syntheticRun(), {
      runId: 'run-demo',
      title: 'Synthetic 3-cycle run',
      baseModel: 'Qwen2.5-0.5B-Instruct',
    });
    data = JSON.parse(await readFile(written.jsonPath, 'utf8')) as ReportData;
    session = await openPage(pathToFileURL(written.htmlPath).href);
  });
  after(async () => {
    await session?.browser.close();
  });

  it('loads with no console error and no network request', () => {
    assert.deepEqual(session.errors, []);
    assert.deepEqual(
      session.requests.filter((u) => !u.startsWith('file://')),
      [],
    );
  });

  it("shows exactly report.json's numbers, in charts and tables", async () => {
    const marks = await session.page.$$eval('[data-key]', (els) =>
      els.map((e) => ({
        key: e.getAttribute('data-key')!,
        value: Number(e.getAttribute('data-value')),
        svg: e instanceof SVGElement,
        text: e.textContent ?? '',
      })),
    );
    assert.ok(marks.length > 200, `only ${marks.length} numbers on the page`);
    for (const m of marks) {
      const expected = at(data, m.key);
      assert.equal(typeof expected, 'number', `page shows ${m.key}, which report.json lacks`);
      assert.equal(m.value, expected, `${m.key}: page ${m.value} vs json ${expected}`);
      if (!m.svg)
        assert.ok(textAgrees(m.text, expected as number), `${m.key}: text '${m.text}' does not say ${expected}`);
    }
    // Every BFCL and validation number of every cycle is on the page, drawn and tabulated.
    for (const [ci, c] of data.cycles.entries()) {
      for (const which of ['bfcl', 'validation'] as const) {
        for (const cat of Object.keys(c[which])) {
          const key = `/cycles/${ci}/${which}/${cat}`;
          assert.ok(
            marks.some((m) => m.key === key && m.svg),
            `${key} has no chart mark`,
          );
          assert.ok(
            marks.some((m) => m.key === key && !m.svg),
            `${key} has no table cell`,
          );
        }
      }
      for (const cat of Object.keys(c.plan.weights))
        assert.ok(marks.some((m) => m.key === `/cycles/${ci}/plan/weights/${cat}/weight` && m.svg));
      const curveMarks = (field: string) =>
        marks.filter((m) => m.key.startsWith(`/cycles/${ci}/training/curve/`) && m.key.endsWith(`/${field}`) && m.svg);
      assert.equal(curveMarks('reward').length, c.training.curve.length);
      // The rollout chart: every GRPO step's reward spread, groups with advantage, format-gate pass and call rate.
      const grpoSteps = c.training.curve.filter((p) => p.rewardStd !== undefined).length;
      assert.equal(grpoSteps, c.training.curve.length - 1, 'the SFT step carries no rollout metrics');
      for (const field of ['rewardStd', 'groupsWithAdvantage', 'gateFormat', 'callRate'])
        assert.equal(curveMarks(field).length, grpoSteps, field);
    }
  });

  it('shows cycle 2 aimed at the weak category, with its reason', async () => {
    const rows = await session.page.$$eval('details.plan[data-cycle="2"] tr[data-category]', (trs) =>
      trs.map((tr) => ({
        category: tr.getAttribute('data-category'),
        badge: !!tr.querySelector('.badge'),
        reason: tr.querySelector('.reason')?.textContent ?? '',
      })),
    );
    assert.equal(rows[0].category, 'parallel', 'the heaviest row of cycle 2 is parallel');
    assert.ok(rows[0].badge);
    assert.match(rows[0].reason, /validation acc 0\.32 \(n=40\)/);
    assert.equal(
      await session.page
        .locator('details.plan[data-cycle="2"] summary')
        .innerText()
        .then((t) => /aimed at parallel/.test(t)),
      true,
    );
  });

  it('keeps a screenshot as a test artefact', async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, 'report.png');
    await session.page.screenshot({ path, fullPage: true });
    assert.ok((await stat(path)).size > 20_000);
  });
});

describe('reading a run from the artifact store', () => {
  it("finds the run's cycle records among other artifacts and writes the report", async () => {
    const root = await mkdtemp(join(tmpdir(), 'inftool-store-'));
    const store = new LocalArtifactStore(root);
    const run = syntheticRun();
    for (const r of [...run].reverse())
      await putJson(store, { key: `cyc${r.cycle}abc`, name: `cycle-record-${r.cycle}.json` }, r);
    await putJson(store, { key: 'other1', name: 'cycle-record-0.json' }, { ...run[0], runId: 'run-other' });
    await putJson(store, { key: 'plan1', name: 'plan-0.json' }, run[0].plan);
    await putJson(store, { key: 'junk', name: 'broken-record.json' }, { hello: 'world' });
    const found = await loadCycleRecords({ storeRoot: root, runId: 'run-demo' });
    assert.deepEqual(
      found.map((r) => r.cycle),
      [0, 1, 2],
    );
    const byRef = await loadCycleRecords({
      storeRoot: root,
      runId: 'run-demo',
      refs: [{ key: 'cyc1abc', name: 'cycle-record-1.json' }],
    });
    assert.equal(byRef[0].cycle, 1);
    await assert.rejects(
      loadCycleRecords({ storeRoot: root, runId: 'run-demo', refs: [{ key: 'nope', name: 'cycle-record-9.json' }] }),
      /nope\/cycle-record-9\.json is missing/,
    );
    await assert.rejects(
      writeReportFromStore({ storeRoot: root, runId: 'run-none', outDir: join(root, 'out') }),
      /no cycle record of run 'run-none'/,
    );
  });

  it('`inftool report ID --out DIR` writes the page from a data directory, in a real process', async () => {
    const home = await mkdtemp(join(tmpdir(), 'inftool-home-'));
    const store = new LocalArtifactStore(join(home, 'artifacts'));
    for (const r of syntheticRun('run-cli'))
      await putJson(store, { key: `k${r.cycle}`, name: `cycle-record-${r.cycle}.json` }, r);
    const out = join(home, 'report');
    // The script lives inside the repository so that it resolves `commander` from its node_modules.
    await mkdir(ARTIFACTS, { recursive: true });
    const script = join(await mkdtemp(join(ARTIFACTS, 'cli-')), 'cli.mts');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      script,
      `import { Command } from 'commander';\nimport { register } from ${JSON.stringify(pathToFileURL(resolve('src/cli/report.ts')).href)};\n` +
        `const p = new Command('inftool'); register(p); await p.parseAsync(process.argv);\n`,
    );
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', script, 'report', 'run-cli', '--home', home, '--out', out],
      { cwd: resolve('.') },
    );
    assert.match(stdout, /report of run-cli \(3 cycle\(s\)\)/);
    const json = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as ReportData;
    assert.equal(json.run.runId, 'run-cli');
    assert.match(await readFile(join(out, 'index.html'), 'utf8'), /<title>InfTool run run-cli<\/title>/);
  });
});
