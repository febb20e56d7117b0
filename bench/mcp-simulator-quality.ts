// How well a given LLM plays a backend: a fixed session over the example tool sets, reporting how
// many replies were valid at once, valid after one retry, or replaced by a schema default, plus time and tokens.
// Run: node --import tsx bench/mcp-simulator-quality.ts [--base-url URL --model NAME] [--calls N] [--max-tokens N] [--retries 0|1]
// (default LLM: the embedded local model; on a busy 2-core CPU expect minutes per call)
import os from 'node:os';
import { createChatClient } from '../src/llm/client.js';
import { disposeLocalModels } from '../src/llm/local-client.js';
import { connectInMemory } from '../src/specs/mcp-client.js';
import { CallLog, createToolSetServer } from '../src/mcp/tool-server.js';
import { loadExampleCatalog } from '../src/specs/examples.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const baseURL = arg('--base-url');
const maxTokens = Number(arg('--max-tokens') ?? 256);
const retries = Number(arg('--retries') ?? 1) === 0 ? 0 : 1;
const llm = baseURL
  ? createChatClient(
      { kind: 'openai', baseURL, model: arg('--model') ?? 'default', temperature: 0, maxTokens },
      { role: 'mcp-simulator' },
    )
  : createChatClient({ kind: 'local', temperature: 0, maxTokens, contextSize: 4096 }, {
      role: 'mcp-simulator',
      threads: os.availableParallelism(),
    } as never);

const SESSION: Array<[string, string, Record<string, unknown>]> = [
  ['notes', 'create_note', { title: 'Dentist', body: 'Tuesday 10:00, bring the insurance card', tags: ['health'] }],
  ['notes', 'get_note', { note_id: 'note_1' }],
  ['notes', 'search_notes', { query: 'dentist' }],
  ['notes', 'update_note', { note_id: 'note_1', pinned: true }],
  ['notes', 'delete_note', { note_id: 'note_1' }],
  ['weather', 'get_current_weather', { city: 'Porto', unit: 'celsius' }],
  ['weather', 'get_forecast', { city: 'Porto', days: 3 }],
  ['swagger-petstore', 'addPet', { name: 'Biscuit', tag: 'dog' }],
  ['swagger-petstore', 'find_pet_by_id', { id: 7 }],
  ['swagger-petstore', 'findPets', { limit: 5 }],
  ['link-example', 'getRepository', { username: 'ada', slug: 'engine' }],
  ['city-library', 'library_search_books', { query: 'lighthouses', available_only: true }],
];

const catalog = await loadExampleCatalog();
const log = new CallLog();
const sessions = new Map<string, Awaited<ReturnType<typeof connectInMemory>>>();
const t0 = performance.now();
for (const [set, tool, args] of SESSION.slice(0, Number(arg('--calls') ?? SESSION.length))) {
  if (!sessions.has(set))
    sessions.set(
      set,
      await connectInMemory(
        createToolSetServer({
          catalog,
          toolSetId: set,
          handler: { kind: 'simulated', llm, seed: 1, maxTokens, retries },
          recorder: log,
        }),
      ),
    );
  // A slow model (plus one retry) can take longer than the MCP client's 60 s default per request.
  await sessions.get(set)!.client.callTool({ name: tool, arguments: args }, undefined, { timeout: 600_000 });
  const r = log.records.at(-1)!;
  console.log(
    `${tool.padEnd(22)} ${r.isError ? 'ERROR ' : r.repaired ? (r.repaired.startsWith('retried') ? 'retry ' : 'default') : 'ok    '} ${r.latencyMs.toFixed(0).padStart(6)} ms  ${JSON.stringify(r.isError ? r.error : r.result).slice(0, 90)}`,
  );
}
const total = performance.now() - t0;
for (const s of sessions.values()) await s.close();
const n = log.records.length;
const count = (f: (r: (typeof log.records)[number]) => boolean) => log.records.filter(f).length;
console.log(`\nLLM: ${llm.label}; ${n} calls in ${(total / 1000).toFixed(1)} s`);
console.log(
  `valid at once: ${count((r) => !r.isError && !r.repaired)}/${n}; after one retry: ${count((r) => !!r.repaired?.startsWith('retried'))}/${n}; schema default: ${count((r) => !!r.repaired?.startsWith('synthesized'))}/${n}; tool errors: ${count((r) => r.isError)}/${n}`,
);
console.log(
  `tokens: ${log.records.reduce((a, r) => a + r.tokens, 0)}; served from the world without the LLM: ${count((r) => r.tokens === 0 && !r.isError)}`,
);
if (!baseURL) await disposeLocalModels();
