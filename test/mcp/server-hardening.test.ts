// What a simulated server must hold up to from real clients: ids unique in their own format (uuid, int,
// string), JSON-RPC's own error codes for non-JSON bodies and non-object arguments, a request size cap
// before any backend sees the call; and passthrough that forwards declared environment variables by name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectInMemory, passEnv } from '../../src/specs/mcp-client.js';
import { serveHttp } from '../../src/mcp/http-server.js';
import { counterUuid } from '../../src/mcp/simulated-backend.js';
import { toolResultText } from '../../src/mcp/tool-result.js';
import { CallLog, createToolSetServer, MAX_ARGUMENT_BYTES } from '../../src/mcp/tool-server.js';
import { CatalogSchema, type Catalog } from '../../src/domain/catalog.js';
import { loadExampleCatalog } from '../../src/specs/examples.js';
import { importSources } from '../../src/specs/import.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** One create/get pair per id format, as imported specs declare them. */
function idCatalog(): Catalog {
  const tools = (['uuid', 'int', 'str'] as const).flatMap((kind) => {
    const id =
      kind === 'uuid' ? { type: 'string', format: 'uuid' } : kind === 'int' ? { type: 'integer' } : { type: 'string' };
    const out = { type: 'object', properties: { id, name: { type: 'string' } }, required: ['id', 'name'] };
    return [
      {
        name: `create_${kind}_widget`,
        originalName: `create_${kind}_widget`,
        description: 'Create a widget',
        inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        outputSchema: out,
        source: { kind: 'openapi', location: 'x', pointer: `/paths/~1${kind}widgets/post` },
        tags: ['http:post', `path:/${kind}widgets`],
      },
      {
        name: `get_${kind}_widget`,
        originalName: `get_${kind}_widget`,
        description: 'Get a widget',
        inputSchema: { type: 'object', properties: { id }, required: ['id'] },
        outputSchema: out,
        source: { kind: 'openapi', location: 'x', pointer: `/paths/~1${kind}widgets~1{id}/get` },
        tags: ['http:get', `path:/${kind}widgets/{id}`],
      },
    ];
  });
  return CatalogSchema.parse({
    version: 1,
    tools,
    toolSets: [{ id: 'widgets', name: 'Widgets', toolNames: tools.map((t) => t.name) }],
  });
}

test('creates hand out unique ids in the id field’s own format, and a later read finds each record', async () => {
  const server = createToolSetServer({
    catalog: idCatalog(),
    toolSetId: 'widgets',
    handler: { kind: 'simulated', seed: 0 },
  });
  const { client, close } = await connectInMemory(server);
  try {
    for (const kind of ['uuid', 'int', 'str']) {
      const ids: unknown[] = [];
      for (const name of ['a', 'b', 'c']) {
        const r = await client.callTool({ name: `create_${kind}_widget`, arguments: { name } });
        assert.equal(r.isError, undefined, toolResultText(r));
        ids.push((r.structuredContent as { id: unknown }).id);
      }
      assert.equal(new Set(ids).size, 3, `${kind}: ${JSON.stringify(ids)}`);
      if (kind === 'uuid') for (const id of ids) assert.match(String(id), UUID);
      if (kind === 'int') assert.deepEqual(ids, [1, 2, 3]);
      if (kind === 'str') assert.deepEqual(ids, ['strwidget_1', 'strwidget_2', 'strwidget_3']);
      const back = await client.callTool({ name: `get_${kind}_widget`, arguments: { id: ids[1] } });
      assert.deepEqual(back.structuredContent, { id: ids[1], name: 'b' });
    }
    // An int id a read already made up is never handed out again by a create.
    await client.callTool({ name: 'get_int_widget', arguments: { id: 4 } });
    const next = await client.callTool({ name: 'create_int_widget', arguments: { name: 'd' } });
    assert.equal((next.structuredContent as { id: number }).id, 5);
  } finally {
    await close();
  }
  assert.notEqual(counterUuid('widget', 1), counterUuid('widget', 2));
  assert.equal(counterUuid('widget', 1), counterUuid('widget', 1), 'the same on replay');
});

test('HTTP: non-JSON body -32700, non-object arguments -32602 (no raw dump), bodies over the cap 413 before any backend', async () => {
  const catalog = await loadExampleCatalog();
  const log = new CallLog();
  const http = await serveHttp({
    maxBodyBytes: 64 * 1024,
    createSession: () =>
      createToolSetServer({
        catalog,
        toolSetId: 'swagger-petstore',
        handler: { kind: 'simulated', seed: 0 },
        recorder: log,
      }),
  });
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const post = async (body: string, sid?: string) => {
    const r = await fetch(http.url, {
      method: 'POST',
      headers: { ...headers, ...(sid ? { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' } : {}) },
      body,
    });
    return { status: r.status, sid: r.headers.get('mcp-session-id'), text: await r.text() };
  };
  const errorOf = (text: string) =>
    JSON.parse(text.replace(/^[\s\S]*?data: /, '')).error as { code: number; message: string };
  try {
    const notJson = await post('{"jsonrpc": "2.0", oops');
    assert.equal(notJson.status, 400);
    assert.equal(errorOf(notJson.text).code, -32700);
    const init = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    );
    const sid = init.sid!;
    assert.ok(sid, init.text);
    await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), sid);
    const arrayArgs = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'addPet', arguments: ['Rex'] } }),
      sid,
    );
    const err = errorOf(arrayArgs.text);
    assert.deepEqual(
      [err.code, err.message],
      [-32602, "invalid params: tools/call arguments for 'addPet' must be a JSON object, got an array"],
    );
    const huge = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'addPet', arguments: { name: 'x'.repeat(100_000) } },
      }),
      sid,
    );
    assert.equal(huge.status, 413);
    assert.equal(errorOf(huge.text).code, -32600);
    assert.match(errorOf(huge.text).message, /over the 65536-byte limit; nothing was run/);
    const fine = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'addPet', arguments: { name: 'Rex' } },
      }),
      sid,
    );
    assert.equal(fine.status, 200, fine.text);
    assert.deepEqual(
      log.records.map((r) => [r.tool, r.arguments]),
      [['addPet', { name: 'Rex' }]],
      'only the good call reached the backend',
    );
  } finally {
    await http.close();
  }
});

test('live import with --pass-env: the server gets the variable by name, title and annotations are kept, no value in the catalog', async () => {
  const source = `stdio:${process.execPath} --import tsx test/mcp/fixtures/env-echo-server.ts`;
  process.env.INFTOOL_TEST_KEY = 'sk-test-123';
  try {
    const without = await importSources([source]);
    const withEnv = await importSources([source], { passEnv: ['INFTOOL_TEST_KEY'] });
    const [tool] = withEnv.catalog.tools;
    assert.deepEqual(
      [tool.name, tool.title, tool.annotations],
      ['whoami', 'Who am I', { readOnlyHint: true, openWorldHint: false }],
    );
    assert.deepEqual(withEnv.catalog.toolSets[0].backend, {
      kind: 'passthrough',
      server: source,
      env: ['INFTOOL_TEST_KEY'],
    });
    assert.doesNotMatch(JSON.stringify(withEnv.catalog), /sk-test-123/);
    const call = async (catalog: Catalog) => {
      const { client, close } = await connectInMemory(
        createToolSetServer({ catalog, toolSetId: catalog.toolSets[0].id, handler: { kind: 'passthrough' } }),
      );
      try {
        return JSON.parse(toolResultText(await client.callTool({ name: 'whoami', arguments: {} })));
      } finally {
        await close();
      }
    };
    assert.deepEqual(await call(withEnv.catalog), { key: 'sk-test-123' });
    // The simulated server lists what live import kept.
    const listed = await (async () => {
      const { client, close } = await connectInMemory(
        createToolSetServer({
          catalog: withEnv.catalog,
          toolSetId: withEnv.catalog.toolSets[0].id,
          handler: { kind: 'simulated', seed: 0 },
        }),
      );
      try {
        return (await client.listTools()).tools[0];
      } finally {
        await close();
      }
    })();
    assert.deepEqual([listed.title, listed.annotations], ['Who am I', { readOnlyHint: true, openWorldHint: false }]);
    assert.deepEqual(await call(without.catalog), { key: null }, 'undeclared variables stay out of the server');
  } finally {
    delete process.env.INFTOOL_TEST_KEY;
  }
  assert.throws(
    () => passEnv(['INFTOOL_SURELY_UNSET']),
    /environment variable INFTOOL_SURELY_UNSET declared for this server but not set/,
  );
});

test('arguments over the size cap are refused on any transport before the backend is asked', async () => {
  const catalog = await loadExampleCatalog();
  const log = new CallLog();
  const { client, close } = await connectInMemory(
    createToolSetServer({
      catalog,
      toolSetId: 'swagger-petstore',
      handler: { kind: 'simulated', seed: 0 },
      recorder: log,
    }),
  );
  try {
    const big = await client.callTool({ name: 'addPet', arguments: { name: 'x'.repeat(MAX_ARGUMENT_BYTES) } });
    assert.equal(big.isError, true);
    assert.match(
      toolResultText(big),
      new RegExp(`invalid arguments for tool 'addPet': \\d+ bytes, over the ${MAX_ARGUMENT_BYTES}-byte limit`),
    );
    assert.equal(log.records.length, 1);
    assert.equal(log.records[0].isError, true);
    const small = await client.callTool({ name: 'addPet', arguments: { name: 'Rex' } });
    assert.equal(small.isError, undefined);
  } finally {
    await close();
  }
});
