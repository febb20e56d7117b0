// Starting a run on Temporal and following it from the terminal: what `inftool run`, `status` and the
// demo share (the workflow is started by reference, its status read by query).
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { RunConfig } from '../config.js';
import { CycleKey, RunKey, StageKey, type EvolutionInput, type RunStatus } from '../workflows/definitions.js';
import type { evolutionWorkflow } from '../workflows/evolution.js';
import { runDetails, runSummary } from '../workflows/ui-text.js';
import { gain, pct, scoreTable, statusLine } from './format.js';
import { runStatus, uiLink, type Connected } from './temporal-client.js';

/** Starts a run's evolution workflow: the one place that says how (id reuse, UI summary, search attributes).
 * The CLI, the pipeline tests and the benchmarks all start runs through it. */
export async function startEvolution(client: Client, config: RunConfig, runId: string) {
  const input: EvolutionInput = { runId, config };
  return client.workflow.start<typeof evolutionWorkflow>('evolutionWorkflow', {
    workflowId: runId,
    taskQueue: config.temporal.taskQueue,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    staticSummary: runSummary(config),
    staticDetails: runDetails(config),
    typedSearchAttributes: [
      { key: RunKey, value: runId },
      { key: CycleKey, value: 0 },
      { key: StageKey, value: 'prepare' },
    ],
  });
}

export async function startRun(c: Connected, config: RunConfig, id?: string): Promise<string> {
  const runId = id ?? `run-${config.name}`;
  await startEvolution(c.client, config, runId);
  const link = uiLink(c, runId);
  console.log(`started ${runId}${link ? `\n  watch it: ${link}` : ''}`);
  return runId;
}

/** Shows a run's progress until it closes; throws when it ends other than COMPLETED. */
export async function watch(c: Connected, runId: string, o: { json?: boolean } = {}): Promise<RunStatus> {
  const tty = process.stdout.isTTY && !o.json;
  let lastLine = '';
  for (;;) {
    const { status, closed } = await runStatus(c.client, runId);
    const line = o.json ? JSON.stringify({ ...status, closed }) : statusLine(status, closed);
    if (line !== lastLine) {
      if (tty) process.stdout.write(`\r\x1b[2K${line}`);
      else console.log(line);
      lastLine = line;
    }
    if (closed) {
      if (tty) process.stdout.write('\n');
      if (closed !== 'COMPLETED')
        throw new Error(
          `run ${runId} ended ${closed}; see it in the Temporal UI${uiLink(c, runId) ? `: ${uiLink(c, runId)}` : ''}`,
        );
      return status;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export function printStatus(s: RunStatus, closed: string | null): void {
  console.log(
    `${s.runId}: cycle ${s.cycle}, stage ${s.stage}${s.paused ? ' (paused)' : ''}${s.stopRequested ? ' (stopping)' : ''}${closed ? `, ${closed}` : ''}`,
  );
  if (Object.keys(s.counts).length) console.log(`  counts: ${JSON.stringify(s.counts)}`);
  const base = s.baseline;
  for (const cy of s.cycles) {
    const g = (x: number | null | undefined, b: number | null | undefined) =>
      gain(x, b) ? ` (${gain(x, b)} pts vs baseline)` : '';
    console.log(
      `  cycle ${cy.cycle}: accepted ${cy.accepted}/${cy.trajectories}, validation ${pct(cy.validationOverall)}, ` +
        `pool ${pct(cy.scores?.poolOverall)}${g(cy.scores?.poolOverall, base?.poolOverall)}, ` +
        `BFCL ${pct(cy.bfclOverall)}${g(cy.bfclOverall, base?.bfcl['group/overall'])}`,
    );
  }
  const table = scoreTable(base, s.cycles);
  if (table.length)
    console.log(
      ['  scores on the fixed items (gain in points over the baseline):', ...table.map((l) => `    ${l}`)].join('\n'),
    );
  if (s.stopReason) console.log(`  ended: ${s.stopReason}`);
}
