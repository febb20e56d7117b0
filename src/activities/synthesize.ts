// The synthesize stage, one batch of tasks per activity: each finished trajectory is stored under the
// batch's content key at once, so a retry after a crash redoes only the unfinished ones. A trajectory
// interrupted by an endpoint outage is not stored: the outage fails the attempt and the retry asks again.
// The batch's fault counts (every attempt's) are kept in batch.meta.json, where verification reads them.
import { z } from 'zod';
import type { RunConfig } from '../config.js';
import type { Trajectory } from '../domain/trajectory.js';
import { synthesizeTrajectory } from '../agents/synthesize.js';
import { expandPlanRange } from '../plan/expand.js';
import type { Plan } from '../domain/plan.js';
import type { ModelRef } from '../llm/types.js';
import { toolsOf, type Catalog } from '../domain/catalog.js';
import { mcpSessionFactory } from '../agents/mcp-session.js';
import { contentKey, getJson, getJsonShared, putJson, putJsonl, type ArtifactRef } from '../store/artifact-store.js';
import { runConfigOf, type ConfigArg } from './run-config.js';
import { BadInput, heartbeating, type ActivityDeps } from './context.js';
import { attemptsSoFar, meteredAttempt } from './faults.js';
import type { UsageSnapshot } from '../llm/usage-meter.js';
import { policyClient, roleClient } from './roles.js';
import { BatchSlots, runInSlots } from './batch-slots.js';

export type SynthesizeBatchInput = ConfigArg & {
  runId: string;
  cycle: number;
  planRef: ArtifactRef;
  catalogRef: ArtifactRef;
  policy: ModelRef;
  batchIndex: number;
  batchSize: number;
  /**
   * The cycle's batches that may talk to the model at once on this worker (its `parallelBatches`), set when the
   * cycle keeps lookahead batches in flight beyond them (batch-slots.ts); absent, a batch never waits for a slot.
   */
  slots?: number;
};
export type SynthesizeBatchResult = { ref: ArtifactRef; count: number; failed: number; tokens: number };
/** batch.meta.json: the result's counts plus the batch's fault counts (not carried through history). */
export type SynthesizeBatchMeta = Omit<SynthesizeBatchResult, 'ref'> & { faults?: UsageSnapshot };

const RefSchema = z.object({ key: z.string(), name: z.string() });

/**
 * What a synthesis lane (src/workflows/synthesis-lane.ts) writes at the end of each segment of its batches:
 * where each batch's trajectories are and its counts, and the lane's previous manifest. A lane carries only
 * the newest one, so its history, its continue-as-new input, its result and the cycle's verify input hold one
 * ref per lane however many batches the cycle has.
 */
export const BatchManifestSchema = z.object({
  previous: RefSchema.nullable(),
  entries: z.array(
    z.object({
      batchIndex: z.number().int().nonnegative(),
      ref: RefSchema,
      count: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
      tokens: z.number().nonnegative(),
    }),
  ),
});
export type BatchEntry = z.infer<typeof BatchManifestSchema>['entries'][number];

/**
 * The batch refs of a cycle in batch order, from its lanes' newest manifests (each chain followed to its start):
 * every batch 0..batches-1 exactly once, else they are refused (a lost or doubled batch must never reach the dataset).
 */
export async function batchRefsFromManifests(
  deps: ActivityDeps,
  lanes: ArtifactRef[],
  batches: number,
): Promise<ArtifactRef[]> {
  const refs: (ArtifactRef | undefined)[] = new Array(batches);
  for (const head of lanes) {
    for (let m: ArtifactRef | null = head; m;) {
      const manifest = BatchManifestSchema.parse(await getJson(deps.store, m));
      for (const e of manifest.entries) {
        if (e.batchIndex >= batches)
          throw new BadInput(`batch manifest ${m.key}/${m.name} names batch ${e.batchIndex} of a cycle of ${batches}`);
        if (refs[e.batchIndex])
          throw new BadInput(`batch ${e.batchIndex} appears twice in the cycle's batch manifests`);
        refs[e.batchIndex] = e.ref;
      }
      m = manifest.previous;
    }
  }
  const missing = refs.findIndex((r) => !r);
  if (missing >= 0)
    throw new BadInput(
      `batch ${missing} of ${batches} is in none of the cycle's batch manifests (${lanes.length} lanes)`,
    );
  return refs as ArtifactRef[];
}

export function synthesizeActivities(deps: ActivityDeps) {
  const slots = new BatchSlots();
  return {
    /** Stores a lane segment's batch entries (and the lane's previous manifest) under their content key. */
    async recordBatchManifest(input: { previous: ArtifactRef | null; entries: BatchEntry[] }): Promise<ArtifactRef> {
      const manifest = BatchManifestSchema.parse(input);
      const ref: ArtifactRef = { key: contentKey('batch-manifest', manifest), name: 'manifest.json' };
      await putJson(deps.store, ref, manifest);
      return ref;
    },

    async synthesizeBatch(input: SynthesizeBatchInput): Promise<SynthesizeBatchResult> {
      const config = await runConfigOf(deps, input);
      // The key is everything that decides the output; the run id is not, so identical runs share work.
      const key = contentKey(
        'synthesize',
        input.planRef.key,
        input.catalogRef.key,
        input.policy,
        config.roles.user,
        config.roles.simulator,
        config.seed,
        config.synthesis.maxAssistantSteps,
        input.batchIndex,
        input.batchSize,
      );
      const ref: ArtifactRef = { key, name: 'batch.jsonl' };
      const metaRef: ArtifactRef = { key, name: 'batch.meta.json' };
      const done = async (): Promise<SynthesizeBatchResult> => {
        const { count, failed, tokens } = await getJson<SynthesizeBatchMeta>(deps.store, metaRef);
        return { ref, count, failed, tokens };
      };
      if (await deps.store.exists(metaRef)) return done();
      return meteredAttempt(deps, key, { cycle: input.cycle, stage: 'synthesize' }, async (metered) => {
        // Every batch of the cycle reads the same plan and catalog: parsed once per worker, and only this batch's tasks built.
        const plan = await getJsonShared<Plan>(deps.store, input.planRef);
        const catalog = await getJsonShared<Catalog>(deps.store, input.catalogRef);
        const tasks = expandPlanRange(
          plan,
          input.batchIndex * input.batchSize,
          (input.batchIndex + 1) * input.batchSize,
        );
        const roles = { user: roleClient('user', config.roles.user), assistant: policyClient(input.policy, config) };
        const simulator = roleClient('simulator', config.roles.simulator);

        const out: Trajectory[] = [];
        await heartbeating<void, { done: number; of: number }>(async ({ beat, signal }) => {
          const taskRef = (id: string): ArtifactRef => ({ key, name: `tasks/${id}.json` });
          // What an earlier attempt stored is read first; only the rest runs (and takes slots: batch-slots.ts).
          const stored = await Promise.all(
            tasks.map(async (task) =>
              (await deps.store.exists(taskRef(task.id)))
                ? getJson<Trajectory>(deps.store, taskRef(task.id))
                : undefined,
            ),
          );
          const todo = tasks.filter((_, i) => !stored[i]);
          const made = new Map<string, Trajectory>();
          // A trajectory's store runs beside the next trajectory, not on the batch's path; all are on disk before
          // the batch's own files (a retry finds every one that was, and redoes only the rest).
          const writes: Promise<unknown>[] = [];
          const claim = input.slots
            ? { slots, key: `${input.runId}/${input.cycle}`, capacity: input.slots, priority: input.batchIndex }
            : undefined;
          try {
            await runInSlots(
              claim,
              todo.length,
              async (i) => {
                const task = todo[i];
                const trajectory = await synthesizeTrajectory({
                  task,
                  tools: toolsOf(catalog, task.toolSetId),
                  toolSet: catalog.toolSets.find((s) => s.id === task.toolSetId),
                  roles,
                  maxSteps: config.synthesis.maxAssistantSteps,
                  // A fresh simulated server per trajectory: world state and traces never leak across tasks.
                  mcp: mcpSessionFactory(catalog, task.toolSetId, {
                    kind: 'simulated',
                    llm: simulator,
                    seed: task.seed,
                  }),
                });
                const write = putJson(deps.store, taskRef(task.id), trajectory);
                write.catch(() => undefined); // handled below: never an unhandled rejection meanwhile
                writes.push(write);
                made.set(task.id, trajectory);
                beat({ done: tasks.length - todo.length + made.size, of: tasks.length });
              },
              signal,
            );
          } finally {
            // Every store settles before the attempt ends, however it ends (a failure of a trajectory is what is thrown).
            await Promise.allSettled(writes);
          }
          for (const write of writes) await write; // a failed store fails the attempt
          // In task order, whichever finished first.
          tasks.forEach((task, i) => out.push(stored[i] ?? made.get(task.id)!));
        });
        await putJsonl(deps.store, ref, out);
        const meta = {
          count: out.length,
          failed: out.filter((t) => t.failure).length,
          tokens: out.reduce(
            (s, t) => s + Object.values(t.usage ?? {}).reduce((a, u) => a + u.promptTokens + u.completionTokens, 0),
            0,
          ),
        };
        await putJson(deps.store, metaRef, { ...meta, faults: await attemptsSoFar(deps, key, metered) });
        return done();
      });
    },
  };
}
