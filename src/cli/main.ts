// `inftool`: the command line over a run. Exit codes: 0 success, 1 failure, 2 usage.
import { Command, CommanderError } from 'commander';
import { ConfigError, loadRunConfig, parseRunConfig } from '../config.js';
import { pauseSignal, resumeSignal, stopSignal, RunKey, CycleKey, StageKey } from '../workflows/definitions.js';
import { connectClient, runStatus, type Connected } from './temporal-client.js';
import { printStatus, startRun, watch } from './run.js';
import { defaultHome, startDemo } from './demo.js';
import { exportRun } from './export-run.js';
import { cycleFaultCounts, endpointWaits } from './endpoint-status.js';
import { registerBfclCommands as registerBfcl } from './bfcl.js';
import { register as registerMcp } from './mcp.js';
import { register as registerReport } from './report.js';
import { register as registerSpecs } from './specs.js';
import { register as registerServe } from './serve.js';

export class UsageError extends Error {}

export function buildProgram(): Command {
  const program = new Command('inftool')
    .description('Turns API specs into verified tool-use data and better tool-calling models, on Temporal.')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('server')
    .description('run the embedded Temporal dev server (persistent SQLite, Web UI, search attributes)')
    .option('--home <dir>', 'data directory', defaultHome())
    .option('--port <n>', 'gRPC port', '7233')
    .option('--ui-port <n>', 'Web UI port', '8233')
    .action(async (o) => {
      const { startDevServer } = await import('../../temporal/dev-server.js');
      const { join } = await import('node:path');
      const server = await startDevServer({
        dataDir: join(o.home, 'temporal'),
        port: Number(o.port),
        uiPort: Number(o.uiPort),
        log: console.error,
      });
      console.log(`Temporal dev server at ${server.address}; Web UI ${server.uiUrl}; database ${server.dbFile}`);
      await new Promise<void>((done) => {
        for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void server.stop().then(done));
        server.process.once('exit', () => done());
      });
    });

  program
    .command('worker')
    .description('run a worker for workflows and stage activities')
    .option('--task-queue <q>', 'task queue', 'inftool')
    .option('--concurrency <n>', 'activities at once', '4')
    .option('--home <dir>', 'data directory (artifacts)', defaultHome())
    .action(async (o) => {
      const { createWorker } = await import('../workers/worker.js');
      const { resolveTemporalTarget } = await import('../../temporal/connection.js');
      const { worker } = await createWorker({
        target: resolveTemporalTarget(),
        taskQueue: o.taskQueue,
        concurrency: Number(o.concurrency),
        home: o.home,
      });
      console.log(`worker polling '${o.taskQueue}' (artifacts in ${o.home}/artifacts); Ctrl-C to stop`);
      await worker.run();
    });

  program
    .command('run')
    .description('start a run from a config file; prints its id and UI link')
    .requiredOption('--config <file>', 'run config (YAML or JSON)')
    .option('--id <id>', 'workflow id (default run-<name>)')
    .option('--wait', 'wait for the run to finish, showing progress')
    .action(async (o) => {
      const config = await loadRunConfig(o.config);
      await withClient(async (c) => {
        const runId = await startRun(c, config, o.id);
        if (o.wait) await watch(c, runId);
      });
    });

  program
    .command('status <id>')
    .description("show a run's cycle, stage, counts and scores")
    .option('--json', 'print JSON')
    .option('--watch', 'keep showing it live until the run ends')
    .option('--home <dir>', "data directory (artifacts), for the cycles' fault counts", defaultHome())
    .action(async (id, o) =>
      withClient(async (c) => {
        if (o.watch) return void (await watch(c, id, { json: o.json }));
        const { status, closed } = await runStatus(c.client, id);
        // Which endpoint a stage waits for (Temporal's pending activities) and each cycle's endpoint faults.
        const waitingFor = closed ? [] : await endpointWaits(c.client, status);
        const faults = cycleFaultCounts(o.home, status);
        if (o.json) console.log(JSON.stringify({ ...status, closed, waitingFor, faults }, null, 2));
        else {
          printStatus(status, closed);
          for (const w of waitingFor) console.log(`  waiting (${w.activity}, attempt ${w.attempt}): ${w.error}`);
          for (const f of faults)
            if (f.faults) console.log(`  cycle ${f.cycle} endpoint faults: ${JSON.stringify(f.faults.total)}`);
        }
      }),
    );

  for (const [name, signal, what] of [
    ['pause', pauseSignal, 'pause a run before its next stage'],
    ['resume', resumeSignal, 'resume a paused run'],
    ['stop', stopSignal, 'stop a run after the stage in progress'],
  ] as const) {
    program
      .command(`${name} <id>`)
      .description(what)
      .action(async (id) =>
        withClient(async (c) => {
          await runStatus(c.client, id); // names a missing run clearly
          await c.client.workflow.getHandle(id).signal(signal);
          console.log(`${name} sent to ${id}`);
        }),
      );
  }

  program
    .command('list')
    .description('list runs with their cycle, stage and score')
    .option('--json', 'print JSON')
    .action(async (o) =>
      withClient(async (c) => {
        const rows: Array<Record<string, unknown>> = [];
        for await (const wf of c.client.workflow.list({ query: `WorkflowType = 'evolutionWorkflow'` })) {
          const sa = wf.typedSearchAttributes;
          rows.push({
            id: wf.workflowId,
            status: wf.status.name,
            cycle: sa.get(CycleKey),
            stage: sa.get(StageKey),
            run: sa.get(RunKey),
            started: wf.startTime.toISOString(),
          });
          if (rows.length >= 100) break;
        }
        if (o.json) return void console.log(JSON.stringify(rows, null, 2));
        if (!rows.length) return void console.log('no runs yet');
        for (const r of rows)
          console.log(
            `${String(r.id).padEnd(32)} ${String(r.status).padEnd(11)} cycle ${r.cycle ?? '-'} ${r.stage ?? ''}  ${r.started}`,
          );
      }),
    );

  program
    .command('export <id>')
    .description("export a run's verified trajectories for fine-tuning")
    .requiredOption('--format <f>', 'openai | sharegpt | hf')
    .requiredOption('--out <dir>', 'output directory')
    .option('--home <dir>', 'data directory', defaultHome())
    .action(async (id, o) =>
      withClient(async (c) => {
        if (!['openai', 'sharegpt', 'hf'].includes(o.format))
          throw new UsageError(`--format must be openai, sharegpt or hf, not '${o.format}'`);
        const { status } = await runStatus(c.client, id);
        const written = await exportRun({ status, home: o.home, format: o.format, outDir: o.out });
        console.log(
          `wrote ${written.counts.train} training and ${written.counts.validation} validation conversations from ${written.cycles} cycle(s):\n  ${written.files.train}\n  ${written.files.validation}`,
        );
      }),
    );

  program
    .command('demo')
    .description('the main job: embedded server if needed, a worker in-process, a run on the bundled examples')
    .option('--config <file>', 'run config (default: configs/demo.yaml)')
    .option('--home <dir>', 'data directory', defaultHome())
    .option('--exit', 'exit when the run ends instead of keeping the UI up (default when not on a TTY)')
    .action(
      async (o) =>
        void (await startDemo({ configFile: o.config, home: o.home, exitWhenDone: o.exit || !process.stdout.isTTY })),
    );

  registerSpecs(program);
  registerMcp(program);
  registerBfcl(program);
  registerReport(program);
  registerServe(program);
  return program;
}

async function withClient(fn: (c: Connected) => Promise<void>): Promise<void> {
  const c = await connectClient();
  try {
    await fn(c);
  } finally {
    await c.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // help/version print and exit 0
    if (err instanceof UsageError) return (console.error(`inftool: ${err.message}`), 2);
    if (err instanceof ConfigError) return (console.error(`inftool: ${err.message}`), 2);
    console.error(`inftool: ${(err as Error).message}`);
    if (process.env.INFTOOL_DEBUG) console.error(err);
    return 1;
  }
}

export { parseRunConfig };
