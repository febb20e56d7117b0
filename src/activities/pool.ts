// The fixed validation pool, drawn from goals of its own (evaluate.poolGoals): a seeded plan apart from the
// cycles' own, each goal fixed and voiced by the user simulator and kept if the goal_sanity gate passes, with
// no rollout. Every cycle and the baseline are scored on it, so "is this cycle's policy better than the last
// one?" has enough items to answer (cycle 0's held-out split is 15% of a small cycle: 4 prompts in loop-gain).
import { runConfigOf, type ConfigArg } from './run-config.js';
import { endpointSlots } from '../llm/types.js';
import type { Category } from '../domain/category.js';
import { toolsOf, type Catalog } from '../domain/catalog.js';
import type { RlPrompt } from '../domain/rl-prompt.js';
import type { Trajectory } from '../domain/trajectory.js';
import { initialPlan } from '../plan/index.js';
import { expandPlan } from '../plan/expand.js';
import { stableHash } from '../plan/allocate.js';
import { synthesizeGoal } from '../agents/synthesize.js';
import { goalSanityGate } from '../verify/gates/goal-sanity.js';
import { rlPromptsFor } from '../verify/rl-prompts.js';
import { mapLimit } from '../domain/map-limit.js';
import { contentKey, getJson, jsonlRows, putJson, putJsonl, type ArtifactRef } from '../store/artifact-store.js';
import { comparePaired, type PairedComparison } from '../eval/paired.js';
import type { Verdict } from '../eval/types.js';
import { BadInput, heartbeating, type ActivityDeps } from './context.js';
import { attemptsSoFar, meteredAttempt } from './faults.js';
import { roleClient } from './roles.js';
import { toolSetsByCategory } from './prepare.js';

/** Categories whose goal is one turn: the only ones a goal drawn without a rollout can serve. */
export const POOL_CATEGORIES: readonly Category[] = [
  'simple',
  'multiple',
  'parallel',
  'parallel_multiple',
  'irrelevance',
];

export type DrawPoolInput = ConfigArg & { runId: string; catalogRef: ArtifactRef };
export type DrawPoolResult = {
  /** RL prompts, all of split `validation`: what evaluatePolicy takes as `poolRef`. */
  poolRef: ArtifactRef;
  /** Goals drawn, and kept (the rest failed goal_sanity or synthesis, or repeated a kept request). */
  drawn: number;
  kept: number;
  /** Why each dropped goal was dropped, `category/reason` -> count (also stored beside the pool). */
  dropped: Record<string, number>;
  tokens: number;
};

export type ComparePoolInput = {
  /** The fixed pool: only its items are compared (a cycle's verdicts also hold its own held-out split). */
  poolRef: ArtifactRef;
  incumbentRef: ArtifactRef;
  candidateRef: ArtifactRef;
};

export function poolActivities(deps: ActivityDeps) {
  return {
    /** cycles.keepBestAlpha: the candidate's pool verdicts against the incumbent's, item by item. */
    async comparePool(input: ComparePoolInput): Promise<PairedComparison> {
      const ids: string[] = [];
      for await (const p of jsonlRows<RlPrompt>(deps.store, input.poolRef)) ids.push(p.id);
      const wanted = new Set(ids);
      const passed = async (ref: ArtifactRef) => {
        const out = new Map<string, boolean>();
        for await (const v of jsonlRows<Verdict>(deps.store, ref)) if (wanted.has(v.id)) out.set(v.id, v.valid);
        return out;
      };
      return comparePaired(ids, await passed(input.incumbentRef), await passed(input.candidateRef));
    },

    async drawValidationPool(input: DrawPoolInput): Promise<DrawPoolResult> {
      const config = await runConfigOf(deps, input);
      const n = config.evaluate.poolGoals;
      const categories = config.synthesis.categories.filter((c) => POOL_CATEGORIES.includes(c));
      if (!n) throw new BadInput('drawValidationPool: evaluate.poolGoals is 0 (the pool is cycle 0’s held-out split)');
      if (!categories.length)
        throw new BadInput(
          `evaluate.poolGoals: none of synthesis.categories (${config.synthesis.categories.join(', ')}) is single-turn; ` +
            `a pool of its own needs one of ${POOL_CATEGORIES.join(', ')}`,
        );
      const catalog = await getJson<Catalog>(deps.store, input.catalogRef);
      const seed = stableHash(config.seed, 'validation-pool');
      const plan = initialPlan({
        cycle: 0,
        categories,
        toolSetIds: catalog.toolSets.map((s) => s.id),
        toolSetsByCategory: toolSetsByCategory(catalog, categories),
        total: n,
        seed,
        config: config.planner,
      });
      const tasks = expandPlan(plan).map((t) => ({ ...t, id: `pool-${t.id}` }));
      const key = contentKey('validation-pool', input.catalogRef.key, config.roles.user, seed, n, categories);
      const poolRef: ArtifactRef = { key, name: 'pool.jsonl' };
      const metaRef: ArtifactRef = { key, name: 'pool.meta.json' };
      if (await deps.store.exists(metaRef))
        return { poolRef, ...(await getJson<Omit<DrawPoolResult, 'poolRef'>>(deps.store, metaRef)) };

      return meteredAttempt(deps, key, { cycle: 0, stage: 'pool' }, (metered) =>
        heartbeating<DrawPoolResult, { done: number; of: number }>(async ({ beat }) => {
          const user = roleClient('user', config.roles.user);
          let done = 0;
          // One artifact per goal as it is made: a retried attempt redraws only what it had not finished.
          const goals: Trajectory[] = await mapLimit(tasks, endpointSlots(config.roles.user), async (task) => {
            const ref: ArtifactRef = { key, name: `goals/${task.id}.json` };
            if (!(await deps.store.exists(ref)))
              await putJson(
                deps.store,
                ref,
                await synthesizeGoal({ task, tools: toolsOf(catalog, task.toolSetId), user }),
              );
            const t = await getJson<Trajectory>(deps.store, ref);
            beat({ done: ++done, of: tasks.length });
            return t;
          });
          const tools = new Map(catalog.tools.map((t) => [t.name, t]));
          const prompts: RlPrompt[] = [];
          const dropped: Record<string, number> = {};
          const requests = new Set<string>();
          const drop = (t: Trajectory, why: string) => {
            const k = `${t.task.category}/${why}`;
            dropped[k] = (dropped[k] ?? 0) + 1;
          };
          for (const t of goals) {
            const verdict = goalSanityGate({ trajectory: t, tools });
            if (t.failure) drop(t, 'synthesis failed');
            else if (!verdict.pass) drop(t, 'goal_sanity');
            else if (requests.has(t.goal.request.trim().toLowerCase())) drop(t, 'repeated request');
            else {
              requests.add(t.goal.request.trim().toLowerCase());
              prompts.push(...rlPromptsFor({ ...t, accepted: false }, 'validation', tools));
            }
          }
          if (!prompts.length)
            throw new BadInput(
              `evaluate.poolGoals: none of ${tasks.length} goals drawn for the validation pool passed goal_sanity ` +
                `(${Object.entries(dropped)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(', ')}); check the user role's endpoint`,
            );
          await putJsonl(deps.store, poolRef, prompts);
          const usage = await attemptsSoFar(deps, key, metered);
          const tokens = Object.values(usage.roles).reduce((s, r) => s + r.promptTokens + r.completionTokens, 0);
          const meta = { drawn: tasks.length, kept: prompts.length, dropped, tokens };
          await putJson(deps.store, metaRef, meta);
          return { poolRef, ...meta };
        }),
      );
    },
  };
}
