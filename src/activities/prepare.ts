// Prepare a run: import the specs into a catalog and draw the first cycle's plan. Both are stored
// under keys derived from their content, so a retried prepare finds them.
import type { RunConfig } from '../config.js';
import type { Catalog } from '../domain/catalog.js';
import { importSources } from '../specs/import.js';
import { loadExampleCatalog } from '../specs/examples.js';
import { initialPlan } from '../plan/index.js';
import { planSize } from '../plan/expand.js';
import type { Plan } from '../domain/plan.js';
import type { CategorySchema } from '../domain/category.js';
import { contentKey, getJson, putJson, type ArtifactRef } from '../store/artifact-store.js';
import { BadInput, type ActivityDeps } from './context.js';
import { storeRunConfig } from './run-config.js';
import { initialPolicy } from './roles.js';
import type { ModelRef } from '../llm/types.js';
import type { z } from 'zod';

type Category = z.infer<typeof CategorySchema>;

export type PrepareResult = {
  catalogRef: ArtifactRef;
  planRef: ArtifactRef;
  policy: ModelRef;
  tools: number;
  toolSets: number;
  problems: number;
  /** The run's config, stored: later activities take this reference, not the config (absent before the switch). */
  configRef?: ArtifactRef;
};

export function prepareActivities(deps: ActivityDeps) {
  return {
    async prepareRun({ config }: { runId: string; config: RunConfig }): Promise<PrepareResult> {
      const sources = config.specs.sources.length ? config.specs.sources : ['(bundled examples)'];
      const imported = config.specs.sources.length
        ? await importSources(config.specs.sources)
        : {
            catalog: await loadExampleCatalog(),
            problems: [] as Awaited<ReturnType<typeof importSources>>['problems'],
          };
      let catalog = imported.catalog;
      if (config.specs.toolSets.length) {
        const wanted = new Set(config.specs.toolSets);
        const missing = config.specs.toolSets.filter((id) => !catalog.toolSets.some((s) => s.id === id));
        if (missing.length)
          throw new BadInput(
            `specs.toolSets names tool sets the catalog lacks: ${missing.join(', ')} (have: ${catalog.toolSets.map((s) => s.id).join(', ')})`,
          );
        catalog = { ...catalog, toolSets: catalog.toolSets.filter((s) => wanted.has(s.id)) };
      }
      if (!catalog.toolSets.length) {
        const why = imported.problems
          .map((p) => `  ${p.file}${p.pointer ? `#${p.pointer}` : ''}: ${p.reason}`)
          .join('\n');
        throw new BadInput(`no tool set could be imported from ${sources.join(', ')}${why ? `:\n${why}` : ''}`);
      }
      const catalogRef: ArtifactRef = { key: contentKey('catalog', catalog), name: 'catalog.json' };
      await putJson(deps.store, catalogRef, catalog);
      if (imported.problems.length)
        await putJson(deps.store, { key: catalogRef.key, name: 'import-problems.json' }, imported.problems);

      const plan = initialPlan({
        cycle: 0,
        categories: config.synthesis.categories,
        toolSetIds: catalog.toolSets.map((s) => s.id),
        toolSetsByCategory: toolSetsByCategory(catalog, config.synthesis.categories),
        total: config.synthesis.perCycle,
        seed: config.seed,
        config: config.planner,
      });
      const planRef = await storePlan(deps, catalogRef, plan);
      return {
        catalogRef,
        planRef,
        policy: await initialPolicy(config),
        tools: catalog.tools.length,
        toolSets: catalog.toolSets.length,
        problems: imported.problems.length,
        configRef: await storeRunConfig(deps, config),
      };
    },

    /** How many synthesis tasks a plan expands to (the workflow fans out over batches of them). */
    async planTaskCount({ planRef }: { planRef: ArtifactRef }): Promise<{ tasks: number }> {
      const plan = await getJson<Plan>(deps.store, planRef);
      return { tasks: planSize(plan) };
    },
  };
}

export async function storePlan(deps: ActivityDeps, catalogRef: ArtifactRef, plan: Plan): Promise<ArtifactRef> {
  return putJson(deps.store, { key: contentKey('plan', catalogRef.key, plan), name: `plan-${plan.cycle}.json` }, plan);
}

/** Multi-tool categories need tool sets with several tools; the rest may use any. */
export function toolSetsByCategory(
  catalog: Catalog,
  categories: readonly Category[],
): Partial<Record<Category, string[]>> {
  const multi = catalog.toolSets.filter((s) => s.toolNames.length >= 2).map((s) => s.id);
  const out: Partial<Record<Category, string[]>> = {};
  for (const c of categories)
    if (c === 'multiple' || c === 'parallel_multiple' || c === 'multi_turn_miss_func') out[c] = multi;
  return out;
}
