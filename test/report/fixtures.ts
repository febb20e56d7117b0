// A synthetic 3-cycle run where `parallel` is the weak category: records built the way the workflow
// builds them (plans from the real planner), shared by the planner's and the report's tests.
import type { Category } from '../../src/domain/category.js';
import { initialPlan, planAfterCycle, type RolloutConsistency } from '../../src/plan/index.js';
import type { CycleRecord } from '../../src/domain/cycle-record.js';

export const CATS: Category[] = ['simple', 'multiple', 'parallel', 'parallel_multiple', 'irrelevance'];
export const TOOLSETS = ['petstore', 'weather', 'calendar'];

/** Validation accuracy per cycle: parallel lags and improves slowly; irrelevance is mastered early. */
const VAL: Record<Category, number[]> = {
  simple: [0.7, 0.82, 0.88],
  multiple: [0.62, 0.75, 0.83],
  parallel: [0.2, 0.32, 0.5],
  parallel_multiple: [0.45, 0.58, 0.66],
  irrelevance: [0.95, 0.96, 0.97],
} as Record<Category, number[]>;
const BFCL: Record<string, number[]> = {
  simple_python: [0.72, 0.8, 0.86],
  multiple: [0.66, 0.74, 0.8],
  parallel: [0.3, 0.38, 0.55],
  parallel_multiple: [0.4, 0.52, 0.6],
  irrelevance: [0.9, 0.92, 0.93],
};

export function syntheticRun(runId = 'run-demo'): CycleRecord[] {
  const records: CycleRecord[] = [];
  let plan = initialPlan({ cycle: 0, categories: CATS, toolSetIds: TOOLSETS, total: 300, seed: 7 });
  for (let cycle = 0; cycle < 3; cycle++) {
    const validation: Record<string, number> = {};
    const validationErrors: Record<string, number> = {};
    for (const c of CATS) {
      validation[c] = VAL[c][cycle];
      validation[`n/${c}`] = 40;
      const wrong = Math.round((1 - VAL[c][cycle]) * 40);
      if (c === 'parallel') {
        validationErrors['parallel/parallel_function_checker_no_order:wrong_count'] = Math.ceil(wrong * 0.6);
        validationErrors['parallel/value_error:list/tuple'] = Math.floor(wrong * 0.4);
      } else if (c === 'irrelevance') {
        validationErrors['irrelevance/irrelevance_error:decoder_success'] = wrong;
      } else {
        validationErrors[`${c}/simple_function_checker:missing_required`] = Math.ceil(wrong / 2);
        validationErrors[`${c}/type_error:simple`] = Math.floor(wrong / 2);
      }
    }
    const bfcl = Object.fromEntries(Object.entries(BFCL).map(([k, v]) => [k, v[cycle]]));
    const accByCat: Record<string, number> = {};
    const rejByCatGate: Record<string, number> = {};
    for (const c of CATS) {
      const planned = plan.items.filter((i) => i.category === c).reduce((a, i) => a + i.count, 0);
      const accepted = Math.round(planned * (c === 'parallel' ? 0.55 : 0.8));
      accByCat[c] = accepted;
      rejByCatGate[`${c}/schema`] = Math.round((planned - accepted) * 0.5);
      rejByCatGate[`${c}/goal_match`] = planned - accepted - Math.round((planned - accepted) * 0.5);
    }
    const rejectedByGate: Record<string, number> = {};
    for (const [k, n] of Object.entries(rejByCatGate)) {
      const gate = k.split('/')[1];
      rejectedByGate[gate] = (rejectedByGate[gate] ?? 0) + n;
    }
    const trajectories = plan.items.reduce((a, i) => a + i.count, 0);
    const accepted = Object.values(accByCat).reduce((a, b) => a + b, 0);
    const record: CycleRecord = {
      runId,
      cycle,
      plan,
      synthesis: {
        trajectories,
        accepted,
        rejectedByGate,
        rejectedByCategoryGate: rejByCatGate,
        acceptedByCategory: accByCat,
        rlPrompts: Math.round(accepted * 0.9),
        byToolSet: {
          petstore: { trajectories: 100, accepted: 85 },
          weather: { trajectories: 100, accepted: 80 },
          calendar: { trajectories: 100, accepted: 12 },
        },
      },
      training: {
        backend: 'trl-grpo',
        steps: 40,
        curve: Array.from({ length: 9 }, (_, i) => ({
          step: i * 5,
          reward: Number((0.3 + cycle * 0.12 + 0.25 * (1 - Math.exp(-i / 3))).toFixed(4)),
          loss: Number((0.9 - i * 0.05).toFixed(4)),
          // The first step is SFT (no rollouts); GRPO steps carry what their rollouts looked like.
          components:
            i === 0
              ? ({ sft: 1 } as Record<string, number>)
              : {
                  sft: 0,
                  reward_std: Number((0.2 + 0.01 * i).toFixed(4)),
                  groups_with_advantage: Number((0.5 + 0.05 * i).toFixed(4)),
                  gate_format: 1,
                  call_rate: Number((0.8 + 0.01 * cycle).toFixed(4)),
                },
        })),
        callRate: 0.93,
        policy: { kind: 'endpoint', model: `qwen-cycle-${cycle + 1}` },
      },
      evaluation: {
        bfcl,
        bfclSummary: {
          overall: Number((Object.values(bfcl).reduce((a, b) => a + b, 0) / Object.keys(bfcl).length).toFixed(4)),
        },
        validation,
        validationErrors,
        pool: Object.fromEntries(Object.entries(validation).map(([k, v]) => [k, Number((v * 0.95).toFixed(4))])),
        poolOverall: Number(
          ((Object.values(validation).reduce((a, b) => a + b, 0) / Object.keys(validation).length) * 0.95).toFixed(4),
        ),
      },
      // Cycle 0 carries the starting policy's scores on the same fixed items.
      ...(cycle === 0
        ? {
            baseline: {
              bfcl: Object.fromEntries(Object.entries(bfcl).map(([k, v]) => [k, Number((v * 0.7).toFixed(4))])),
              pool: { simple: 0.4, parallel: 0.1 },
              poolOverall: 0.25,
            },
          }
        : {}),
      faults: {
        byStage: {},
        byRole: {
          user: {
            requests: 40,
            retries: 3 + cycle,
            throttles: 1,
            outages: cycle === 1 ? 1 : 0,
            garbage: 1,
            malformed: 4,
            failures: cycle === 1 ? 1 : 0,
          },
        },
        total: {
          requests: 40,
          retries: 3 + cycle,
          throttles: 1,
          outages: cycle === 1 ? 1 : 0,
          garbage: 1,
          malformed: 4,
          failures: cycle === 1 ? 1 : 0,
        },
      },
      stages: {
        synthesize: { ms: 1_800_000 + cycle * 60_000, tokens: 2_400_000 },
        verify: { ms: 240_000, tokens: 300_000 },
        train: { ms: 5_400_000, tokens: 0 },
        evaluate: { ms: 900_000, tokens: 800_000 },
        plan: { ms: 40, tokens: 0 },
      },
      finishedAt: new Date(Date.UTC(2025, 0, 1 + cycle, 12)).toISOString(),
      artifacts: {},
    };
    records.push(record);
    // Rollout groups of this cycle's RL prompts: parallel ones are mostly failed (hard), irrelevance solved (easy).
    const rollouts: RolloutConsistency[] = CATS.flatMap((c, ci) =>
      TOOLSETS.map((ts, ti) => ({
        promptId: `c${cycle}-${c}-${ts}`,
        category: c,
        toolSetId: ts,
        group: 8,
        passes: c === 'parallel' ? (ti + cycle) % 3 : c === 'irrelevance' ? 8 : 3 + ((ci + ti) % 4),
      })),
    );
    plan = planAfterCycle(record, { rollouts });
  }
  return records;
}
