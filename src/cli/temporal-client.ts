// Client-side helpers shared by the CLI commands: connect to the configured Temporal, find a run,
// and read its status through the workflow's query.
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { resolveTemporalTarget, workflowUiLink, type TemporalTarget } from '../../temporal/connection.js';
import { statusQuery, type RunStatus } from '../workflows/definitions.js';

export type Connected = { client: Client; target: TemporalTarget; close(): Promise<void> };

export async function connectClient(target: TemporalTarget = resolveTemporalTarget()): Promise<Connected> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...target.connectionOptions, connectTimeout: '5s' } as never);
  } catch (err) {
    const where = String(target.connectionOptions.address);
    throw new Error(
      `cannot reach Temporal at ${where}: ${(err as Error).message}\n` +
        (target.configured
          ? 'Check TEMPORAL_ADDRESS / your profile.'
          : "Start the embedded server with 'inftool server' (or run 'inftool demo'), or set TEMPORAL_ADDRESS."),
    );
  }
  return { client: new Client({ connection, namespace: target.namespace }), target, close: () => connection.close() };
}

export async function runStatus(client: Client, runId: string): Promise<{ status: RunStatus; closed: string | null }> {
  const handle = client.workflow.getHandle(runId);
  try {
    const desc = await handle.describe();
    const closed = desc.status.name === 'RUNNING' ? null : desc.status.name;
    if (closed === 'COMPLETED') return { status: (await handle.result()) as RunStatus, closed };
    return { status: await handle.query(statusQuery), closed };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new Error(`no run with id '${runId}' (try 'inftool list')`);
    throw err;
  }
}

export function uiLink(c: Connected, runId: string): string | null {
  return workflowUiLink(c.target.uiUrl, c.target.namespace, runId);
}
