// One MCP session per trajectory: the tool set's server (simulated or passthrough) linked in memory to a
// client, with the server's own call log as the trajectory's trace. What synthesis gets as `mcp`.
import type { Catalog } from '../domain/catalog.js';
import { CallLog, createToolSetServer, type ToolHandlerConfig } from '../mcp/tool-server.js';
import { connectInMemory } from '../specs/mcp-client.js';
import type { McpFactory } from './synthesize.js';

/** A factory opening a fresh server + client per trajectory, so world state and traces never leak across tasks. */
export function mcpSessionFactory(catalog: Catalog, toolSetId: string, handler: ToolHandlerConfig): McpFactory {
  return async () => {
    const log = new CallLog();
    const server = createToolSetServer({ catalog, toolSetId, handler, recorder: log });
    const conn = await connectInMemory(server);
    return { client: conn.client, trace: log.records, outage: () => server.outage(), close: () => conn.close() };
  };
}
