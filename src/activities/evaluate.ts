// The evaluate stage: the new policy on BFCL (the reported score) and on the cycle's held-out
// validation split (what the next plan steers by). Both resume where they stopped after a crash.
import { evaluationConcurrency, type RunConfig } from '../config.js';
import { runConfigOf, type ConfigArg } from './run-config.js';
import type { RlPrompt } from '../domain/rl-prompt.js';
import type { Verdict, BfclCategory } from '../eval/types.js';
import { runBfcl } from '../eval/run-bfcl.js';
import { mapLimit } from '../domain/map-limit.js';
import { gatedReward } from '../eval/reward.js';
import type { RolloutConsistency } from '../plan/index.js';
import { matchCalls } from '../eval/bfcl-match.js';
import { parseToolArguments } from '../llm/parse-output.js';
import { isOutage } from '../llm/outage.js';
import type { ChatClient } from '../domain/chat.js';
import type { ModelRef } from '../llm/types.js';
import type { Catalog, Tool } from '../domain/catalog.js';
import { contentKey, getJson, getJsonl, putJson, putJsonl, type ArtifactRef } from '../store/artifact-store.js';
import { heartbeating, type ActivityDeps } from './context.js';
import { attemptsSoFar, meteredAttempt } from './faults.js';
import { policyClient } from './roles.js';
import { bfclDataDir } from './verify.js';
import { ensureFullBfclData } from '../eval/bfcl-full-data.js';
import { ensureOfficialHarness, officialSelection, runOfficialHarness } from '../eval/official-harness.js';
import { startOpenAIServer } from '../serve/openai-server.js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export type EvaluateInput = ConfigArg & {
  runId: string;
  cycle: number;
  policy: ModelRef;
  rlPromptsRef: ArtifactRef;
  catalogRef: ArtifactRef;
  /** RL prompts whose held-out split is the run's fixed validation pool (cycle 0's); scored every cycle. */
  poolRef?: ArtifactRef;
  /** The baseline: the starting policy before any training, on the fixed items only (no own split, no rollouts). */
  baseline?: boolean;
};
export type EvaluationResult = {
  /** BFCL accuracy per category (0..1) and summary groups (`overall` = BFCL's single-turn overall). */
  bfcl: Record<string, number>;
  bfclSummary: Record<string, number>;
  /** Validation accuracy per synthetic category, and `n/<category>` item counts: the fixed pool plus this cycle's own split. */
  validation: Record<string, number>;
  /** The same on the fixed pool alone: what cycles and the baseline are compared on. */
  pool?: Record<string, number>;
  poolOverall?: number | null;
  /** Macro mean over categories; null when the cycle held out no prompt (too few to split). */
  validationOverall: number | null;
  /** `category/error_type` -> count. */
  validationErrors: Record<string, number>;
  validationVerdictsRef: ArtifactRef;
  /** Rollout consistency of train-split prompts (RolloutConsistency lines), for hard-sample targeting. */
  rolloutsRef?: ArtifactRef;
  bfclRef?: ArtifactRef;
  /** The official BFCL harness's accuracy per category (evaluate.official) and where its results and scores are. */
  official?: Record<string, number>;
  officialRef?: ArtifactRef;
  /** The stage's fault counts (a UsageSnapshot over every attempt: retries, throttles, outages waited out). */
  faultsRef?: ArtifactRef;
  tokens: number;
};

type Progress = { phase: 'validation' | 'rollouts' | 'bfcl' | 'official'; done: number; total: number };

/**
 * The official harness on `categories` (`limit` seeded entries each) against `client`, served over HTTP for the
 * run of the harness only. A retry reuses the harness's results already written in `workDir` (it skips ids it has).
 */
export async function officialScores(
  client: ChatClient,
  o: { categories: string[]; limit: number },
  seed: number,
  workDir: string,
): Promise<Record<string, number>> {
  const python = await ensureOfficialHarness();
  const dataDir = await ensureFullBfclData();
  const ids = officialSelection(dataDir, o.categories, o.limit, seed);
  // The harness records a failed request as the entry's answer; an outage is not an answer, so a run that met
  // one is thrown away (its results too, or the retry would resume from them) and the activity retries.
  let outage: unknown;
  const server = await startOpenAIServer({
    models: [{ id: 'inftool-policy', client }],
    onModelError: (e) => {
      if (isOutage(e)) outage ??= e;
    },
  });
  try {
    const run = await runOfficialHarness({
      python,
      baseURL: server.baseURL,
      model: 'inftool-policy',
      ids,
      workDir,
      resume: true,
    });
    if (outage) throw outage;
    return Object.fromEntries(Object.entries(run.scores).map(([c, s]) => [c, s.accuracy]));
  } catch (err) {
    if (outage) rmSync(join(workDir, 'result'), { recursive: true, force: true });
    throw outage ?? err;
  } finally {
    await server.close();
  }
}

export function evaluateActivities(deps: ActivityDeps) {
  return {
    async evaluatePolicy(input: EvaluateInput): Promise<EvaluationResult> {
      const config = await runConfigOf(deps, input);
      const { policy } = input;
      const client = policyClient(policy, config);
      const catalog = await getJson<Catalog>(deps.store, input.catalogRef);
      const cyclePrompts = await getJsonl<RlPrompt>(deps.store, input.rlPromptsRef);
      const heldOut = (ps: RlPrompt[]) => ps.filter((p) => p.split === 'validation');
      const poolSource = input.poolRef ? await getJsonl<RlPrompt>(deps.store, input.poolRef) : cyclePrompts;
      const pool = heldOut(poolSource).slice(0, config.evaluate.poolSize);
      const poolIds = new Set(pool.map((p) => p.id));
      const own = input.baseline ? [] : heldOut(cyclePrompts).filter((p) => !poolIds.has(p.id));
      const prompts = [...pool, ...own];
      // The baseline scores another set (the pool alone) and keeps its own fault counts, even for the same policy.
      const valKey = contentKey(
        'validation',
        input.rlPromptsRef,
        input.poolRef ?? null,
        policy,
        input.baseline ?? false,
      );
      const rollKey = contentKey(
        'rollouts',
        input.rlPromptsRef,
        policy,
        config.evaluate.rolloutPrompts,
        config.evaluate.rolloutGroup,
        config.evaluate.rolloutTemperature,
      );
      const selectionSeed = config.evaluate.limit ? (config.evaluate.selectionSeed ?? config.seed) : undefined;
      const bfclKey = contentKey(
        'bfcl',
        policy,
        bfclDataDir(config),
        config.evaluate.categories,
        config.evaluate.limit ?? null,
        selectionSeed ?? null,
      );

      // An outage anywhere below fails the attempt (nothing is scored); each attempt's fault counts are kept.
      return meteredAttempt(deps, valKey, { cycle: input.cycle, stage: 'evaluate' }, (metered) =>
        heartbeating<EvaluationResult, Progress>(async ({ beat }) => {
          // Validation: one verdict per held-out prompt, each stored as it is made, so a retry skips the done ones.
          const at = evaluationConcurrency(config);
          let validated = 0;
          const verdicts: Verdict[] = await mapLimit(prompts, at, async (prompt) => {
            const ref: ArtifactRef = { key: valKey, name: `items/${prompt.id}.json` };
            if (!(await deps.store.exists(ref)))
              await putJson(deps.store, ref, await validationVerdict(client, prompt, catalog));
            const verdict = await getJson<Verdict>(deps.store, ref);
            beat({ phase: 'validation', done: ++validated, total: prompts.length });
            return verdict;
          });
          const validationVerdictsRef = await putJsonl(deps.store, { key: valKey, name: 'verdicts.jsonl' }, verdicts);

          // Rollout consistency: how many of a group of sampled answers pass, per train-split prompt.
          const e = config.evaluate;
          const rolloutPrompts =
            e.rolloutPrompts && !input.baseline
              ? cyclePrompts.filter((p) => p.split === 'train').slice(0, e.rolloutPrompts)
              : [];
          let rolled = 0;
          const groups: RolloutConsistency[] = await mapLimit(rolloutPrompts, at, async (prompt) => {
            const ref: ArtifactRef = { key: rollKey, name: `rollouts/${prompt.id}.json` };
            if (!(await deps.store.exists(ref)))
              await putJson(
                deps.store,
                ref,
                await rolloutConsistency(client, prompt, e.rolloutGroup, e.rolloutTemperature),
              );
            const group = await getJson<RolloutConsistency>(deps.store, ref);
            beat({ phase: 'rollouts', done: ++rolled, total: rolloutPrompts.length });
            return group;
          });
          const rolloutsRef = groups.length
            ? await putJsonl(deps.store, { key: rollKey, name: 'rollouts.jsonl' }, groups)
            : undefined;

          // BFCL: runBfcl appends to results.jsonl in its folder and skips ids already answered.
          const bfclRef: ArtifactRef = { key: bfclKey, name: 'bfcl' };
          const report = await runBfcl({
            dataDir: bfclDataDir(config),
            outDir: deps.store.locate(bfclRef),
            categories: config.evaluate.categories as BfclCategory[],
            limit: config.evaluate.limit,
            seed: selectionSeed,
            concurrency: at,
            client,
            onProgress: (p) => beat({ phase: 'bfcl', done: p.done, total: p.total }),
          });
          const bfcl: Record<string, number> = {};
          for (const [cat, score] of Object.entries(report.summary.categories))
            if (score?.evaluated) bfcl[cat] = score.accuracy;
          const g = report.summary.groups;
          const bfclSummary = {
            overall: g.overall_single_turn.accuracy,
            overall_bfcl: g.overall_bfcl.accuracy,
            non_live_ast: g.non_live_ast.accuracy,
            live_ast: g.live_ast.accuracy,
            irrelevance: g.irrelevance.accuracy,
            relevance: g.relevance.accuracy,
            ...optional('non_live_ast_mean', evaluatedMean(bfcl, NON_LIVE_AST)),
          };
          // The official harness, where configured: the policy served to it in-process, as the pipeline asks it.
          let official: Record<string, number> | undefined;
          let officialRef: ArtifactRef | undefined;
          if (config.evaluate.official) {
            const o = config.evaluate.official;
            const seed = selectionSeed ?? config.seed;
            officialRef = { key: contentKey('bfcl-official', policy, o.categories, o.limit, seed), name: 'official' };
            beat({ phase: 'official', done: 0, total: o.categories.length });
            official = await officialScores(client, o, seed, deps.store.locate(officialRef));
            beat({ phase: 'official', done: o.categories.length, total: o.categories.length });
          }
          const onPool = summarize(verdicts.filter((v) => poolIds.has(v.id)));
          const usage = await attemptsSoFar(deps, valKey, metered);
          const faultsRef = await putJson(deps.store, { key: valKey, name: `faults-${metered.tag}.json` }, usage);
          // Every token the stage spent, retried attempts included (the report's tokens-per-stage chart).
          const tokens = Object.values(usage.roles).reduce((sum, r) => sum + r.promptTokens + r.completionTokens, 0);
          return {
            ...summarize(verdicts),
            pool: onPool.validation,
            poolOverall: onPool.validationOverall,
            validationVerdictsRef,
            rolloutsRef,
            bfcl,
            bfclSummary,
            bfclRef,
            faultsRef,
            tokens,
            ...(official ? { official, officialRef } : {}),
          };
        }),
      );
    },
  };
}

/** BFCL's non-live AST categories; their mean over those evaluated is the loop's headline number. */
const NON_LIVE_AST = ['simple_python', 'simple_java', 'simple_javascript', 'multiple', 'parallel', 'parallel_multiple'];

/** Unweighted mean of the categories evaluated (BFCL's own group counts a missing category as 0). */
export function evaluatedMean(scores: Record<string, number>, categories: readonly string[]): number | null {
  const xs = categories.filter((c) => typeof scores[c] === 'number').map((c) => scores[c]);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

function optional(key: string, value: number | null): Record<string, number> {
  return value === null ? {} : { [key]: value };
}

/** The policy's answer to one held-out prompt, judged by the BFCL checker's rules (one implementation). */
export async function validationVerdict(client: ChatClient, prompt: RlPrompt, catalog: Catalog): Promise<Verdict> {
  const base = { id: prompt.id, category: prompt.category };
  let reply;
  try {
    reply = await client.chat({ messages: prompt.messages, tools: prompt.tools, temperature: 0 });
  } catch (err) {
    // An outage is retried by the activity; a request the endpoint refused (4xx) is a failure of the item.
    if (isOutage(err) || (err as { retryable?: boolean }).retryable !== false) throw err;
    return { ...base, valid: false, error_type: 'model_error', error: [(err as Error).message] };
  }
  const calls = reply.message.tool_calls ?? [];
  if (prompt.reference.length === 0) {
    return calls.length
      ? {
          ...base,
          valid: false,
          error_type: 'irrelevance_error:decoder_success',
          error: ['called a tool on an irrelevance prompt'],
        }
      : { ...base, valid: true, error: [] };
  }
  if (!calls.length)
    return {
      ...base,
      valid: false,
      error_type: 'ast_decoder:decoder_failed',
      error: ['no tool call where one was needed'],
    };
  const decoded: Record<string, Record<string, unknown>>[] = [];
  for (const c of calls) {
    const args = parseToolArguments(c);
    if (!args.ok)
      return {
        ...base,
        valid: false,
        error_type: 'ast_decoder:decoder_wrong_output_format',
        error: [`${c.function.name}: ${args.error}`],
      };
    decoded.push({ [c.function.name]: args.value });
  }
  // The same match as verification's goal-match gate: one implementation of BFCL's rules.
  const byName = new Map(catalog.tools.map((t) => [t.name, t]));
  const offered = prompt.tools.map((t) => byName.get(t.function.name)).filter((t): t is Tool => Boolean(t));
  const r = matchCalls(decoded, prompt.reference, offered);
  return { ...base, valid: r.valid, ...(r.error_type ? { error_type: r.error_type } : {}), error: r.errors };
}

/** Samples `group` answers at `temperature`; an answer passes when the gated reward is full (every gate, exact match). */
export async function rolloutConsistency(
  client: ChatClient,
  prompt: RlPrompt,
  group: number,
  temperature: number,
): Promise<RolloutConsistency> {
  let passes = 0;
  for (let g = 0; g < group; g++) {
    const reply = await client.chat({ messages: prompt.messages, tools: prompt.tools, temperature, seed: g });
    const r = gatedReward({
      tools: prompt.tools,
      reference: prompt.reference,
      category: prompt.category,
      completion: reply.message,
    });
    if (r.reward >= 0.999999) passes++;
  }
  return { promptId: prompt.id, category: prompt.category, toolSetId: prompt.toolSetId, group, passes };
}

function summarize(
  verdicts: Verdict[],
): Pick<EvaluationResult, 'validation' | 'validationOverall' | 'validationErrors'> {
  const validation: Record<string, number> = {};
  const validationErrors: Record<string, number> = {};
  const byCat = new Map<string, Verdict[]>();
  for (const v of verdicts) byCat.set(v.category, [...(byCat.get(v.category) ?? []), v]);
  for (const [cat, vs] of byCat) {
    validation[cat] = vs.filter((v) => v.valid).length / vs.length;
    validation[`n/${cat}`] = vs.length;
    for (const v of vs)
      if (!v.valid)
        validationErrors[`${cat}/${v.error_type ?? 'unknown'}`] =
          (validationErrors[`${cat}/${v.error_type ?? 'unknown'}`] ?? 0) + 1;
  }
  const cats = [...byCat.keys()];
  const validationOverall = cats.length ? cats.reduce((s, c) => s + validation[c], 0) / cats.length : null;
  return { validation, validationOverall, validationErrors };
}
