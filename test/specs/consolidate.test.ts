// Tool-pool consolidation: redundant tools from different sources merge into one (rule or LLM), the
// merge remembers its sources, tool sets are rewired, unique look-alikes stay apart.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { ChatClient, ChatRequest, ChatResponse } from '../../src/domain/chat.js';
import { startScriptedServer } from '../../src/llm/scripted-server.js';
import { openAiEmbedder } from '../../src/cli/specs.js';
import { CatalogSchema, type Tool } from '../../src/domain/catalog.js';
import { consolidateCatalog, ruleMerges } from '../../src/specs/consolidate.js';
import { EXAMPLE_FILES, EXAMPLES_DIR } from '../../src/specs/examples.js';
import { importSources } from '../../src/specs/import.js';
import { cluster, nameKey, tfidfVectors, sparseCosine } from '../../src/specs/similarity.js';

const pool = async () =>
  (
    await importSources([
      ...EXAMPLE_FILES.map((f) => path.join(EXAMPLES_DIR, f)),
      path.join(import.meta.dirname, 'fixtures', 'weather-mirror.json'),
    ])
  ).catalog;

test('TF-IDF clusters near-duplicates and leaves unrelated tools alone', () => {
  const texts = [
    'get current weather city',
    'fetch current weather city',
    'delete a pet by id',
    'borrow a library book',
  ];
  const v = tfidfVectors(texts);
  assert.ok(sparseCosine(v[0], v[1]) > 0.5);
  assert.ok(sparseCosine(v[0], v[2]) < 0.1);
  assert.deepEqual(
    cluster(4, (i, j) => sparseCosine(v[i], v[j]), 0.5),
    [[0, 1]],
  );
});

test('without an LLM the rule merges only the redundant pair, keeps mergedFrom and rewires tool sets', async () => {
  const input = await pool();
  const { catalog, report } = await consolidateCatalog(input);
  assert.deepEqual(report.merges, [
    { into: 'fetch_current_weather', from: ['get_current_weather', 'fetch_current_weather'], by: 'rule' },
  ]);
  const merged = catalog.tools.find((t) => t.name === 'fetch_current_weather')!;
  assert.deepEqual(merged.mergedFrom, ['get_current_weather', 'fetch_current_weather']);
  assert.equal(merged.source.kind, 'merged');
  assert.equal(catalog.tools.length, input.tools.length - 1);
  assert.ok(!catalog.tools.some((t) => t.name === 'get_current_weather'));
  assert.deepEqual(catalog.toolSets.find((s) => s.id === 'weather')!.toolNames, [
    'fetch_current_weather',
    'get_forecast',
    'get_air_quality',
  ]);
  assert.ok(
    catalog.tools.some((t) => t.name === 'get_forecast'),
    'similar but not redundant: kept',
  );
  assert.deepEqual(
    report.perDomain.find((d) => d.domain === 'weather'),
    { domain: 'weather', toolsIn: 5, toolsOut: 4 },
  );
  CatalogSchema.parse(catalog);
});

class MergingLlm implements ChatClient {
  readonly label = 'fake-merger';
  readonly requests: ChatRequest[] = [];
  constructor(private readonly reply: (names: string[]) => unknown) {}
  async chat(request: ChatRequest): Promise<ChatResponse> {
    this.requests.push(request);
    const names = (JSON.parse(request.messages[1].content as string) as Array<{ name: string }>).map((t) => t.name);
    return {
      message: { role: 'assistant', content: JSON.stringify(this.reply(names)) },
      usage: { promptTokens: 1, completionTokens: 1 },
      latencyMs: 0,
      finishReason: 'stop',
    };
  }
}

test('with an LLM its merge decision and definition are used; an unusable answer falls back to the rule', async () => {
  const input = await pool();
  const llm = new MergingLlm((names) =>
    names.includes('fetch_current_weather')
      ? {
          merges: [
            {
              sources: ['get_current_weather', 'fetch_current_weather'],
              name: 'current_weather',
              description: 'Current weather in a city.',
              inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            },
          ],
          unique: names.filter((n) => !n.endsWith('current_weather')),
        }
      : {
          merges: [
            { sources: [names[0], 'not_in_cluster'], name: 'x', description: 'x', inputSchema: { type: 'object' } },
          ],
          unique: [],
        },
  );
  const progress: string[] = [];
  const { catalog, report } = await consolidateCatalog(input, {
    llm,
    onCluster: (k, n, names) => progress.push(`${k + 1}/${n}:${names.length}`),
  });
  assert.ok(llm.requests.length >= 2, 'one request per cluster');
  assert.equal(progress.length, llm.requests.length, 'progress reported before each cluster the LLM decides');
  assert.match(progress.at(-1)!, new RegExp(`^${progress.length}/${progress.length}:`));
  assert.deepEqual(
    llm.requests.map((r) => r.temperature),
    llm.requests.map(() => 0),
  );
  assert.deepEqual(
    report.merges.filter((m) => m.by === 'llm'),
    [{ into: 'current_weather', from: ['get_current_weather', 'fetch_current_weather'], by: 'llm' }],
  );
  const merged = catalog.tools.find((t) => t.name === 'current_weather')!;
  assert.equal(merged.description, 'Current weather in a city.');
  assert.deepEqual(merged.mergedFrom, ['get_current_weather', 'fetch_current_weather']);
  assert.ok(report.llmFallbacks.length >= 1);
  assert.match(report.llmFallbacks[0].reason, /names 'not_in_cluster', which is not in the cluster/);
});

test('embeddings from an OpenAI-compatible endpoint drive clustering when configured', async () => {
  const server = await startScriptedServer({});
  try {
    const embed = openAiEmbedder(server.baseURL, 'embed-model');
    const vectors = await embed(['same text', 'same text', 'other']);
    assert.equal(vectors.length, 3);
    assert.deepEqual(vectors[0], vectors[1]);
    const { report } = await consolidateCatalog(await pool(), { embed, threshold: 0.99 });
    assert.equal(server.stats.embeddings, 2);
    assert.equal(report.merges.length, 0, 'hash embeddings of different texts are not similar');
  } finally {
    await server.close();
  }
});

test('CLI consolidate writes the catalog and prints tools in/out per domain', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'inftool-consolidate-'));
  const inFile = path.join(dir, 'in.json');
  const outFile = path.join(dir, 'out.json');
  writeFileSync(inFile, JSON.stringify(await pool()));
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/specs.ts', 'consolidate', '--catalog', inFile, '--out', outFile],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^weather\t5\t4$/m);
  assert.match(r.stdout, /24 -> 23 tools/);
  assert.match(r.stderr, /merged get_current_weather, fetch_current_weather -> fetch_current_weather \(rule\)/);
  assert.equal(CatalogSchema.parse(JSON.parse(readFileSync(outFile, 'utf8'))).tools.length, 23);
});

test('the rule does not merge look-alikes that differ in meaning (season vs game), only rewordings', () => {
  assert.equal(nameKey('get_current_weather'), nameKey('fetchCurrentWeather'));
  assert.notEqual(nameKey('most_points_single_season'), nameKey('most_points_single_game'));
  const tool = (name: string, description: string): Tool => ({
    name,
    originalName: name,
    description,
    tags: [],
    inputSchema: { type: 'object', properties: { player: { type: 'string' } }, required: ['player'] },
    source: { kind: 'openai', location: 'inline' },
  });
  const tools = [
    tool('sports_most_points_single_season', 'Most points scored by a player in a single season.'),
    tool('sports_most_points_single_game', 'Most points scored by a player in a single game.'),
    tool('retrieve_most_points_single_game', 'Most points scored by a player in a single game.'),
  ];
  assert.deepEqual(ruleMerges(tools), []);
  tools[2] = tool('sports_most_points_single_games', 'Most points a player scored in a single game.');
  assert.deepEqual(ruleMerges(tools), [['sports_most_points_single_game', 'sports_most_points_single_games']]);
});
