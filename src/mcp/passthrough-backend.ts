// Forwards calls to the real MCP server a tool set was imported from, under the tool's original name;
// the connection opens on the first call and closes with the session. A stdio server gets the declared
// environment variables (by name, from this process), so an API key never has to be written into the catalog.
import type { Tool } from '../domain/catalog.js';
import type { ToolBackend, ToolOutcome } from './backend.js';
import { connectToServer, passEnv, type McpConnection } from '../specs/mcp-client.js';
import { toolResultText } from './tool-result.js';

export class PassthroughBackend implements ToolBackend {
  private connection?: Promise<McpConnection>;
  constructor(
    private readonly target: string,
    private readonly envNames: string[] = [],
  ) {}

  async call(tool: Tool, args: Record<string, unknown>): Promise<ToolOutcome> {
    try {
      this.connection ??= connectToServer(this.target, { env: passEnv(this.envNames) });
      const { client } = await this.connection;
      const result = await client.callTool({ name: tool.originalName, arguments: args });
      const text = toolResultText(result);
      if (result.isError) return { ok: false, error: text || 'the server reported an error without text', tokens: 0 };
      let value: unknown = result.structuredContent;
      if (value === undefined) {
        try {
          value = JSON.parse(text);
        } catch {
          value = text;
        }
      }
      return { ok: true, value, tokens: 0 };
    } catch (e) {
      return { ok: false, error: `forwarding to ${this.target} failed: ${(e as Error).message}`, tokens: 0 };
    }
  }

  async close(): Promise<void> {
    if (this.connection) await (await this.connection.catch(() => undefined))?.close().catch(() => undefined);
  }
}
