// How the project reaches an MCP server as a client: in memory (a linked transport pair, for the
// pipeline and tests), or a real server named `stdio:<command>` or by a streamable-HTTP URL.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';

export type McpConnection = { client: Client; close(): Promise<void> };

const CLIENT_INFO = { name: 'inftool', version: '0.1.0' };

/**
 * One JSON Schema validator for every in-process client and server: the SDK's default builds a new ajv per
 * Client and per Server (about a millisecond each, and synthesis opens one pair per trajectory). The SDK's
 * own validator over one ajv, its validators kept per schema content so ajv compiles each schema once.
 */
const sdkValidator = new AjvJsonSchemaValidator();
const validators = new Map<string, JsonSchemaValidator<unknown>>();
export const sharedSchemaValidator: jsonSchemaValidator = {
  getValidator<T>(schema: Parameters<jsonSchemaValidator['getValidator']>[0]): JsonSchemaValidator<T> {
    const key = JSON.stringify(schema);
    let v = validators.get(key);
    if (!v) validators.set(key, (v = sdkValidator.getValidator(schema)));
    return v as JsonSchemaValidator<T>;
  },
};

/** Links a client to a server object in this process; no I/O, ~100 µs per round trip. */
export async function connectInMemory(
  server: Server | { server: Server; close(): Promise<void> },
): Promise<McpConnection> {
  const srv = server instanceof Server ? server : server.server;
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await srv.connect(serverSide);
  const client = new Client(CLIENT_INFO, { jsonSchemaValidator: sharedSchemaValidator });
  await client.connect(clientSide);
  return {
    client,
    async close() {
      await client.close();
      await server.close(); // a ToolSetServer also closes its backend (e.g. a passthrough connection)
    },
  };
}

/** Splits `node server.js --flag "two words"` into argv, honouring single and double quotes. */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of command.matchAll(re)) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]));
  return words;
}

/** `stdio:<command>` spawns the server; `http(s)://...` speaks streamable HTTP to it. */
export async function connectToServer(
  target: string,
  opts: { env?: Record<string, string>; cwd?: string } = {},
): Promise<McpConnection> {
  const client = new Client(CLIENT_INFO);
  if (target.startsWith('stdio:')) {
    const [command, ...args] = splitCommand(target.slice('stdio:'.length));
    if (!command)
      throw new Error(
        `MCP server '${target}': nothing to run after 'stdio:'; write e.g. 'stdio:npx -y @modelcontextprotocol/server-everything'`,
      );
    const transport = new StdioClientTransport({
      command,
      args,
      env: { ...getDefaultEnvironment(), ...(opts.env ?? {}) },
      cwd: opts.cwd,
      stderr: 'pipe',
    });
    // Drain the server's stderr (a full pipe would block it) and keep its tail to explain a failed start.
    let stderrTail = '';
    transport.stderr?.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString('utf8')).slice(-2000);
    });
    try {
      await client.connect(transport);
    } catch (e) {
      await transport.close().catch(() => undefined);
      throw new Error(
        `MCP server '${target}' did not start: ${(e as Error).message}${stderrTail.trim() ? `; its stderr ends with: ${stderrTail.trim()}` : ''}`,
      );
    }
    return { client, close: () => client.close() };
  }
  if (/^https?:\/\//.test(target)) {
    const transport = new StreamableHTTPClientTransport(new URL(target));
    await client.connect(transport);
    return {
      client,
      async close() {
        await transport.terminateSession().catch(() => undefined); // servers may not support DELETE; closing is enough then
        await client.close();
      },
    };
  }
  throw new Error(`MCP server '${target}' is neither 'stdio:<command>' nor an http(s):// URL`);
}

/** The named variables' values from this process; a declared one that is unset is an error naming it. */
export function passEnv(names: string[] = [], from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const missing = names.filter((n) => from[n] === undefined);
  if (missing.length)
    throw new Error(
      `environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')} declared for this server but not set`,
    );
  return Object.fromEntries(names.map((n) => [n, from[n] as string]));
}
