// Who writes the user's requests on a given user-simulator model: fixes and voices goals (every turn) on the
// bundled example tool sets, without the assistant, and prints the share of model-written, model-repaired and
// templated requests, where goal values came from, and example requests. Stops starting tasks after --budget-s.
// Usage: timeout 200 node --import tsx scripts/request-sources.ts [--n 12] [--budget-s 150] [--seed 1]
//          [--base-url http://host:8000/v1 --model NAME]
//   (default model: the embedded SmolLM2-135M, as in configs/demo.yaml's user role; --base-url: any
//   OpenAI-compatible endpoint, e.g. vLLM)
import { parseArgs } from 'node:util';
import { createChatClient } from '../src/llm/client.js';
import { loadExampleCatalog } from '../src/specs/examples.js';
import { toolsOf } from '../src/domain/catalog.js';
import type { Category } from '../src/domain/category.js';
import type { Goal } from '../src/domain/task.js';
import { UserSimulator } from '../src/agents/user-simulator.js';
import { requestProblems } from '../src/agents/request-voicing.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '12' },
    'budget-s': { type: 'string', default: '150' },
    seed: { type: 'string', default: '1' },
    'base-url': { type: 'string' },
    model: { type: 'string', default: 'default' },
  },
});
const n = Number(values.n);
const budgetMs = Number(values['budget-s']) * 1000;
const seed = Number(values.seed);

const catalog = await loadExampleCatalog();
const client = values['base-url']
  ? createChatClient(
      { kind: 'openai', baseURL: values['base-url'], model: values.model!, maxTokens: 256, temperature: 0.7 },
      { role: 'user_simulator' },
    )
  : createChatClient({ kind: 'local', maxTokens: 128, temperature: 0.7 }, { role: 'user_simulator' });
const plan: Array<[Category, string]> = [
  ['simple', 'weather'],
  ['parallel', 'notes'],
  ['multiple', 'city-library'],
  ['simple', 'swagger-petstore'],
  ['parallel_multiple', 'weather'],
  ['multi_turn_base', 'notes'],
  ['irrelevance', 'city-library'],
  ['multi_turn_miss_param', 'weather'],
  ['simple', 'link-example'],
  ['parallel', 'city-library'],
  ['multiple', 'notes'],
  ['simple', 'notes'],
];

/** Older goals have no recorded sources: read them from the repairs the old simulator wrote. */
function sourcesOf(goal: Goal, requests: string[]): string[] {
  if (goal.requestSources) return goal.requestSources;
  return requests.map((r, i) =>
    (goal.repairs ?? []).some((x) => x.startsWith(`turn ${i}: request left out`))
      ? /^Please help me with /.test(r)
        ? 'template'
        : 'model-repaired'
      : 'model',
  );
}

function summary(): string {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return JSON.stringify({
    tasks: done,
    requests: total,
    seconds: Math.round((Date.now() - started) / 1000),
    requestSources: Object.fromEntries(
      Object.entries(counts).map(([k, v]) => [k, `${v} (${((100 * v) / total).toFixed(0)}%)`]),
    ),
    valueSources: values_,
    firstRequestsWithFormProblems: `${problemRequests} of ${done}`,
  });
}

const started = Date.now();
const counts: Record<string, number> = {};
const values_: Record<string, number> = {};
let problemRequests = 0;
const examples: string[] = [];
let done = 0;
for (let i = 0; i < n && Date.now() - started < budgetMs; i++) {
  const [category, toolSetId] = plan[i % plan.length];
  const tools = toolsOf(catalog, toolSetId);
  const user = new UserSimulator(client, {
    id: `rs-${i}`,
    cycle: 0,
    toolSetId,
    category,
    difficulty: 'medium',
    seed: seed + i,
  });
  const { goal, skeleton } = await user.fixGoal(tools);
  const requests: string[] = [];
  for (let turn = 0; turn < goal.turns.length; turn++)
    requests.push(await user.voiceTurn(goal, turn, skeleton.offered));
  const sources = sourcesOf(goal, requests);
  for (const s of sources) counts[s] = (counts[s] ?? 0) + 1;
  const vs =
    goal.valueSource ??
    (goal.turns.flat().length === 0
      ? 'none'
      : (goal.repairs ?? []).some((r) => /did not parse/.test(r))
        ? 'schema'
        : 'model-or-repaired');
  values_[vs] = (values_[vs] ?? 0) + 1;
  // The same usability check on the first request, whatever wrote it (names a function, JSON, too short).
  const form = requestProblems(requests[0] ?? '', { values: [], functionNames: tools.map((t) => t.name) });
  if (form.length) problemRequests++;
  examples.push(`[${category}/${toolSetId}] (${sources[0]}) ${requests[0]}`);
  done++;
  // Printed after every task, so a run cut short by `timeout` still reports what it measured.
  console.log(`${Math.round((Date.now() - started) / 1000)}s ${examples.at(-1)}\n  so far: ${summary()}`);
}
process.exit(0);
