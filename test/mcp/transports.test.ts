// The same generated server reached by a real MCP client over stdio (the CLI as a child process) and
// streamable HTTP (in process and via the CLI), with an LLM reached over HTTP; and a live MCP server
// imported as a source whose tool set forwards calls to it (passthrough).
import assert from 'node:assert/strict';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startScriptedServer, type ScriptedServer } from '../../src/llm/scripted-server.js';
import { toolResultText } from '../../src/mcp/tool-result.js';
import { connectInMemory, connectToServer } from '../../src/specs/mcp-client.js';
import { serveHttp } from '../../src/mcp/http-server.js';
import { CallLog, createToolSetServer } from '../../src/mcp/tool-server.js';
import type { Catalog } from '../../src/domain/catalog.js';
import { loadExampleCatalog } from '../../src/specs/examples.js';
import { importSources } from '../../src/specs/import.js';

const textOf = toolResultText;
let catalog: Catalog;
let catalogFile: string;
let llm: ScriptedServer;
const serveCommand = (toolset: string, extra = '') =>
  `stdio:${process.execPath} --import tsx src/cli/mcp.ts serve --catalog ${catalogFile} --toolset ${toolset} ${extra}`.trim();

before(async () => {
  catalog = await loadExampleCatalog();
  catalogFile = path.join(mkdtempSync(path.join(tmpdir(), 'inftool-mcp-')), 'catalog.json');
  writeFileSync(catalogFile, JSON.stringify(catalog));
  // The remote LLM: an OpenAI-compatible server that plays the weather backend.
  llm = await startScriptedServer({
    reply: (body) => {
      const prompt = String(body.messages.find((m) => m.role === 'user')?.content ?? '');
      const city = /"city":"([^"]+)"/.exec(prompt)?.[1] ?? '?';
      return { content: JSON.stringify({ result: { city, temperature: city.length, conditions: 'drizzle' } }) };
    },
  });
});
after(() => llm.close());

test('stdio: the CLI serves a tool set; a client lists and calls it, and the world holds across calls', async () => {
  const { client, close } = await connectToServer(serveCommand('notes', '--seed 5'));
  try {
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      ['create_note', 'get_note', 'search_notes', 'update_note', 'delete_note'],
    );
    const created = await client.callTool({
      name: 'create_note',
      arguments: { title: 'Call Ana', body: 'about the lease' },
    });
    assert.equal((created.structuredContent as { id: string }).id, 'note_1');
    const fetched = await client.callTool({ name: 'get_note', arguments: { note_id: 'note_1' } });
    assert.equal((fetched.structuredContent as { title: string }).title, 'Call Ana');
    const bad = await client.callTool({ name: 'get_note', arguments: { note_id: 3 } });
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /\/note_id: must be string/);
    // Arguments that are not an object: JSON-RPC's invalid-params code, as over HTTP, and the session goes on.
    await assert.rejects(
      client.request(
        { method: 'tools/call', params: { name: 'get_note', arguments: ['note_1'] as never } },
        CallToolResultSchema,
      ),
      (err: { code?: number; message: string }) =>
        err.code === -32602 && /must be a JSON object, got an array/.test(err.message),
    );
    assert.equal((await client.listTools()).tools.length, 5);
  } finally {
    await close();
  }
});

test('stdio: with --llm-base-url the simulator asks that endpoint (seed and temperature 0 sent)', async () => {
  const before = llm.requests.length;
  const { client, close } = await connectToServer(
    serveCommand('weather', `--seed 40 --llm-base-url ${llm.baseURL} --llm-model scripted-model`),
  );
  try {
    const r = await client.callTool({ name: 'get_current_weather', arguments: { city: 'Bergen' } });
    assert.deepEqual(JSON.parse(textOf(r)), { city: 'Bergen', temperature: 6, conditions: 'drizzle' });
    const sent = llm.requests.slice(before);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].seed, 40);
    assert.equal(sent[0].temperature, 0);
    assert.ok(sent[0].response_format, 'structured output requested');
  } finally {
    await close();
  }
});

test('HTTP: each session gets its own world; sessions are closed with their clients', async () => {
  const http = await serveHttp({
    createSession: () =>
      createToolSetServer({ catalog, toolSetId: 'swagger-petstore', handler: { kind: 'simulated', seed: 0 } }),
  });
  try {
    const a = await connectToServer(http.url);
    const b = await connectToServer(http.url);
    assert.equal(http.sessions(), 2);
    await a.client.callTool({ name: 'addPet', arguments: { name: 'Rex' } });
    const inA = await a.client.callTool({ name: 'findPets', arguments: {} });
    const inB = await b.client.callTool({ name: 'findPets', arguments: {} });
    assert.deepEqual(JSON.parse(textOf(inA)), [{ name: 'Rex', tag: '', id: 1 }]);
    assert.deepEqual(JSON.parse(textOf(inB)), []);
    await a.close();
    await b.close();
    assert.equal(http.sessions(), 0);
  } finally {
    await http.close();
  }
});

test('HTTP: the CLI prints its URL and serves there', async () => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/mcp.ts',
      'serve',
      '--catalog',
      catalogFile,
      '--toolset',
      'city-library',
      '--transport',
      'http',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /^(http:\/\/\S+)$/m.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const { client, close } = await connectToServer(url);
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      ['library_search_books', 'library_borrow_book', 'library_return_book', 'library_pay_fine'],
    );
    const r = await client.callTool({
      name: 'library_pay_fine',
      arguments: { member_id: 'M-1', amount: 2.5, payment: { method: 'cheque' } },
    });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /\/payment\/method: must be equal to one of the allowed values \("card", "cash"\)/);
    await close();
  } finally {
    child.kill('SIGTERM');
  }
});

test('CLI: an unknown tool set is a usage error (exit 2) naming the ones there are', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/mcp.ts', 'serve', '--catalog', catalogFile, '--toolset', 'nope'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.equal(code, 2);
  assert.match(
    err,
    /tool set 'nope' is not in .* \(have: swagger-petstore, link-example, notes, weather, city-library\)/,
  );
});

test('live MCP import (stdio) keeps the server schemas; its tool set forwards calls to the real server', async () => {
  const source = serveCommand('notes');
  const { catalog: imported, problems } = await importSources([source]);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    imported.tools.map((t) => t.name),
    catalog.toolSets.find((s) => s.id === 'notes')!.toolNames,
  );
  assert.deepEqual(imported.tools[0].inputSchema, catalog.tools.find((t) => t.name === 'create_note')!.inputSchema);
  const set = imported.toolSets[0];
  assert.deepEqual(set.backend, { kind: 'passthrough', server: source });

  const log = new CallLog();
  const { client, close } = await connectInMemory(
    createToolSetServer({ catalog: imported, toolSetId: set.id, handler: { kind: 'passthrough' }, recorder: log }),
  );
  try {
    const created = await client.callTool({
      name: 'create_note',
      arguments: { title: 'via proxy', body: 'forwarded' },
    });
    assert.equal((created.structuredContent as { id: string }).id, 'note_1');
    const fetched = await client.callTool({ name: 'get_note', arguments: { note_id: 'note_1' } });
    assert.equal((fetched.structuredContent as { body: string }).body, 'forwarded', 'the real server kept the note');
    const missing = await client.callTool({ name: 'delete_note', arguments: {} });
    assert.equal(missing.isError, true);
    assert.deepEqual(
      log.records.map((r) => r.isError),
      [false, false, true],
    );
  } finally {
    await close();
  }
});

test('live MCP import over streamable HTTP, and a server that fails to start is named with its stderr', async () => {
  const http = await serveHttp({
    createSession: () =>
      createToolSetServer({ catalog, toolSetId: 'weather', handler: { kind: 'simulated', seed: 0 } }),
  });
  try {
    const { catalog: imported, problems } = await importSources([http.url]);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      imported.tools.map((t) => t.name),
      ['get_current_weather', 'get_forecast', 'get_air_quality'],
    );
    assert.deepEqual(imported.toolSets[0].backend, { kind: 'passthrough', server: http.url });
  } finally {
    await http.close();
  }
  const broken = `stdio:${process.execPath} -e "console.error('missing API_TOKEN'); process.exit(3)"`;
  const { problems } = await importSources([broken]);
  assert.equal(problems.length, 1);
  assert.equal(problems[0].file, broken);
  assert.match(problems[0].reason, /could not connect to MCP server: MCP server .* did not start: .*missing API_TOKEN/);
});
