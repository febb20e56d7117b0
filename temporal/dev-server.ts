// Starts and stops the embedded Temporal dev server (`temporal server start-dev`) with a persistent
// SQLite file, the Web UI, and InfTool's search attributes registered.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { ensureTemporalCli } from './cli-binary.js';
import { devServerSearchAttributeArgs } from './search-attributes.js';

export type DevServerOptions = {
  dataDir: string;
  port?: number; // gRPC frontend, default 7233
  uiPort?: number; // Web UI, default 8233
  headless?: boolean;
  namespace?: string;
  log?: (line: string) => void;
};

export type DevServer = {
  address: string;
  uiUrl: string | null;
  dbFile: string;
  process: ChildProcess;
  stop(): Promise<void>;
};

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const sock = createConnection({ port, host });
    sock.once('connect', () => (sock.destroy(), done(true)));
    sock.once('error', () => done(false));
  });
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const cli = ensureTemporalCli({ log: opts.log });
  const port = opts.port ?? 7233;
  const uiPort = opts.uiPort ?? 8233;
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const dbFile = join(dataDir, 'temporal.db');
  if (await portOpen(port)) {
    throw new Error(
      `port ${port} is already taken: is a Temporal server running there? Set TEMPORAL_ADDRESS=127.0.0.1:${port} to use it, or pick another port`,
    );
  }
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    opts.namespace ?? 'default',
    '--log-level',
    'warn',
    ...devServerSearchAttributeArgs(),
    ...(opts.headless ? ['--headless'] : ['--ui-port', String(uiPort)]),
  ];
  const logFd = openSync(join(dataDir, 'temporal-server.log'), 'a');
  const child = spawn(cli.path, args, { stdio: ['ignore', logFd, logFd] });
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));

  const deadline = Date.now() + 60_000;
  while (!(await portOpen(port))) {
    if (exited) throw new Error(`temporal server start-dev ${exited}; see ${join(dataDir, 'temporal-server.log')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `temporal server start-dev did not open port ${port} within 60 s; see ${join(dataDir, 'temporal-server.log')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: opts.headless ? null : `http://localhost:${uiPort}`,
    dbFile,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
