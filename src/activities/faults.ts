// Fault counts per activity attempt: each attempt runs under its own UsageMeter and leaves its snapshot
// under the stage's content key when it ends, however it ends (an attempt that waited out an outage fails,
// and its retries and throttles must not vanish with it). The attempt that succeeds merges its own
// counts with those of the earlier attempts of the same activity and stores the sum with its results.
// A worker killed with -9 takes its attempt's counts with it (nothing runs to write them).
import { Context } from '@temporalio/activity';
import type { CycleFaults, FaultCounts } from '../domain/cycle-record.js';
import {
  isEmptySnapshot,
  mergeUsageSnapshots,
  UsageMeter,
  UsageSnapshotSchema,
  withMeter,
  type RoleUsage,
  type UsageSnapshot,
} from '../llm/usage-meter.js';
import { contentKey, getJson, putJson } from '../store/artifact-store.js';
import type { ActivityDeps } from './context.js';

export type Metered = { meter: UsageMeter; tag: string; attempt: number };

/** This activity's tag: the same for every attempt of one activity of one workflow, different across runs. */
function activityTag(): { tag: string; attempt: number } {
  const info = Context.current().info;
  return {
    tag: contentKey(info.workflowExecution?.workflowId ?? null, info.activityId).slice(0, 12),
    attempt: info.attempt,
  };
}

/** Runs one attempt of a stage under its own meter; its snapshot is stored under `key` when it ends. */
export async function meteredAttempt<T>(
  deps: ActivityDeps,
  key: string,
  scope: { cycle: number; stage: string },
  work: (m: Metered) => Promise<T>,
): Promise<T> {
  const { tag, attempt } = activityTag();
  const meter = new UsageMeter(scope);
  try {
    return await withMeter(meter, () => work({ meter, tag, attempt }));
  } finally {
    const snap = meter.snapshot();
    if (!isEmptySnapshot(snap))
      await putJson(deps.store, { key, name: `faults-${tag}-attempt-${attempt}.json` }, snap).catch(() => undefined);
  }
}

/** This attempt's counts plus every earlier attempt's of the same activity, as one snapshot. */
export async function attemptsSoFar(deps: ActivityDeps, key: string, m: Metered): Promise<UsageSnapshot> {
  const prefix = `faults-${m.tag}-attempt-`;
  const earlier: UsageSnapshot[] = [];
  for (const name of await deps.store.list(key)) {
    if (!name.startsWith(prefix) || !name.endsWith('.json') || name === `${prefix}${m.attempt}.json`) continue;
    const parsed = UsageSnapshotSchema.safeParse(await getJson(deps.store, { key, name }));
    if (parsed.success) earlier.push(parsed.data);
  }
  return mergeUsageSnapshots([...earlier, m.meter.snapshot()]);
}

function countsOf(u: RoleUsage): FaultCounts {
  return {
    requests: u.requests,
    retries: u.retries,
    throttles: u.throttles,
    outages: u.outages,
    garbage: u.garbage,
    malformed: u.formatErrors,
    failures: u.failures,
  };
}

function sum(a: FaultCounts, b: FaultCounts): FaultCounts {
  return Object.fromEntries(
    Object.keys(a).map((k) => [k, a[k as keyof FaultCounts] + b[k as keyof FaultCounts]]),
  ) as FaultCounts;
}

/** A cycle's fault counts from its stages' usage snapshots (missing stages contribute nothing). */
export function cycleFaults(stages: Record<string, UsageSnapshot | undefined>): CycleFaults {
  const zero = countsOf({
    requests: 0,
    retries: 0,
    throttles: 0,
    outages: 0,
    garbage: 0,
    formatErrors: 0,
    failures: 0,
  } as RoleUsage);
  const byStage: CycleFaults['byStage'] = {};
  const byRole: CycleFaults['byRole'] = {};
  let total = zero;
  for (const [stage, snap] of Object.entries(stages)) {
    if (!snap) continue;
    byStage[stage] = {};
    for (const [role, usage] of Object.entries(snap.roles)) {
      const c = countsOf(usage);
      byStage[stage][role] = c;
      byRole[role] = sum(byRole[role] ?? zero, c);
      total = sum(total, c);
    }
  }
  return { byStage, byRole, total };
}
