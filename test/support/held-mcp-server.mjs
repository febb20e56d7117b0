// A stdio MCP server that is slow to start: it records its pid in <started>, then waits while the file
// <hold> exists before it answers (a live MCP source that takes minutes to come up), then serves one tool.
import { appendFileSync, existsSync } from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const [hold, started] = process.argv.slice(2);
appendFileSync(started, `${process.pid}\n`);
process.stdin.once('end', () => process.exit(0)); // the importing worker died
while (existsSync(hold)) await new Promise((r) => setTimeout(r, 100));

const server = new Server({ name: 'held', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [
    {
      name: 'get_weather',
      description: 'Current weather for a city.',
      inputSchema: {
        type: 'object',
        properties: { city: { type: 'string', description: 'City name' } },
        required: ['city'],
      },
    },
  ],
}));
await server.connect(new StdioServerTransport());
