// Target gaps: the cycle's validation failures and synthesis statistics decide the next plan, and the
// cycle's record (what the report and the next planner read) is written under the cycle's content key.
import type { RunConfig } from '../config.js';
import { runConfigOf, type ConfigArg } from './run-config.js';
import { planNextCycle, shouldStop, summarizeValidation, type RolloutConsistency } from '../plan/index.js';
import type { Plan } from '../domain/plan.js';
import type { Catalog } from '../domain/catalog.js';
import type { Verdict } from '../eval/types.js';
import { CycleRecordSchema, type CycleRecord, type Scores } from '../domain/cycle-record.js';
import { cycleFaults } from './faults.js';
import type { UsageSnapshot } from '../llm/usage-meter.js';
import { contentKey, getJson, getJsonl, putJson, type ArtifactRef } from '../store/artifact-store.js';
import type { ActivityDeps } from './context.js';
import type { ModelRef } from '../llm/types.js';
import type { VerifyCycleStats } from './verify.js';
import type { EvaluationResult } from './evaluate.js';
import type { TrainStageResult } from './train.js';
import { storePlan, toolSetsByCategory } from './prepare.js';

export type StageTimes = Partial<Record<string, { ms: number; tokens: number }>>;

export type TargetGapsInput = ConfigArg & {
  runId: string;
  cycle: number;
  planRef: ArtifactRef;
  catalogRef: ArtifactRef;
  statsRef: ArtifactRef;
  rlPromptsRef: ArtifactRef;
  trajectoriesRef: ArtifactRef;
  evaluation: EvaluationResult;
  training: TrainStageResult;
  /** The deployed policy this cycle evaluated (what the next cycle's assistant is). */
  policy: ModelRef;
  stageTimes: StageTimes;
  previousRecords: ArtifactRef[];
  workflowId: string;
  /** Cycle 0: the starting policy's scores on the fixed items, and the endpoint faults met measuring them. */
  baseline?: Scores;
  baselineFaultsRef?: ArtifactRef;
  /** cycles.keepBest: whether this cycle's policy goes forward, and whose the next cycle starts from. */
  selection?: { kept: boolean; carried: number; gained?: number; lost?: number; pWorse?: number };
};
export type TargetGapsResult = {
  recordRef: ArtifactRef;
  nextPlanRef: ArtifactRef;
  stop: { stop: boolean; reason: string };
};

export function gapActivities(deps: ActivityDeps) {
  return {
    async targetGaps(input: TargetGapsInput): Promise<TargetGapsResult> {
      const config = await runConfigOf(deps, input);
      const { cycle } = input;
      const plan = await getJson<Plan>(deps.store, input.planRef);
      const catalog = await getJson<Catalog>(deps.store, input.catalogRef);
      const stats = await getJson<VerifyCycleStats>(deps.store, input.statsRef);
      const verdicts = await getJsonl<Verdict>(deps.store, input.evaluation.validationVerdictsRef);
      const rollouts = input.evaluation.rolloutsRef
        ? await getJsonl<RolloutConsistency>(deps.store, input.evaluation.rolloutsRef)
        : [];
      const previous = await Promise.all(input.previousRecords.map((r) => getJson<CycleRecord>(deps.store, r)));
      const baselineFaults = input.baselineFaultsRef
        ? await getJson<UsageSnapshot>(deps.store, input.baselineFaultsRef)
        : undefined;
      const evaluateFaults = input.evaluation.faultsRef
        ? await getJson<UsageSnapshot>(deps.store, input.evaluation.faultsRef)
        : undefined;

      const record: CycleRecord = CycleRecordSchema.parse({
        runId: input.runId,
        cycle,
        plan,
        synthesis: stats.synthesis,
        training: {
          backend: input.training.backend,
          steps: input.training.steps,
          curve: input.training.curve,
          callRate: input.training.callRate,
          policy: input.policy,
        },
        evaluation: {
          bfcl: input.evaluation.bfcl,
          bfclSummary: input.evaluation.bfclSummary,
          validation: input.evaluation.validation,
          validationErrors: input.evaluation.validationErrors,
          ...(input.evaluation.pool
            ? { pool: input.evaluation.pool, poolOverall: input.evaluation.poolOverall ?? null }
            : {}),
          ...(input.evaluation.official ? { official: input.evaluation.official } : {}),
        },
        ...(input.baseline ? { baseline: input.baseline } : {}),
        ...(input.selection ? { selection: input.selection } : {}),
        faults: cycleFaults({ ...stats.faults, baseline: baselineFaults, evaluate: evaluateFaults }),
        stages: Object.fromEntries(Object.entries(input.stageTimes).filter(([, v]) => v)),
        // The workflow's clock, not the wall clock, would be nicer; this is only shown in the report.
        finishedAt: new Date().toISOString(),
        artifacts: {
          plan: input.planRef,
          catalog: input.catalogRef,
          stats: input.statsRef,
          rlPrompts: input.rlPromptsRef,
          trajectories: input.trajectoriesRef,
          validationVerdicts: input.evaluation.validationVerdictsRef,
          ...(input.evaluation.bfclRef ? { bfcl: input.evaluation.bfclRef } : {}),
          ...(input.evaluation.officialRef ? { bfclOfficial: input.evaluation.officialRef } : {}),
          ...(input.evaluation.rolloutsRef ? { rollouts: input.evaluation.rolloutsRef } : {}),
        },
      });

      const next = planNextCycle({
        cycle: cycle + 1,
        previous: plan,
        validation: summarizeValidation(verdicts),
        synthesis: record.synthesis,
        rollouts,
        toolSetIds: catalog.toolSets.map((s) => s.id),
        toolSetsByCategory: toolSetsByCategory(catalog, config.synthesis.categories),
        config: config.planner,
      });
      const nextPlanRef = await storePlan(deps, input.catalogRef, next);
      // Keyed by what the cycle consumed and produced, minus the wall-clock time, so a retry finds it.
      const recordRef: ArtifactRef = {
        key: contentKey(
          'cycle-record',
          input.workflowId,
          input.planRef,
          input.statsRef,
          input.evaluation.validationVerdictsRef,
          input.policy,
        ),
        name: `cycle-record-${cycle}.json`,
      };
      if (!(await deps.store.exists(recordRef))) await putJson(deps.store, recordRef, record);
      const stop = shouldStop([...previous, record], {
        maxCycles: config.cycles.max,
        targetScore: config.cycles.targetScore,
        patience: config.cycles.patience,
      });
      return { recordRef, nextPlanRef, stop };
    },
  };
}
