// The simulated MCP server over a real MCP client (in-memory transport): tools listed from the catalog,
// arguments validated before the LLM, a world state that keeps a session consistent, bad LLM replies
// repaired or replaced, every call recorded, and the same seed replaying the same session.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { McpCallRecordSchema } from '../../src/domain/trajectory.js';
import { toolResultText } from '../../src/mcp/tool-result.js';
import { connectInMemory } from '../../src/specs/mcp-client.js';
import { CallLog, createToolSetServer, type RecordedCall } from '../../src/mcp/tool-server.js';
import { CatalogSchema } from '../../src/domain/catalog.js';
import { loadExampleCatalog } from '../../src/specs/examples.js';
import { FakeSimulatorLlm } from './fake-simulator-llm.js';

const textOf = toolResultText;

/** A recorded session with the simulated server of one example tool set, played by `llm`. */
async function simulatedSession(
  toolSetId: string,
  llm: FakeSimulatorLlm,
  handler: { seed: number; retries?: 0 | 1; maxTokens?: number },
) {
  const log = new CallLog();
  const session = await connectInMemory(
    createToolSetServer({
      catalog: await loadExampleCatalog(),
      toolSetId,
      handler: { kind: 'simulated', llm, ...handler },
      recorder: log,
    }),
  );
  return { ...session, log };
}

/** Notes backend as a reasonable LLM would play it; it echoes the world it was shown for search. */
const notesLlm = () =>
  new FakeSimulatorLlm(({ tool, args, prompt }) => {
    switch (tool) {
      case 'create_note':
        return JSON.stringify({
          result: { id: 'llm-chose-this', title: args.title, body: args.body, created_at: '2025-03-01T09:00:00Z' },
        });
      case 'get_note':
        return JSON.stringify({ result: { id: args.note_id, title: 'Invented', body: 'made up by the LLM' } });
      case 'search_notes': {
        const known = /Known note records[^:]*: (\[.*\])$/m.exec(prompt)?.[1] ?? '[]';
        return JSON.stringify({ result: { notes: JSON.parse(known) } });
      }
      case 'update_note':
        return JSON.stringify({ result: { ok: true } });
      case 'delete_note':
        return JSON.stringify({ result: { deleted: true } });
      default:
        return '{}';
    }
  });

test('lists the tool set with its schemas; output schemas only where MCP allows them (objects)', async () => {
  const catalog = await loadExampleCatalog();
  const conn = await connectInMemory(
    createToolSetServer({ catalog, toolSetId: 'swagger-petstore', handler: { kind: 'simulated', seed: 1 } }),
  );
  const { tools } = await conn.client.listTools();
  assert.deepEqual(
    tools.map((t) => t.name),
    ['findPets', 'addPet', 'find_pet_by_id', 'deletePet'],
  );
  const add = tools.find((t) => t.name === 'addPet')!;
  assert.deepEqual(add.inputSchema.required, ['name']);
  // findPets returns an array: MCP output schemas must be objects, so it is not advertised.
  assert.equal(tools.find((t) => t.name === 'findPets')!.outputSchema, undefined);
  await conn.close();
});

test('world state keeps a session consistent: created note fetched as created, updated, deleted, then gone', async () => {
  const catalog = await loadExampleCatalog();
  const llm = notesLlm();
  const log = new CallLog();
  const tss = createToolSetServer({
    catalog,
    toolSetId: 'notes',
    handler: { kind: 'simulated', llm, seed: 7 },
    recorder: log,
  });
  const { client, close } = await connectInMemory(tss);

  const created = await client.callTool({
    name: 'create_note',
    arguments: { title: 'Groceries', body: 'eggs, milk', tags: ['home'] },
  });
  assert.equal(created.isError, undefined);
  const note = created.structuredContent as Record<string, unknown>;
  assert.equal(note.id, 'note_1', 'the id is assigned deterministically, not by the LLM');
  assert.deepEqual(note.tags, ['home'], 'arguments the LLM left out are carried into the record');
  const second = await client.callTool({ name: 'create_note', arguments: { title: 'Ideas', body: 'MCP trees' } });
  assert.equal((second.structuredContent as { id: string }).id, 'note_2');

  const requestsBeforeGet = llm.requests.length;
  const fetched = await client.callTool({ name: 'get_note', arguments: { note_id: 'note_1' } });
  assert.deepEqual(fetched.structuredContent, note, 'fetching returns exactly what was created');
  assert.equal(llm.requests.length, requestsBeforeGet, 'a known record is served from the world, without the LLM');

  const found = await client.callTool({ name: 'search_notes', arguments: { query: 'eggs' } });
  assert.match(textOf(found), /Groceries/, 'the LLM was shown the world state and could answer from it');

  await client.callTool({ name: 'update_note', arguments: { note_id: 'note_1', title: 'Shopping' } });
  const afterUpdate = await client.callTool({ name: 'get_note', arguments: { note_id: 'note_1' } });
  assert.equal((afterUpdate.structuredContent as { title: string }).title, 'Shopping');
  assert.equal((afterUpdate.structuredContent as { body: string }).body, 'eggs, milk');

  const deleted = await client.callTool({ name: 'delete_note', arguments: { note_id: 'note_1' } });
  assert.equal(deleted.isError, undefined);
  const gone = await client.callTool({ name: 'get_note', arguments: { note_id: 'note_1' } });
  assert.equal(gone.isError, true);
  assert.match(textOf(gone), /not found: note with note_id=note_1 was deleted/);

  // A note never mentioned exists in the simulated world: invented once, then remembered.
  const other = await client.callTool({ name: 'get_note', arguments: { note_id: 'n-99' } });
  assert.equal((other.structuredContent as { title: string }).title, 'Invented');
  assert.deepEqual(tss.state().records.note['n-99'], other.structuredContent);

  for (const r of log.records) McpCallRecordSchema.parse(r);
  assert.deepEqual(
    log.records.map((r) => `${r.tool}${r.isError ? ' (error)' : ''}`),
    [
      'create_note',
      'create_note',
      'get_note',
      'search_notes',
      'update_note',
      'get_note',
      'delete_note',
      'get_note (error)',
      'get_note',
    ],
  );
  assert.equal(log.records[0].tokens, 120);
  assert.equal(log.records[2].tokens, 0, 'served from the world: no tokens');
  await close();
});

test('invalid arguments get an MCP tool error naming the field, and never reach the LLM', async () => {
  const catalog = await loadExampleCatalog();
  const llm = notesLlm();
  const log = new CallLog();
  const { client, close } = await connectInMemory(
    createToolSetServer({ catalog, toolSetId: 'notes', handler: { kind: 'simulated', llm, seed: 0 }, recorder: log }),
  );
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ title: 5, body: 'x' }, /invalid arguments for tool 'create_note': \/title: must be string/],
    [{ title: 'x' }, /\(root\): must have required property 'body'/],
    [{ title: 'x', body: 'y', colour: 'red' }, /must NOT have additional properties 'colour'/],
    [{ title: '', body: 'y' }, /\/title: must NOT have fewer than 1 characters/],
  ];
  for (const [args, message] of cases) {
    const r = await client.callTool({ name: 'create_note', arguments: args });
    assert.equal(r.isError, true, JSON.stringify(args));
    assert.match(textOf(r), message);
  }
  const unknown = await client.callTool({ name: 'drop_database', arguments: {} });
  assert.equal(unknown.isError, true);
  assert.match(textOf(unknown), /unknown tool 'drop_database'; this server has: create_note, get_note/);
  assert.equal(llm.requests.length, 0);
  assert.deepEqual(
    log.records.map((r) => r.isError),
    [true, true, true, true, true],
  );
  assert.match(log.records[0].error!, /\/title/);
  await close();
});

test('a bad LLM reply is retried once with the validation error, then replaced by a schema-valid default', async () => {
  // First tool: broken JSON, then valid on retry. Second: wrong shape twice.
  const llm = new FakeSimulatorLlm(({ tool, attempt, args }) => {
    if (tool === 'addPet')
      return attempt === 0
        ? 'Sure! Here is the pet: {name: Rex'
        : JSON.stringify({ result: { name: args.name, id: 999 } });
    return JSON.stringify({ result: { name: 12 } });
  });
  const { client, close, log } = await simulatedSession('swagger-petstore', llm, { seed: 3 });
  const added = await client.callTool({ name: 'addPet', arguments: { name: 'Rex' } });
  assert.deepEqual(
    JSON.parse(textOf(added)),
    { name: 'Rex', id: 1 },
    'integer ids count from 1, whatever the LLM said',
  );
  assert.match(log.records[0].repaired!, /retried once: not a JSON object/);
  const retry = llm.requests[1];
  assert.match(retry.messages.at(-1)!.content as string, /That reply is invalid \(not a JSON object/);

  const fetched = await client.callTool({ name: 'find_pet_by_id', arguments: { id: 1 } });
  assert.deepEqual(JSON.parse(textOf(fetched)), { name: 'Rex', id: 1 });

  const invented = await client.callTool({ name: 'find_pet_by_id', arguments: { id: 42 } });
  assert.equal(invented.isError, undefined, 'a reply that cannot be repaired still gives a result');
  assert.deepEqual(JSON.parse(textOf(invented)), { name: '', tag: '', id: 42 });
  assert.match(
    log.records[2].repaired!,
    /synthesized from the output schema after 2 invalid replies: result does not match the output schema: \/name: must be string/,
  );
  assert.deepEqual(invented._meta, { 'inftool/repaired': log.records[2].repaired });
  await close();
});

test('an LLM that throws gives a tool error for that call; the session goes on', async () => {
  const catalog = await loadExampleCatalog();
  let fail = true;
  const llm = new FakeSimulatorLlm(({ args }) => {
    if (fail) {
      fail = false;
      throw new Error('connection refused');
    }
    return JSON.stringify({ result: { city: args.city, temperature: 21, conditions: 'clear' } });
  });
  const { client, close } = await connectInMemory(
    createToolSetServer({ catalog, toolSetId: 'weather', handler: { kind: 'simulated', llm, seed: 0 } }),
  );
  const first = await client.callTool({ name: 'get_current_weather', arguments: { city: 'Lyon' } });
  assert.equal(first.isError, true);
  assert.match(textOf(first), /tool 'get_current_weather' failed in the simulated backend: connection refused/);
  const second = await client.callTool({ name: 'get_current_weather', arguments: { city: 'Lyon' } });
  assert.deepEqual(JSON.parse(textOf(second)), { city: 'Lyon', temperature: 21, conditions: 'clear' });
  // Same question, same answer within the session (observation memory), without asking again.
  const again = await client.callTool({ name: 'get_current_weather', arguments: { city: 'Lyon' } });
  assert.equal(textOf(again), textOf(second));
  assert.equal(llm.requests.length, 2);
  await close();
});

test('same seed and a deterministic LLM replay the same session; the seed and the temperature reach the LLM', async () => {
  const catalog = await loadExampleCatalog();
  // The LLM's answer depends on the seed it is given, as a real seeded sampler's would.
  const seededLlm = () =>
    new FakeSimulatorLlm(({ tool, args, request }) =>
      JSON.stringify({ result: { tool, temperature: (request.seed! * 7) % 40, city: args.city } }),
    );
  const session = async (seed: number) => {
    const records: RecordedCall[] = [];
    const llm = seededLlm();
    const { client, close } = await connectInMemory(
      createToolSetServer({
        catalog,
        toolSetId: 'weather',
        handler: { kind: 'simulated', llm, seed, temperature: 0 },
        recorder: (r) => records.push(r),
      }),
    );
    // Sent concurrently: calls are still applied one at a time in arrival order.
    await Promise.all(
      ['Oslo', 'Lima', 'Pune'].map((city) => client.callTool({ name: 'get_current_weather', arguments: { city } })),
    );
    await client.callTool({ name: 'get_forecast', arguments: { city: 'Oslo', days: 3 } });
    await close();
    return { records: records.map(({ latencyMs: _, ...r }) => r), llm };
  };
  const a = await session(11);
  const b = await session(11);
  const c = await session(12);
  assert.deepEqual(a.records, b.records);
  assert.notDeepEqual(a.records, c.records);
  assert.deepEqual(
    a.llm.requests.map((r) => [r.seed, r.temperature]),
    [
      [11, 0],
      [12, 0],
      [13, 0],
      [14, 0],
    ],
  );
  assert.deepEqual(
    a.records.map((r) => r.arguments.city),
    ['Oslo', 'Lima', 'Pune', 'Oslo'],
  );
});

test('without an LLM the server still answers, from schemas and the world state', async () => {
  const catalog = await loadExampleCatalog();
  const { client, close } = await connectInMemory(
    createToolSetServer({ catalog, toolSetId: 'swagger-petstore', handler: { kind: 'simulated', seed: 0 } }),
  );
  const added = await client.callTool({ name: 'addPet', arguments: { name: 'Mia', tag: 'cat' } });
  assert.deepEqual(JSON.parse(textOf(added)), { name: 'Mia', tag: 'cat', id: 1 });
  const list = await client.callTool({ name: 'findPets', arguments: {} });
  assert.deepEqual(JSON.parse(textOf(list)), [{ name: 'Mia', tag: 'cat', id: 1 }]);
  await client.callTool({ name: 'deletePet', arguments: { id: 1 } });
  const gone = await client.callTool({ name: 'find_pet_by_id', arguments: { id: 1 } });
  assert.equal(gone.isError, true);
  await close();
});

test('a result that cannot satisfy an advertised output schema becomes a tool error, not a client crash', async () => {
  const catalog = CatalogSchema.parse({
    version: 1,
    tools: [
      {
        name: 'get_rate',
        originalName: 'get_rate',
        description: 'Exchange rate between two currencies.',
        inputSchema: { type: 'object', properties: { pair: { type: 'string' } }, required: ['pair'] },
        // A pattern no synthesized default can meet.
        outputSchema: {
          type: 'object',
          properties: { code: { type: 'string', pattern: '^[A-Z]{3}/[A-Z]{3}$' }, rate: { type: 'number' } },
          required: ['code', 'rate'],
        },
        source: { kind: 'openai', location: 'inline' },
      },
    ],
    toolSets: [{ id: 'fx', name: 'FX', toolNames: ['get_rate'] }],
  });
  const llm = new FakeSimulatorLlm(() => JSON.stringify({ result: { code: 'eur-usd', rate: 1.1 } }));
  const { client, close } = await connectInMemory(
    createToolSetServer({ catalog, toolSetId: 'fx', handler: { kind: 'simulated', llm, seed: 0 } }),
  );
  const r = await client.callTool({ name: 'get_rate', arguments: { pair: 'EURUSD' } });
  assert.equal(r.isError, true);
  assert.match(
    textOf(r),
    /tool 'get_rate' produced a result that does not match its output schema: \/code: must match pattern/,
  );
  assert.equal(llm.requests.length, 2, 'asked, then asked again with the validation error');
  await close();
});

test('retries: 0 goes straight from one invalid reply to the schema default (for slow local models)', async () => {
  const llm = new FakeSimulatorLlm(() => '{"result": {"name": 1');
  const { client, close, log } = await simulatedSession('swagger-petstore', llm, { seed: 0, retries: 0 });
  const r = await client.callTool({ name: 'addPet', arguments: { name: 'Kiwi' } });
  assert.deepEqual(JSON.parse(textOf(r)), { name: 'Kiwi', tag: '', id: 1 });
  assert.equal(llm.requests.length, 1);
  assert.match(
    log.records[0].repaired!,
    /^synthesized from the output schema after 1 invalid reply: not a JSON object/,
  );
  await close();
});

test("without a temperature or token budget of its own, the simulator's requests leave them to its client (the role's config)", async () => {
  const llm = new FakeSimulatorLlm(({ args }) => JSON.stringify({ result: { city: args.city, temperature: 9 } }));
  const { client, close } = await simulatedSession('weather', llm, { seed: 0 });
  await client.callTool({ name: 'get_current_weather', arguments: { city: 'Oslo' } });
  await close();
  assert.equal(llm.requests.length, 1);
  assert.equal('temperature' in llm.requests[0], false, JSON.stringify(llm.requests[0]));
  assert.equal('maxTokens' in llm.requests[0], false, JSON.stringify(llm.requests[0]));
});

test('a reply cut off by the token budget is not asked again: the schema default comes at once', async () => {
  // A small model looping inside the JSON until the budget runs out; a complete but wrong reply is retried.
  const llm = new FakeSimulatorLlm(({ tool }) =>
    tool === 'addPet'
      ? { content: '{"result":{"name":{"name":{"name":{"name', finishReason: 'length' }
      : JSON.stringify({ result: { name: 12 } }),
  );
  const { client, close, log } = await simulatedSession('swagger-petstore', llm, { seed: 0, maxTokens: 96 });
  const added = await client.callTool({ name: 'addPet', arguments: { name: 'Kiwi' } });
  assert.deepEqual(JSON.parse(textOf(added)), { name: 'Kiwi', tag: '', id: 1 });
  assert.equal(llm.requests.length, 1, 'no second request after a cut-off reply');
  assert.equal(llm.requests[0].maxTokens, 96);
  assert.match(
    log.records[0].repaired!,
    /^synthesized from the output schema after 1 invalid reply: cut off at the token budget: not a JSON object/,
  );
  await client.callTool({ name: 'find_pet_by_id', arguments: { id: 42 } });
  assert.equal(llm.requests.length, 3, 'a complete reply of the wrong shape still gets its retry');
  await close();
});
