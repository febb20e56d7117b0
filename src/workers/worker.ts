// Builds a Temporal worker that runs InfTool's workflows and stage activities on one task queue.
// The artifact store lives where the worker runs: activities read and write it by reference.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { createActivities } from '../activities/index.js';
import { LocalArtifactStore, artifactsDir } from '../store/artifact-store.js';
import { keepAlive } from './keep-alive.js';
import type { TemporalTarget } from '../../temporal/connection.js';

export type WorkerOptions = {
  target: TemporalTarget;
  taskQueue: string;
  /** Activities run at once; one local model serializes its own calls anyway. */
  concurrency: number;
  /** INFTOOL_HOME: artifacts under `<home>/artifacts`. */
  home: string;
};

let runtimeInstalled = false;
export function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  // The SDK logs every bundle and poll at INFO; users watch progress through the CLI and UI instead.
  Runtime.install({ logger: new DefaultLogger((process.env.INFTOOL_LOG_LEVEL as 'WARN') ?? 'WARN') });
}

export async function createWorker(opts: WorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  quietRuntime();
  const connection = await NativeConnection.connect(opts.target.connectionOptions);
  const store = new LocalArtifactStore(artifactsDir(opts.home));
  const worker = await Worker.create({
    connection,
    namespace: opts.target.namespace,
    taskQueue: opts.taskQueue,
    workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)),
    activities: createActivities({ store, dataDir: resolve(opts.home) }),
    interceptors: { activity: [keepAlive()] },
    maxConcurrentActivityTaskExecutions: opts.concurrency,
    // Stage activities run for minutes: give them time to notice cancellation and stop their children.
    shutdownGraceTime: '10s',
  });
  return { worker, connection };
}
