// Throughput of synthesis + verification against a scripted endpoint with a fixed latency per chat call,
// reported as a fraction of the ideal (concurrency / (latency x sequential LLM calls per trajectory)).
// Usage: node --import tsx bench/synthesis.ts [--n 60] [--concurrency 8] [--latency-ms 50]
import { parseArgs } from 'node:util';
import { startScriptedServer } from '../src/llm/scripted-server.js';
import { createChatClient } from '../src/llm/client.js';
import { loadExampleCatalog } from '../src/specs/examples.js';
import { toolsOf } from '../src/domain/catalog.js';
import { CATEGORIES } from '../src/domain/category.js';
import { type Trajectory } from '../src/domain/trajectory.js';
import { synthesizeTrajectory } from '../src/agents/synthesize.js';
import { mcpSessionFactory } from '../src/agents/mcp-session.js';
import { verifyBatch } from '../src/verify/verify-batch.js';
import { NoveltyIndex } from '../src/verify/novelty-index.js';
import { scriptedRoles } from '../src/agents/scripted-roles.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '8' },
    'latency-ms': { type: 'string', default: '50' },
  },
});
const n = Number(values.n);
const concurrency = Number(values.concurrency);
const latencyMs = Number(values['latency-ms']);

const server = await startScriptedServer({ reply: scriptedRoles(), delayMs: latencyMs });
const catalog = await loadExampleCatalog();
const client = () =>
  createChatClient({
    kind: 'openai',
    baseURL: server.baseURL,
    model: 'scripted-model',
    maxRetries: 0,
    concurrency: 1000,
  });
const sets = ['weather', 'notes', 'city-library'];
const tasks = Array.from({ length: n }, (_, i) => ({
  id: `bench-${i}`,
  cycle: 0,
  toolSetId: sets[i % sets.length],
  category: CATEGORIES[i % CATEGORIES.length],
  difficulty: 'medium' as const,
  seed: i,
}));

const started = performance.now();
const trajectories: Trajectory[] = new Array(n);
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      const t = tasks[i];
      trajectories[i] = await synthesizeTrajectory({
        task: t,
        tools: toolsOf(catalog, t.toolSetId),
        roles: { user: client(), assistant: client() },
        mcp: mcpSessionFactory(catalog, t.toolSetId, { kind: 'simulated', seed: t.seed }),
      });
    }
  }),
);
const synthMs = performance.now() - started;
const v0 = performance.now();
const { stats } = await verifyBatch({ trajectories, tools: catalog.tools, seen: new NoveltyIndex() });
const verifyMs = performance.now() - v0;
const totalMs = performance.now() - started;
await server.close();

const llmCalls = trajectories.reduce((s, t) => s + (t.usage.user?.calls ?? 0) + (t.usage.assistant?.calls ?? 0), 0);
const callsPerTrajectory = llmCalls / n;
const ideal = concurrency / ((latencyMs / 1000) * callsPerTrajectory);
const actual = n / (totalMs / 1000);
console.log(
  JSON.stringify(
    {
      n,
      concurrency,
      latencyMs,
      llmCallsPerTrajectory: +callsPerTrajectory.toFixed(2),
      trajectoriesPerSecond: +actual.toFixed(2),
      idealPerSecond: +ideal.toFixed(2),
      fractionOfIdeal: +(actual / ideal).toFixed(3),
      synthesisMs: Math.round(synthMs),
      verifyMs: Math.round(verifyMs),
      verifyMsPerTrajectory: +(verifyMs / n).toFixed(2),
      accepted: stats.accepted,
      failures: trajectories.filter((t) => t.failure).length,
    },
    null,
    2,
  ),
);
