// Serves tool-set MCP servers over streamable HTTP: one server object (and so one world state) per
// MCP session, created on the session's initialize request and closed with it. Bodies over a size cap,
// non-JSON bodies and non-object tool arguments are answered with JSON-RPC's own error codes here.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { ToolSetServer } from './tool-server.js';

export type HttpServeOptions = {
  /** Builds a fresh server per session (its own world state). */
  createSession: () => ToolSetServer;
  port?: number; // 0 (default): any free port
  host?: string; // default 127.0.0.1
  path?: string; // default /mcp
  /** Largest request body accepted, in bytes (default 1 MiB); bigger ones are refused before any backend sees them. */
  maxBodyBytes?: number;
};

export const DEFAULT_MAX_BODY_BYTES = 1 << 20;

// JSON-RPC 2.0's own codes, so clients can tell a malformed request from a failed tool.
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
export const INVALID_PARAMS = -32602;
const SERVER_ERROR = -32000;

class BodyTooLarge extends Error {}

export type HttpMcpServer = { url: string; sessions(): number; close(): Promise<void> };

/** The body as text, refusing it as soon as it passes `max` bytes (a 20 MB body is never buffered whole). */
async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > max) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) throw new BodyTooLarge();
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function jsonRpcError(
  res: ServerResponse,
  status: number,
  message: string,
  code = SERVER_ERROR,
  id: unknown = null,
): void {
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id }));
}

/** A tools/call whose `arguments` is not an object: the SDK would answer -32603 with a raw validation dump. */
export function badArguments(body: unknown): { id: unknown; message: string } | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const msg = body as { id?: unknown; method?: unknown; params?: { name?: unknown; arguments?: unknown } };
  if (msg.method !== 'tools/call' || msg.params?.arguments === undefined) return undefined;
  const args = msg.params.arguments;
  if (args !== null && typeof args === 'object' && !Array.isArray(args)) return undefined;
  const got = args === null ? 'null' : Array.isArray(args) ? 'an array' : typeof args;
  return {
    id: msg.id ?? null,
    message: `invalid params: tools/call arguments for '${String(msg.params.name)}' must be a JSON object, got ${got}`,
  };
}

export async function serveHttp(opts: HttpServeOptions): Promise<HttpMcpServer> {
  const route = opts.path ?? '/mcp';
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; session: ToolSetServer }>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== route)
      return jsonRpcError(res, 404, `no MCP endpoint here; use ${route}`);
    const sessionId = req.headers['mcp-session-id'];
    const known = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req, maxBody);
      } catch (e) {
        if (!(e instanceof BodyTooLarge)) throw e;
        res.setHeader('connection', 'close'); // stop reading the rest of an oversized upload
        return jsonRpcError(
          res,
          413,
          `request body is over the ${maxBody}-byte limit; nothing was run`,
          INVALID_REQUEST,
        );
      }
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch (e) {
        return jsonRpcError(res, 400, `parse error: request body is not JSON: ${(e as Error).message}`, PARSE_ERROR);
      }
      const bad = badArguments(body);
      if (bad) return jsonRpcError(res, 200, bad.message, INVALID_PARAMS, bad.id);
      if (known) return known.transport.handleRequest(req, res, body);
      if (sessionId !== undefined)
        return jsonRpcError(res, 404, `unknown MCP session '${sessionId}'; start a new one with an initialize request`);
      if (!isInitializeRequest(body)) return jsonRpcError(res, 400, 'no session: the first request must be initialize');
      const session = opts.createSession();
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, { transport, session }),
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
        void session.close();
      };
      await session.server.connect(transport);
      return transport.handleRequest(req, res, body);
    }
    if (!known) return jsonRpcError(res, 400, `${req.method} needs a known mcp-session-id header`);
    return known.transport.handleRequest(req, res);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) jsonRpcError(res, 500, `internal error: ${(e as Error).message}`);
    });
  });
  await new Promise<void>((ok, fail) => {
    http.once('error', fail);
    http.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => ok());
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}${route}`,
    sessions: () => sessions.size,
    async close() {
      for (const { transport } of [...sessions.values()]) await transport.close().catch(() => undefined);
      http.closeAllConnections();
      await new Promise<void>((ok) => http.close(() => ok()));
    },
  };
}
