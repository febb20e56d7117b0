// Tokens/s of the embedded model inside the pipeline's own requests against its plain decoding, in one process,
// same model file, same threads: the reference is bench/llm-local's request (a story, no grammar, temperature 0);
// then synthesis (user, assistant and simulator roles as the config sets them, one trajectory at a time, against
// the simulated MCP server) and a BFCL evaluation of the policy (one entry at a time). Each request's time is split
// by the runtime into waiting for a sequence, evaluating the prompt (to the first token) and decoding the rest, so
// the decoding rate inside the pipeline compares like for like with the reference's. Last, the reference request again
// after log lines that make its prompt as long as the pipeline's: what the same model decodes at that context length.
// Usage: npm run bench:llm-pipeline -- [--config configs/demo.yaml] [--trajectories 6] [--eval 3] [--tokens 48]
//          [--repeats 3] [--threads N] [--json]
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadRunConfig } from '../src/config.js';
import { createChatClient } from '../src/llm/client.js';
import { disposeLocalModels } from '../src/llm/local-client.js';
import { ensureLocalModel } from '../src/llm/local-model.js';
import { mergeUsageSnapshots, UsageMeter, withMeter, type RoleUsage } from '../src/llm/usage-meter.js';
import type { EndpointConfig } from '../src/llm/types.js';
import type { ChatClient } from '../src/domain/chat.js';
import { loadExampleCatalog } from '../src/specs/examples.js';
import { toolsOf } from '../src/domain/catalog.js';
import { synthesizeTrajectory } from '../src/agents/synthesize.js';
import { mcpSessionFactory } from '../src/agents/mcp-session.js';
import { runBfcl } from '../src/eval/run-bfcl.js';
import { fullBfclDataDir, hasFullBfclData } from '../src/eval/bfcl-full-data.js';
import { isAstCategory } from '../src/eval/bfcl-data.js';
import type { Category } from '../src/domain/category.js';

const ArgsSchema = z.object({
  config: z.string().default('configs/demo.yaml'),
  trajectories: z.coerce.number().int().positive().default(6),
  /** BFCL entries per evaluated category (the config's categories). */
  eval: z.coerce.number().int().nonnegative().default(3),
  tokens: z.coerce.number().int().positive().default(48),
  repeats: z.coerce.number().int().positive().default(3),
  /** Threads for every client (the reference included); default: the runtime's (one fewer than the cores). */
  threads: z.coerce.number().int().positive().optional(),
  json: z.boolean().default(false),
});
const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    trajectories: { type: 'string' },
    eval: { type: 'string' },
    tokens: { type: 'string' },
    repeats: { type: 'string' },
    threads: { type: 'string' },
    json: { type: 'boolean' },
  },
});
const args = ArgsSchema.parse(values);
const config = await loadRunConfig(args.config);
const modelPath = await ensureLocalModel();

/** A role as the config sets it, on one context (one request at a time: this bench measures a request's speed). */
function local(cfg: EndpointConfig): EndpointConfig {
  if (cfg.kind !== 'local')
    throw new Error(`${args.config}: this bench measures the embedded runtime; a role is ${cfg.kind}`);
  return {
    ...cfg,
    modelPath: cfg.modelPath ?? modelPath,
    contexts: 1,
    ...(args.threads ? { threads: args.threads } : {}),
  };
}
const threadOpt = args.threads ? { threads: args.threads } : {};
/** Loads an embedded client's model and contexts before it is measured (a worker does it once per process). */
async function loaded(client: ChatClient): Promise<ChatClient> {
  await (client as Partial<{ load(): Promise<void> }>).load?.();
  return client;
}

type Row = {
  phase: string;
  role: string;
  requests: number;
  promptTokensPerRequest: number;
  completionTokens: number;
  decodeTokPerS: number;
  ratioToReference: number;
  /** Against plain decoding after a prompt as long as the pipeline's (step 4). */
  ratioAtLength?: number;
  promptTokPerS: number;
  endToEndTokPerS: number;
  setupShare: number;
  queueShare: number;
  promptShare: number;
  decodeShare: number;
};
const rows: Row[] = [];
const decodeRate = (u: RoleUsage) =>
  u.decodeMsTotal > 0 ? (u.timedCompletionTokens - u.timedRequests) / (u.decodeMsTotal / 1000) : 0;
let reference = 0;
function addRows(phase: string, roles: Record<string, RoleUsage>) {
  for (const [role, u] of Object.entries(roles)) {
    const evaluated = u.promptTokens - u.cachedPromptTokens;
    const rate = decodeRate(u);
    rows.push({
      phase,
      role,
      requests: u.requests,
      promptTokensPerRequest: Math.round(u.promptTokens / Math.max(1, u.requests)),
      completionTokens: u.completionTokens,
      decodeTokPerS: +rate.toFixed(1),
      ratioToReference: reference ? +(rate / reference).toFixed(2) : 1,
      promptTokPerS: u.promptMsTotal > 0 ? +(evaluated / (u.promptMsTotal / 1000)).toFixed(0) : 0,
      endToEndTokPerS: +(u.completionTokens / (u.latencyMsTotal / 1000)).toFixed(1),
      setupShare: +(u.setupMsTotal / u.latencyMsTotal).toFixed(2),
      queueShare: +(u.queueMsTotal / u.latencyMsTotal).toFixed(2),
      promptShare: +(u.promptMsTotal / u.latencyMsTotal).toFixed(2),
      decodeShare: +(u.decodeMsTotal / u.latencyMsTotal).toFixed(2),
    });
  }
}

console.log(
  `cores=${os.availableParallelism()} loadavg=${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(',')} config=${args.config}`,
);

// 1. The reference: bench/llm-local's request, median of the repeats' decoding rates.
const referenceClient = createChatClient(
  { kind: 'local', modelPath, maxTokens: args.tokens, ...threadOpt },
  { role: 'reference' },
);
/** Log lines put before the story request to lengthen its prompt (each costs the same few tokens). */
const LOG_LINE = 'Log: the keeper lit the lamp at dusk, wound the clockwork and noted the wind and the sea.';
const storyRequest = (lines: number) => ({
  messages: [
    {
      role: 'user' as const,
      content: [...Array.from({ length: lines }, () => LOG_LINE), 'Write a long story about a lighthouse keeper.'].join(
        '\n',
      ),
    },
  ],
  maxTokens: args.tokens,
  temperature: 0,
});
/** Plain decoding of the story request after `lines` log lines: the median rate of the repeats. */
async function plainDecoding(lines: number) {
  const request = storyRequest(lines);
  await referenceClient.chat({ ...request, maxTokens: 4 }); // the model, its context and this prompt, outside the runs
  const meters = Array.from({ length: args.repeats }, () => new UsageMeter());
  for (const m of meters) await withMeter(m, () => referenceClient.chat(request));
  const runs = meters.map((m) => decodeRate(m.snapshot().roles.reference)).sort((a, b) => a - b);
  return {
    median: runs[Math.floor(runs.length / 2)],
    runs,
    roles: mergeUsageSnapshots(meters.map((m) => m.snapshot())).roles,
  };
}
{
  const plain = await plainDecoding(0);
  reference = plain.median;
  addRows('reference', plain.roles);
  console.log(
    `reference (plain text): median ${reference.toFixed(1)} tok/s decoding (runs ${plain.runs.map((r) => r.toFixed(1)).join(', ')})`,
  );
}

// 2. Synthesis: tasks over the bundled tool sets and the config's categories, one at a time.
{
  const catalog = await loadExampleCatalog();
  const user = await loaded(createChatClient(local(config.roles.user), { role: 'user' }));
  const assistant = await loaded(createChatClient(local(config.roles.assistant), { role: 'assistant' }));
  const simulator = await loaded(createChatClient(local(config.roles.simulator), { role: 'simulator' }));
  const sets = catalog.toolSets.map((s) => s.id);
  const categories = config.synthesis.categories as Category[];
  const meter = new UsageMeter();
  const started = performance.now();
  await withMeter(meter, async () => {
    for (let i = 0; i < args.trajectories; i++) {
      const toolSetId = sets[i % sets.length];
      const task = {
        id: `bench-${i}`,
        cycle: 0,
        toolSetId,
        category: categories[i % categories.length],
        difficulty: 'medium' as const,
        seed: config.seed + i,
      };
      await synthesizeTrajectory({
        task,
        tools: toolsOf(catalog, toolSetId),
        toolSet: catalog.toolSets.find((s) => s.id === toolSetId),
        roles: { user, assistant },
        maxSteps: config.synthesis.maxAssistantSteps,
        mcp: mcpSessionFactory(catalog, toolSetId, { kind: 'simulated', llm: simulator, seed: task.seed }),
      });
    }
  });
  addRows('synthesis', meter.snapshot().roles);
  console.log(`synthesis: ${args.trajectories} trajectories in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// 3. Evaluation: the policy on BFCL entries of the config's categories (the data set-up fetched), one at a time.
if (args.eval > 0) {
  if (!hasFullBfclData()) throw new Error(`${fullBfclDataDir()} is missing: run \`npm run setup\``);
  const out = mkdtempSync(join(tmpdir(), 'bench-llm-pipeline-'));
  const policy = await loaded(createChatClient(local(config.roles.assistant), { role: 'policy' }));
  const meter = new UsageMeter();
  const started = performance.now();
  try {
    await withMeter(meter, () =>
      runBfcl({
        dataDir: fullBfclDataDir(),
        outDir: out,
        categories: config.evaluate.categories.filter(isAstCategory),
        limit: args.eval,
        seed: config.seed,
        concurrency: 1,
        client: policy,
      }),
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  addRows('evaluation', meter.snapshot().roles);
  console.log(
    `evaluation: ${meter.snapshot().total.requests} requests in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
// 4. The reference again with a prompt as long as the pipeline's (their mean, weighted by the tokens decoded): a
// decode step reads the whole context's KV cache, so the same model decodes slower after a longer prompt.
const pipelineRows = rows.filter((r) => r.phase !== 'reference');
const decoded = pipelineRows.reduce((n, r) => n + r.completionTokens, 0);
const promptLength = Math.round(
  pipelineRows.reduce((n, r) => n + r.promptTokensPerRequest * r.completionTokens, 0) / Math.max(1, decoded),
);
let atLength = 0;
{
  const tokensOf = async (lines: number) =>
    (await referenceClient.chat({ ...storyRequest(lines), maxTokens: 1 })).usage.promptTokens;
  const [none, ten] = [await tokensOf(0), await tokensOf(10)];
  const lines = Math.max(0, Math.round(((promptLength - none) * 10) / Math.max(1, ten - none)));
  const plain = await plainDecoding(lines);
  atLength = plain.median;
  addRows(`reference at ${promptLength} prompt tokens`, plain.roles);
  console.log(
    `reference after ${lines} log lines: median ${atLength.toFixed(1)} tok/s decoding (runs ${plain.runs.map((r) => r.toFixed(1)).join(', ')})`,
  );
}
for (const r of rows) r.ratioAtLength = +(r.decodeTokPerS / atLength).toFixed(2);
await disposeLocalModels();

if (args.json) console.log(JSON.stringify({ reference, atLength, promptLength, rows }, null, 2));
else {
  console.table(rows);
  const weighted = (ratio: (r: Row) => number) =>
    pipelineRows.reduce((s, r) => s + ratio(r) * r.completionTokens, 0) / Math.max(1, decoded);
  console.log(
    `decoding inside the pipeline, weighted by tokens: ${weighted((r) => r.ratioToReference).toFixed(2)}x the reference ` +
      `(goal 0.8), ${weighted((r) => r.ratioAtLength ?? 0).toFixed(2)}x plain decoding after a prompt as long (${promptLength} tokens)`,
  );
}
