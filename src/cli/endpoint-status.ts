// What `status` adds about the run's model endpoints: which endpoint a stage is waiting for right now
// (a pending activity whose last attempt failed with EndpointUnavailable, read from Temporal, not from the
// workflow's state) and the fault counts of every finished cycle (read from the cycle records).
import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { RunStatus } from '../workflows/definitions.js';
import type { CycleFaults, CycleRecord } from '../domain/cycle-record.js';
import { LocalArtifactStore, artifactsDir } from '../store/artifact-store.js';

export type EndpointWait = { workflowId: string; activity: string; attempt: number; error: string };

/** Stage activities of the current cycle that are being retried because an endpoint stayed away. */
export async function endpointWaits(
  client: Client,
  status: Pick<RunStatus, 'runId' | 'cycle'>,
): Promise<EndpointWait[]> {
  const workflowId = `${status.runId}/cycle-${status.cycle}`;
  const desc = await client.workflow
    .getHandle(workflowId)
    .describe()
    .catch(() => undefined);
  const waits: EndpointWait[] = [];
  for (const p of desc?.raw.pendingActivities ?? []) {
    const failure = p.lastFailure;
    if (failure?.applicationFailureInfo?.type !== 'EndpointUnavailable') continue;
    waits.push({
      workflowId,
      activity: p.activityType?.name ?? '?',
      attempt: p.attempt ?? 0,
      error: failure.message ?? '',
    });
  }
  return waits;
}

/** Each finished cycle's fault counts, from its record in `home`'s artifact store (null where unreadable). */
export function cycleFaultCounts(
  home: string,
  status: Pick<RunStatus, 'cycles'>,
): Array<{ cycle: number; faults: CycleFaults | null }> {
  return status.cycles.map((c) => {
    try {
      const record = JSON.parse(
        readFileSync(new LocalArtifactStore(artifactsDir(home)).locate(c.recordRef), 'utf8'),
      ) as CycleRecord;
      return { cycle: c.cycle, faults: record.faults ?? null };
    } catch {
      return { cycle: c.cycle, faults: null };
    }
  });
}
