// The Temporal UI tells a run's story and steers it: a real dev server with its Web UI, a scripted run
// started by the CLI, and headless Chromium clicking through the page the CLI's printed link opens.
// The run's summary, details and live current details are on its User Metadata tab; a cycle's link
// (its id holds a '/') opens; `pause` and `resume` sent from the Send a Signal dialog steer the run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import {
  startTestTemporal,
  spawnWorker,
  waitFor,
  REPO_ROOT,
  type TestTemporal,
  type WorkerProcess,
} from '../support/temporal.js';
import { startScriptedRoles, status, tempHome, testConfig, workerEnv } from '../support/pipeline.js';
import { CHROMIUM, openPage } from '../report/browser.js';
import { portOpen } from '../../temporal/dev-server.js';
import { workflowUiLink } from '../../temporal/connection.js';
import { runSummary } from '../../src/workflows/ui-text.js';
import { STAGES, type RunStatus, type Stage } from '../../src/workflows/definitions.js';
import type { ScriptedServer } from '../../src/llm/scripted-server.js';

const exec = promisify(execFile);
const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: run scripts/ensure-chromium.sh (npm test's set-up does)`;
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const RUN = 'run-ui';

let temporal: TestTemporal;
let llm: ScriptedServer;
let worker: WorkerProcess;
let browser: Browser | undefined;
let config: ReturnType<typeof testConfig>;

before(async () => {
  if (skip) return;
  temporal = await startTestTemporal({ ui: true });
  // Slow scripted roles, so synthesis lasts seconds and the pause lands inside the cycle.
  llm = await startScriptedRoles({ delayMs: 100 });
  config = testConfig(llm, { cycles: { max: 1 } });
  worker = await spawnWorker(workerEnv(temporal.env, config, tempHome()));
  // start-dev opens the gRPC port first; the UI server follows.
  await waitFor('the Web UI port', () => portOpen(Number(new URL(temporal.server.uiUrl!).port)), 60_000);
});
after(async () => {
  await browser?.close();
  await worker?.kill('SIGTERM');
  await llm?.close();
  await temporal?.close();
});

/** The rendered text a person reads; the UI's Markdown turns `1/1` into a fraction (U+2044). */
const readable = (s: string) =>
  s
    .replace(/\u2044/g, '/')
    .replace(/[ \t]+/g, ' ')
    .trim();

/** The texts of the User Metadata tab's Markdown panels (summary, details, current details), each an iframe. */
async function metadataPanels(page: Page): Promise<string[]> {
  const frames = page.locator('iframe[title="output"]');
  await frames.first().waitFor({ timeout: 30_000 });
  const texts: string[] = [];
  for (let i = 0; i < (await frames.count()); i++)
    texts.push(readable(await frames.nth(i).contentFrame().locator('body').innerText()));
  return texts;
}

/** Opens the User Metadata tab, reloading until a panel satisfies `want` (current details are read at page load). */
async function panelWhere(page: Page, what: string, want: (text: string) => boolean): Promise<string[]> {
  return waitFor(
    what,
    async () => {
      await page.reload({ waitUntil: 'load' });
      await page
        .getByRole('link', { name: 'User Metadata' })
        .or(page.getByText('User Metadata', { exact: true }))
        .first()
        .click();
      const panels = await metadataPanels(page);
      return panels.some(want) && panels;
    },
    90_000,
    500,
  );
}

/** Sends a signal by clicking: More Actions → Send a Signal → pick the name → Submit (pause/resume take no input). */
async function signalFromUi(
  page: Page,
  name: 'pause' | 'resume',
  beforeSubmit?: () => Promise<unknown>,
): Promise<void> {
  await page.getByRole('button', { name: 'More Actions' }).click();
  await page.locator('[data-testid="signal-button"]:visible').click();
  const dialog = page.getByRole('dialog', { name: 'Send a Signal' });
  await dialog.getByTestId('signal-select-button').click();
  await dialog.getByRole('option', { name, exact: true }).click();
  await beforeSubmit?.();
  await dialog.getByTestId('confirm-modal-button').click();
  await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
}

test(
  "the printed link shows the run's story in the Temporal UI, and pause/resume sent there steer it",
  { skip },
  async () => {
    // Start the run the way a person does, and take the link the CLI prints.
    const dir = mkdtempSync(join(tmpdir(), 'inftool-ui-config-'));
    writeFileSync(join(dir, 'run.json'), JSON.stringify(config));
    const env = { ...process.env, ...temporal.env, INFTOOL_TEMPORAL_UI: temporal.server.uiUrl! };
    const started = await exec(
      process.execPath,
      [join(REPO_ROOT, 'bin/inftool.js'), 'run', '--config', join(dir, 'run.json'), '--id', RUN],
      { env, cwd: REPO_ROOT },
    );
    const runLink = /watch it: (\S+)/.exec(started.stdout)?.[1];
    assert.equal(runLink, `${temporal.server.uiUrl}/namespaces/default/workflows/${RUN}`, started.stdout);

    const opened = await openPage(runLink!);
    browser = opened.browser;
    const page = opened.page;
    const failed: string[] = [];
    page.on('response', (r) => void (r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`)));
    await page.waitForURL(/\/workflows\/run-ui\/[0-9a-f-]{36}\/history/, { timeout: 30_000 });
    await page.getByText('evolutionWorkflow', { exact: true }).first().waitFor();

    // Pause from the dialog once the cycle is under way (before that, the run would hold before the cycle starts).
    await signalFromUi(page, 'pause', () =>
      waitFor(
        'the cycle to start',
        async () => !['prepare', 'done', 'stopped'].includes((await status(temporal.client, RUN)).stage),
        90_000,
        50,
      ),
    );
    const paused = await waitFor('the run to report paused', async () => {
      const s = await status(temporal.client, RUN);
      return s.paused && s;
    });
    assert.equal(paused.paused, true);

    // The run's page: static summary, static details, and the live current details saying it is paused.
    const panels = await panelWhere(page, 'current details saying paused', (t) =>
      /^cycle 0 \(1 of 1\): \w+ \(paused\)/.test(t),
    );
    assert.ok(
      panels.includes(readable(runSummary(config))),
      `the summary panel shows runSummary(): ${JSON.stringify(panels)}`,
    );
    const details = panels.find((t) => t.startsWith('InfTool run test\n'));
    assert.ok(details, `a details panel: ${JSON.stringify(panels)}`);
    assert.match(details!, /cycles: 1/);
    assert.match(details!, /steer: signals pause, resume, stop/);
    const current = panels.find((t) => t.startsWith('cycle 0 (1 of 1):'))!;
    assert.match(current, /policy: scripted-model @ 127\.0\.0\.1:\d+/);
    assert.match(current, /waiting for: a resume signal/);
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'temporal-ui-run.png');
    await page.screenshot({ path: shot });

    // The cycle's page through the same link builder: its id holds a '/', encoded, so it opens as typed (unencoded it is a 400).
    const cycleLink = workflowUiLink(temporal.server.uiUrl, 'default', `${RUN}/cycle-0`)!;
    assert.ok(cycleLink.endsWith('/workflows/run-ui%2Fcycle-0'), cycleLink);
    failed.length = 0;
    await page.goto(cycleLink, { waitUntil: 'load' });
    await page.waitForURL(/\/workflows\/run-ui%2Fcycle-0\/[0-9a-f-]{36}\/history/, { timeout: 30_000 });
    await page.getByText('cycleWorkflow', { exact: true }).first().waitFor();
    await page.getByText('Parent Workflow').first().waitFor();
    // Held before its next stage: the cycle waits in front of a stage it has not begun, with no activity running.
    const cyclePanels = await panelWhere(
      page,
      'the cycle to hold before its next stage',
      (t) => /^cycle 0: \w+ \(paused\)/.test(t) && t.includes('waiting for: a resume signal'),
    );
    assert.deepEqual(failed, [], 'no request of the cycle page failed');
    assert.ok(
      cyclePanels.some((t) => t.startsWith(`${config.name} cycle 0 (1 of 1): synthesize → verify`)),
      `the cycle's summary: ${JSON.stringify(cyclePanels)}`,
    );
    const waitingAt = /^cycle 0: (\w+) \(paused\)/.exec(cyclePanels.find((t) => t.startsWith('cycle 0:'))!)![1];
    const held = await status(temporal.client, RUN);
    assert.equal(held.paused, true);
    assert.ok(
      STAGES.indexOf(held.stage) < STAGES.indexOf(waitingAt as Stage),
      `the run is at ${held.stage}, before ${waitingAt}`,
    );
    const pending = (await temporal.client.workflow.getHandle(`${RUN}/cycle-0`).describe()).raw.pendingActivities ?? [];
    assert.equal(pending.length, 0, 'no activity runs while paused');
    assert.equal((await status(temporal.client, RUN)).stage, held.stage, 'the stage has not moved');

    // Resume from the run's page the same way; the run finishes.
    await page.goto(runLink!, { waitUntil: 'load' });
    await page.waitForURL(/\/history/, { timeout: 30_000 });
    await signalFromUi(page, 'resume');
    const result = (await temporal.client.workflow.getHandle(RUN).result()) as RunStatus;
    assert.equal(result.stage, 'done');
    assert.equal(result.paused, false);
    assert.equal(result.cycles.length, 1);

    // The README's saved view and filter find it: the evolution workflows, by InfTool's stage search attribute.
    await waitFor(
      'the run in the filtered workflow list',
      async () => {
        await page.goto(
          `${temporal.server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent('WorkflowType = "evolutionWorkflow" AND InfToolStage = "done"')}`,
          { waitUntil: 'load' },
        );
        await page.getByRole('link', { name: RUN, exact: true }).first().waitFor({ timeout: 10_000 });
        return true;
      },
      60_000,
      1000,
    );
    assert.equal(
      await page.getByRole('link', { name: `${RUN}/cycle-0`, exact: true }).count(),
      0,
      'cycles are not evolution workflows',
    );

    assert.ok(statSync(shot).size > 10_000, 'a real screenshot');
    if (process.env.INFTOOL_UPDATE_DOCS_SCREENSHOT && statSync(shot).size < 300_000)
      copyFileSync(shot, join(REPO_ROOT, 'docs', 'temporal-ui.png'));
  },
);
