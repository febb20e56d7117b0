// A real Temporal dev server on free ports (temp SQLite) and worker processes that can be killed with -9:
// what the tests (test/support/temporal.ts) and the pipeline benchmarks start. No mock of Temporal anywhere.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { REPO_ROOT } from '../src/repo-root.js';
import type { RunConfig } from '../src/config.js';
import { startDevServer, type DevServer } from './dev-server.js';

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => done(port));
    });
    srv.once('error', fail);
  });
}

export type TestTemporal = {
  server: DevServer;
  port: number;
  dataDir: string;
  client: Client;
  env: Record<string, string>;
  /** Kills the server process (SIGKILL) and starts a new one on the same database file and port. */
  restart(): Promise<void>;
  close(): Promise<void>;
};

/** `ui: true` serves the Web UI too, on a free port of its own (`server.uiUrl`). */
export async function startTestTemporal(o: { ui?: boolean } = {}): Promise<TestTemporal> {
  const dataDir = mkdtempSync(join(tmpdir(), 'inftool-temporal-'));
  const port = await freePort();
  let uiPort = await freePort();
  while (uiPort === port) uiPort = await freePort();
  const uiOptions = o.ui ? { headless: false, uiPort } : { headless: true };
  let server = await startDevServer({ dataDir, port, ...uiOptions });
  let connection = await Connection.connect({ address: server.address });
  const t: TestTemporal = {
    server,
    port,
    dataDir,
    client: new Client({ connection }),
    env: { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' },
    async restart() {
      server.process.kill('SIGKILL');
      await new Promise((r) => server.process.once('exit', r));
      server = await startDevServer({ dataDir, port, ...uiOptions });
      t.server = server;
      await connection.close().catch(() => undefined);
      connection = await Connection.connect({ address: server.address });
      t.client = new Client({ connection });
    },
    async close() {
      await connection.close().catch(() => undefined);
      await server.stop();
    },
  };
  return t;
}

/** A fresh data directory for one run's worker (artifacts, trainer output, the embedded server's files). */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'inftool-home-'));
}

/** The environment a worker process reads its task queue and data directory from (src/workers/main.ts). */
export function workerEnv(env: Record<string, string>, config: RunConfig, home: string): Record<string, string> {
  return { ...env, INFTOOL_TASK_QUEUE: config.temporal.taskQueue, INFTOOL_HOME: home };
}

export type WorkerProcess = { child: ChildProcess; output: () => string; kill(signal?: NodeJS.Signals): Promise<void> };

/** Starts `src/workers/main.ts` as its own process, the way `inftool worker` runs; `nodeArgs` go before the script (e.g. --cpu-prof). */
export async function spawnWorker(env: Record<string, string>, nodeArgs: string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(REPO_ROOT, 'src/workers/main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((ready, fail) => {
    const check = () => out.includes('worker polling') && ready();
    child.stdout!.on('data', check);
    child.once('exit', (code) => fail(new Error(`worker exited with ${code} before polling:\n${out}`)));
  });
  return {
    child,
    output: () => out,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await gone;
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`,
  );
}

export { REPO_ROOT };

/** The trainer's GPU worker (trainer/inftool_trainer/worker.py) as a child process; resolves once it polls `queue`. */
export function spawnPyTrainWorker(
  queue: string,
  env: Record<string, string>,
  into: ChildProcess[],
): Promise<ChildProcess> {
  const child = spawn(
    join(REPO_ROOT, 'trainer', '.venv', 'bin', 'python'),
    ['-m', 'inftool_trainer.worker', '--task-queue', queue],
    {
      cwd: join(REPO_ROOT, 'trainer'),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  into.push(child);
  let err = '';
  return new Promise((ready, fail) => {
    child.stderr!.on('data', (d) => {
      err += d;
      if (err.includes('polling task queue')) ready(child);
    });
    child.once('exit', (code) => fail(new Error(`python worker exited ${code}: ${err}`)));
  });
}
