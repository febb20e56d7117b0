// `inftool demo`: the main job on the embedded default. Starts the Temporal dev server unless one is
// configured or already listening, runs a worker in-process, and follows a run on the bundled examples.
import { join, resolve } from 'node:path';
import { loadRunConfig } from '../config.js';
import { REPO_ROOT } from '../repo-root.js';
import { resolveTemporalTarget } from '../../temporal/connection.js';
import { portOpen, startDevServer, type DevServer } from '../../temporal/dev-server.js';
import { connectClient, uiLink } from './temporal-client.js';
import { timeStamp } from './args.js';
import { printStatus, startRun, watch } from './run.js';
import type { RunStatus } from '../workflows/definitions.js';
import { LocalArtifactStore, artifactsDir } from '../store/artifact-store.js';

export function defaultHome(): string {
  return resolve(process.env.INFTOOL_HOME ?? '.inftool');
}

export type DemoResult = { runId: string; status: RunStatus; report: string | null };

export async function startDemo(o: {
  configFile?: string;
  home: string;
  exitWhenDone: boolean;
  runId?: string;
}): Promise<DemoResult> {
  const config = await loadRunConfig(o.configFile ?? join(REPO_ROOT, 'configs', 'demo.yaml'));
  const target = resolveTemporalTarget();
  let server: DevServer | null = null;
  if (!target.configured) {
    if (await portOpen(7233)) console.log('using the Temporal server already listening on 127.0.0.1:7233');
    else {
      server = await startDevServer({ dataDir: join(o.home, 'temporal'), log: (l) => console.log(l) });
      console.log(`started the embedded Temporal dev server (${server.address}, database ${server.dbFile})`);
    }
  }
  const { createWorker } = await import('../workers/worker.js');
  const { worker } = await createWorker({ target, taskQueue: config.temporal.taskQueue, concurrency: 2, home: o.home });
  const running = worker.run();
  const c = await connectClient(target);
  try {
    const runId = await startRun(c, config, o.runId ?? `run-${config.name}-${timeStamp()}`);
    console.log(`  pause/resume: npx inftool pause ${runId} | npx inftool resume ${runId}`);
    const status = await watch(c, runId);
    console.log('');
    printStatus(status, 'COMPLETED');
    console.log(`artifacts: ${artifactsDir(o.home)}`);
    for (const cy of status.cycles)
      console.log(`  cycle ${cy.cycle} record: ${new LocalArtifactStore(artifactsDir(o.home)).locate(cy.recordRef)}`);
    const report = await writeRunReport(
      o.home,
      runId,
      status.cycles.map((cy) => cy.recordRef),
    );
    if (report) console.log(`report: ${report}`);
    const link = uiLink(c, runId);
    if (!o.exitWhenDone && link) {
      console.log(`\nThe Temporal UI stays up: ${link}\nCtrl-C to quit.`);
      await new Promise<void>((done) => process.once('SIGINT', () => done()));
    }
    return { runId, status, report };
  } finally {
    worker.shutdown();
    await running;
    await c.close();
    await server?.stop();
  }
}

/** Writes the run's HTML report next to the artifacts; null when no cycle finished. */
async function writeRunReport(
  home: string,
  runId: string,
  refs: { key: string; name: string }[],
): Promise<string | null> {
  if (!refs.length) return null;
  const { writeRunReportFromStore } = await import('./report-run.js');
  return writeRunReportFromStore({ home, runId, recordRefs: refs, outDir: join(home, 'reports', runId) });
}
