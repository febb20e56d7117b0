// The verify stage: every batch's raw trajectories through the gates in task order (novelty depends on
// order), writing the cycle's dataset, RL prompts, statistics and card once under a content key. The
// statistics carry the cycle's fault counts so far: synthesis (from every batch's meta) and the judge.
import { join } from 'node:path';
import type { RunConfig } from '../config.js';
import type { Trajectory } from '../domain/trajectory.js';
import type { Catalog } from '../domain/catalog.js';
import { emptyVerifyStats, verifyBatch } from '../verify/verify-batch.js';
import { NoveltyIndex } from '../verify/novelty-index.js';
import { ContaminationIndex } from '../verify/contamination-index.js';
import { DatasetCardTally, rlPromptsJsonl, trajectoriesJsonl } from '../verify/dataset-card.js';
import type { CycleRecord } from '../domain/cycle-record.js';
import {
  contentKey,
  getJson,
  getJsonl,
  jsonlRows,
  putJson,
  writeArtifacts,
  type ArtifactRef,
} from '../store/artifact-store.js';
import { REPO_ROOT } from '../repo-root.js';
import { runConfigOf, type ConfigArg } from './run-config.js';
import { BadInput, heartbeating, type ActivityDeps } from './context.js';
import { FULL_BFCL_DATA, fullBfclDataDir, hasFullBfclData } from '../eval/bfcl-full-data.js';
import { attemptsSoFar, meteredAttempt } from './faults.js';
import { mergeUsageSnapshots, type UsageSnapshot } from '../llm/usage-meter.js';
import { batchRefsFromManifests, type SynthesizeBatchMeta } from './synthesize.js';
import { roleClient } from './roles.js';

/** A cycle's verification statistics (its stats.json): the batches' VerifyStats summed, with the fault counts. */
export type VerifyCycleStats = {
  synthesis: CycleRecord['synthesis'];
  judgeCalls: number;
  judgeTokens: number;
  /** Fault counts per stage (synthesize, verify), every attempt's; absent in stats written before they were counted. */
  faults?: Record<string, UsageSnapshot>;
};
export type VerifyCycleInput = ConfigArg & {
  runId: string;
  cycle: number;
  catalogRef: ArtifactRef;
  /** The cycle's batches in order (a cycle that ran them itself), or [] with `batchManifests`. */
  batchRefs: ArtifactRef[];
  /** A cycle that ran lane workflows: each lane's newest batch manifest (src/activities/synthesize.ts), `batches` in all. */
  batchManifests?: ArtifactRef[];
  batches?: number;
  /** The previous cycle's novelty index, so a run never accepts the same item twice. */
  noveltyRef?: ArtifactRef;
};
export type VerifyCycleResult = {
  trajectoriesRef: ArtifactRef;
  rlPromptsRef: ArtifactRef;
  statsRef: ArtifactRef;
  noveltyRef: ArtifactRef;
  trajectories: number;
  accepted: number;
  rlPrompts: number;
  tokens: number;
};

/** The BFCL data a run is decontaminated against and evaluated on: the user's, else the shipped sample. */
export function bfclDataDir(config: RunConfig): string {
  const dir = config.evaluate.bfclData;
  if (dir === FULL_BFCL_DATA) {
    if (!hasFullBfclData())
      throw new BadInput(
        `evaluate.bfclData is '${FULL_BFCL_DATA}' but ${fullBfclDataDir()} is missing: run \`npm run setup\``,
      );
    return fullBfclDataDir();
  }
  return dir ?? join(REPO_ROOT, 'data', 'bfcl-sample');
}

export function verifyActivities(deps: ActivityDeps) {
  return {
    async verifyCycle(input: VerifyCycleInput): Promise<VerifyCycleResult> {
      const config = await runConfigOf(deps, input);
      const batchRefs = input.batchManifests
        ? await batchRefsFromManifests(deps, input.batchManifests, input.batches ?? 0)
        : input.batchRefs;
      // The same batches give the same key, however the cycle fanned out over them.
      const key = contentKey(
        'verify',
        input.catalogRef,
        batchRefs,
        input.noveltyRef ?? null,
        config.roles.judge ?? null,
        bfclDataDir(config),
      );
      const refs = {
        trajectoriesRef: { key, name: 'trajectories.jsonl' },
        rlPromptsRef: { key, name: 'rl_prompts.jsonl' },
        statsRef: { key, name: 'stats.json' },
        noveltyRef: { key, name: 'novelty.jsonl' },
      };
      const summaryRef: ArtifactRef = { key, name: 'summary.json' };
      if (await deps.store.exists(summaryRef)) {
        // A cycle verified before the index became JSON lines left novelty.json.
        const noveltyRef = (await deps.store.exists(refs.noveltyRef)) ? refs.noveltyRef : { key, name: 'novelty.json' };
        const summary = await getJson<Omit<VerifyCycleResult, keyof typeof refs>>(deps.store, summaryRef);
        return { ...refs, noveltyRef, ...summary };
      }

      return meteredAttempt(deps, key, { cycle: input.cycle, stage: 'verify' }, (metered) =>
        heartbeating<VerifyCycleResult, { phase: string }>(async ({ beat }) => {
          const catalog = await getJson<Catalog>(deps.store, input.catalogRef);
          const seen = await loadNoveltyIndex(deps, input.noveltyRef);
          const contamination = await ContaminationIndex.fromBfclDir(bfclDataDir(config));
          const judge = config.roles.judge ? roleClient('judge', config.roles.judge) : undefined;
          // Batch by batch, in order, streaming the outputs: memory holds one batch and the running counts,
          // never the cycle (whose dataset may be larger than one string can be). In order, the novelty index
          // decides exactly as one pass over the whole cycle would.
          const stats = emptyVerifyStats();
          const card = new DatasetCardTally();
          await writeArtifacts(
            deps.store,
            [refs.trajectoriesRef, refs.rlPromptsRef],
            async ([trajectoriesOut, rlPromptsOut]) => {
              for (const [i, ref] of batchRefs.entries()) {
                if (i % 50 === 0) beat({ phase: `gating batch ${i + 1} of ${batchRefs.length}` });
                const batch = await getJsonl<Trajectory>(deps.store, ref);
                const { verified, rlPrompts } = await verifyBatch({
                  trajectories: batch,
                  tools: catalog.tools,
                  seen,
                  contamination,
                  judge,
                  stats,
                });
                card.add(verified, rlPrompts);
                await trajectoriesOut.write(trajectoriesJsonl(verified));
                await rlPromptsOut.write(rlPromptsJsonl(rlPrompts));
              }
            },
          );

          const cycleStats: VerifyCycleStats = {
            synthesis: {
              trajectories: stats.trajectories,
              accepted: stats.accepted,
              rejectedByGate: stats.rejectedByGate,
              rejectedByCategoryGate: stats.rejectedByCategoryGate,
              acceptedByCategory: stats.acceptedByCategory,
              rlPrompts: stats.rlPrompts,
              byToolSet: card.byToolSet,
              requestSources: stats.requestSources,
              valueSources: stats.valueSources,
            },
            judgeCalls: stats.judgeCalls,
            judgeTokens: stats.judgeTokens,
            faults: { synthesize: await batchFaults(deps, batchRefs), verify: await attemptsSoFar(deps, key, metered) },
          };
          const { json: cardJson, markdown } = card.card(stats);
          await putJson(deps.store, refs.statsRef, cycleStats);
          await writeArtifacts(deps.store, [refs.noveltyRef], ([noveltyOut]) =>
            seen.writeJsonl((text) => noveltyOut.write(text)),
          );
          await putJson(deps.store, { key, name: 'dataset_card.json' }, cardJson);
          await deps.store.put({ key, name: 'dataset_card.md' }, markdown);
          const summary = {
            trajectories: stats.trajectories,
            accepted: stats.accepted,
            rlPrompts: stats.rlPrompts,
            tokens: stats.judgeTokens,
          };
          await putJson(deps.store, summaryRef, summary); // last: its presence means every output above exists
          return { ...refs, ...summary };
        }),
      );
    },
  };
}

/** The run's novelty index so far: JSON lines since it could outgrow one string, one JSON value before that. */
async function loadNoveltyIndex(deps: ActivityDeps, ref: ArtifactRef | undefined): Promise<NoveltyIndex> {
  if (!ref) return new NoveltyIndex();
  if (ref.name.endsWith('.jsonl')) return NoveltyIndex.fromJsonlRows(jsonlRows(deps.store, ref));
  return NoveltyIndex.fromJSON(await getJson(deps.store, ref));
}

/** The synthesis fault counts of the cycle: the sum over its batches' metas. */
async function batchFaults(deps: ActivityDeps, batchRefs: ArtifactRef[]): Promise<UsageSnapshot> {
  const snaps: UsageSnapshot[] = [];
  for (const ref of batchRefs) {
    const meta = await getJson<SynthesizeBatchMeta>(deps.store, { key: ref.key, name: 'batch.meta.json' }).catch(
      () => undefined,
    );
    if (meta?.faults) snaps.push(meta.faults);
  }
  return mergeUsageSnapshots(snaps);
}
