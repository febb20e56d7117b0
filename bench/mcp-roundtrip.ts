// MCP round trips per second through the generated server, and what the simulation adds per call
// apart from the LLM's own time: an instant fake LLM vs a raw handler that returns a constant.
// Run: node --import tsx bench/mcp-roundtrip.ts [calls=2000]
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChatClient, ChatResponse } from '../src/domain/chat.js';
import { connectInMemory, connectToServer, type McpConnection } from '../src/specs/mcp-client.js';
import { serveHttp } from '../src/mcp/http-server.js';
import { createToolSetServer } from '../src/mcp/tool-server.js';
import { loadExampleCatalog } from '../src/specs/examples.js';

const N = Number(process.argv[2] ?? 2000);
const catalog = await loadExampleCatalog();
const weather = catalog.tools.find((t) => t.name === 'get_current_weather')!;

/** Answers at once with a valid result: the LLM's own time is zero, so what remains is our overhead. */
const instantLlm: ChatClient = {
  label: 'instant',
  async chat(): Promise<ChatResponse> {
    return {
      message: { role: 'assistant', content: '{"result":{"temperature":18,"conditions":"clear"}}' },
      usage: { promptTokens: 0, completionTokens: 0 },
      latencyMs: 0,
      finishReason: 'stop',
    };
  },
};

function rawServer(): Server {
  const server = new Server({ name: 'raw', version: '0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [{ name: weather.name, inputSchema: weather.inputSchema as { type: 'object' } }],
  }));
  server.setRequestHandler(CallToolRequestSchema, async () => ({
    content: [{ type: 'text', text: '{"temperature":18,"conditions":"clear"}' }],
  }));
  return server;
}

/** Distinct cities, so the simulator's observation memory never short-cuts a call. */
async function measure(conn: McpConnection, n: number): Promise<number> {
  for (let i = 0; i < Math.min(50, n); i++)
    await conn.client.callTool({ name: weather.name, arguments: { city: `warm-${i}` } });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await conn.client.callTool({ name: weather.name, arguments: { city: `city-${i}` } });
  return (performance.now() - t0) / n;
}

const rows: Array<[string, number]> = [];
const run = async (label: string, conn: McpConnection, n = N) => {
  const ms = await measure(conn, n);
  await conn.close();
  rows.push([label, ms]);
};

// In memory the three setups are interleaved over 5 rounds and the median kept, so JIT warm-up and
// machine noise do not favour whichever runs last.
const inMemory: Array<[string, () => Promise<McpConnection>]> = [
  ['in-memory, raw constant handler (baseline)', () => connectInMemory(rawServer())],
  [
    'in-memory, simulated, instant fake LLM',
    () =>
      connectInMemory(
        createToolSetServer({
          catalog,
          toolSetId: 'weather',
          handler: { kind: 'simulated', llm: instantLlm, seed: 0 },
        }),
      ),
  ],
  [
    'in-memory, simulated, no LLM (schema-only)',
    () =>
      connectInMemory(createToolSetServer({ catalog, toolSetId: 'weather', handler: { kind: 'simulated', seed: 0 } })),
  ],
];
const samples = inMemory.map(() => [] as number[]);
for (let round = 0; round < 5; round++) {
  for (const [i, [, connect]] of inMemory.entries()) {
    const conn = await connect();
    samples[i].push(await measure(conn, N));
    await conn.close();
  }
}
for (const [i, [label]] of inMemory.entries()) rows.push([label, samples[i].sort((a, b) => a - b)[2]]);

const http = await serveHttp({
  createSession: () =>
    createToolSetServer({ catalog, toolSetId: 'weather', handler: { kind: 'simulated', llm: instantLlm, seed: 0 } }),
});
await run('HTTP (127.0.0.1), simulated, instant fake LLM', await connectToServer(http.url), Math.min(N, 500));
await http.close();

const file = path.join(mkdtempSync(path.join(tmpdir(), 'bench-mcp-')), 'catalog.json');
writeFileSync(file, JSON.stringify(catalog));
await run(
  'stdio (child process), simulated, no LLM',
  await connectToServer(
    `stdio:${process.execPath} --import tsx src/cli/mcp.ts serve --catalog ${file} --toolset weather`,
  ),
  Math.min(N, 1000),
);

const base = rows[0][1];
console.log(
  `calls per transport: ${N} in memory (HTTP ${Math.min(N, 500)}, stdio ${Math.min(N, 1000)}); node ${process.version}`,
);
console.log('setup'.padEnd(50), 'µs/call'.padStart(9), 'calls/s'.padStart(9), 'x baseline'.padStart(11));
for (const [label, ms] of rows)
  console.log(
    label.padEnd(50),
    (ms * 1000).toFixed(0).padStart(9),
    (1000 / ms).toFixed(0).padStart(9),
    (ms / base).toFixed(2).padStart(11),
  );
console.log(`simulation overhead per call (instant LLM - raw): ${((rows[1][1] - base) * 1000).toFixed(0)} µs`);
