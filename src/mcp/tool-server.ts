// A tool set served as an MCP server built at run time from the catalog: tools listed with their JSON
// Schemas, arguments checked with ajv before any backend sees them, every call recorded for the trace.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { McpCallRecord } from '../domain/trajectory.js';
import type { ChatClient } from '../domain/chat.js';
import { toolsOf, type Catalog, type Tool } from '../domain/catalog.js';
import { compileSchema, describeErrors } from '../domain/schema-validator.js';
import { sharedSchemaValidator } from '../specs/mcp-client.js';
import type { ToolBackend, ToolOutcome } from './backend.js';
import { PassthroughBackend } from './passthrough-backend.js';
import { SimulatedBackend } from './simulated-backend.js';
import { emptyWorld, WorldStateSchema, type WorldState } from './world-state.js';
import { isOutage } from '../llm/outage.js';

export type ToolHandlerConfig =
  | {
      kind: 'simulated';
      /** The LLM that role-plays the backend; absent: schema-only replies (offline, deterministic). */
      llm?: ChatClient;
      seed: number;
      temperature?: number;
      maxTokens?: number;
      /** Re-asks after an invalid reply (default 1); 0 goes straight to the schema default, for slow local models. */
      retries?: 0 | 1;
    }
  | { kind: 'passthrough'; /** Defaults to the tool set's backend.server. */ server?: string };

/** Largest tool-call arguments accepted (JSON bytes), whatever the transport. */
export const MAX_ARGUMENT_BYTES = 256 * 1024;

/** A call as recorded; `repaired` says why a simulated reply was synthesized or fixed. */
export type RecordedCall = McpCallRecord & { repaired?: string };
export type CallRecorder = ((record: RecordedCall) => void) | { record(record: RecordedCall): void };

export type CreateToolSetServerOptions = {
  catalog: Catalog;
  toolSetId: string;
  handler: ToolHandlerConfig;
  recorder?: CallRecorder;
  /** Start from this world (e.g. a replay's saved state) instead of an empty one. */
  initialState?: WorldState;
};

export type ToolSetServer = {
  /** The MCP server; connect it to any transport (one transport per server object). */
  server: Server;
  tools: Tool[];
  /** The session's world state (live object: read it, do not mutate it). */
  state(): WorldState;
  /** Calls the handler directly, without MCP framing; what the MCP handler does after parsing. */
  callTool(name: string, args: unknown): Promise<CallToolResult>;
  /** The endpoint outage that failed a call (the simulator's model stayed away), if one did. */
  outage(): Error | undefined;
  close(): Promise<void>;
};

/** Collects records in memory: the simplest recorder for tests and trajectories. */
export class CallLog {
  readonly records: RecordedCall[] = [];
  record = (r: RecordedCall): void => {
    this.records.push(r);
  };
}

export function createToolSetServer(opts: CreateToolSetServerOptions): ToolSetServer {
  const tools = toolsOf(opts.catalog, opts.toolSetId);
  const toolSet = opts.catalog.toolSets.find((s) => s.id === opts.toolSetId)!;
  const byName = new Map(tools.map((t) => [t.name, t]));
  const world = opts.initialState ? WorldStateSchema.parse(structuredClone(opts.initialState)) : emptyWorld();
  let backend: ToolBackend;
  if (opts.handler.kind === 'passthrough') {
    const target = opts.handler.server ?? (toolSet.backend.kind === 'passthrough' ? toolSet.backend.server : undefined);
    if (!target)
      throw new Error(
        `tool set '${toolSet.id}' has a simulated backend and no server was given: pass handler.server ('stdio:<command>' or an http(s) URL) to forward calls`,
      );
    backend = new PassthroughBackend(target, toolSet.backend.kind === 'passthrough' ? toolSet.backend.env : undefined);
  } else {
    backend = new SimulatedBackend({
      toolSet,
      world,
      llm: opts.handler.llm,
      seed: opts.handler.seed,
      temperature: opts.handler.temperature,
      maxTokens: opts.handler.maxTokens,
      retries: opts.handler.retries,
    });
  }
  const record = (r: RecordedCall) => {
    if (!opts.recorder) return;
    if (typeof opts.recorder === 'function') opts.recorder(r);
    else opts.recorder.record(r);
  };

  const server = new Server(
    { name: `inftool-${toolSet.id}`, version: '0.1.0' },
    {
      capabilities: { tools: {} },
      instructions: toolSet.description || undefined,
      jsonSchemaValidator: sharedSchemaValidator,
    },
  );
  const listed = tools.map((t) => ({
    name: t.name,
    ...(t.title ? { title: t.title } : {}),
    description: t.description,
    inputSchema: t.inputSchema as { type: 'object'; [k: string]: unknown },
    ...(t.annotations ? { annotations: t.annotations } : {}),
    // MCP only allows object output schemas; other shapes are still enforced by the simulator.
    ...(t.outputSchema && t.outputSchema.type === 'object'
      ? { outputSchema: t.outputSchema as { type: 'object'; [k: string]: unknown } }
      : {}),
  }));
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: listed }));

  let outage: Error | undefined;
  // Calls run one at a time per session so the world evolves in arrival order: replays see the same order.
  let queue: Promise<unknown> = Promise.resolve();
  const callTool = (name: string, rawArgs: unknown): Promise<CallToolResult> => {
    const run = queue.then(() => handle(name, rawArgs));
    queue = run.catch(() => undefined);
    return run;
  };

  const handle = async (name: string, rawArgs: unknown): Promise<CallToolResult> => {
    const started = performance.now();
    const isObject = rawArgs !== null && typeof rawArgs === 'object' && !Array.isArray(rawArgs);
    // Records need an object; a non-object is refused below, and recorded as {} with the error saying why.
    const args = (isObject ? rawArgs : {}) as Record<string, unknown>;
    const finish = (outcome: ToolOutcome): CallToolResult => {
      const latencyMs = performance.now() - started;
      if (!outcome.ok) {
        record({ tool: name, arguments: args, isError: true, error: outcome.error, latencyMs, tokens: outcome.tokens });
        return { content: [{ type: 'text', text: outcome.error }], isError: true };
      }
      const tool = byName.get(name);
      const advertised = tool?.outputSchema?.type === 'object';
      if (advertised) {
        // MCP clients reject a result that breaks an advertised output schema; say so as this call's error instead.
        const check = compileSchema(tool!.outputSchema!);
        if (!check.ok) {
          return finish({
            ok: false,
            error: `tool '${name}' produced a result that cannot be checked: its output schema does not compile: ${check.error}`,
            tokens: outcome.tokens,
          });
        }
        if (!check.validate(outcome.value)) {
          return finish({
            ok: false,
            error: `tool '${name}' produced a result that does not match its output schema: ${describeErrors(check.validate.errors)}`,
            tokens: outcome.tokens,
          });
        }
      }
      record({
        tool: name,
        arguments: args,
        result: outcome.value,
        isError: false,
        latencyMs,
        tokens: outcome.tokens,
        ...(outcome.repaired ? { repaired: outcome.repaired } : {}),
      });
      const text = typeof outcome.value === 'string' ? outcome.value : JSON.stringify(outcome.value ?? null);
      const structured = advertised;
      return {
        content: [{ type: 'text', text }],
        ...(structured ? { structuredContent: outcome.value as Record<string, unknown> } : {}),
        ...(outcome.repaired ? { _meta: { 'inftool/repaired': outcome.repaired } } : {}),
      };
    };
    const tool = byName.get(name);
    if (!tool)
      return finish({
        ok: false,
        error: `unknown tool '${name}'; this server has: ${tools.map((t) => t.name).join(', ')}`,
        tokens: 0,
      });
    if (rawArgs !== undefined && !isObject) {
      return finish({
        ok: false,
        error: `invalid arguments for tool '${name}': arguments must be a JSON object`,
        tokens: 0,
      });
    }
    // Any transport (stdio has no body cap of its own): oversized arguments never reach a backend or a model.
    const size = Buffer.byteLength(JSON.stringify(args));
    if (size > MAX_ARGUMENT_BYTES) {
      return finish({
        ok: false,
        error: `invalid arguments for tool '${name}': ${size} bytes, over the ${MAX_ARGUMENT_BYTES}-byte limit`,
        tokens: 0,
      });
    }
    // A schema that does not compile admits no arguments (src/domain/schema-validator.ts): refused, not waved through.
    const compiled = compileSchema(tool.inputSchema);
    if (!compiled.ok)
      return finish({
        ok: false,
        error: `invalid arguments for tool '${name}': its input schema does not compile: ${compiled.error}`,
        tokens: 0,
      });
    if (!compiled.validate(args)) {
      return finish({
        ok: false,
        error: `invalid arguments for tool '${name}': ${describeErrors(compiled.validate.errors)}`,
        tokens: 0,
      });
    }
    try {
      return finish(await backend.call(tool, args));
    } catch (e) {
      // The simulator's model stayed away: no answer exists, so the call fails (an MCP error, not a tool
      // result) and the session remembers why; the caller ends the trajectory and the activity is retried.
      if (isOutage(e)) throw (outage = e as Error);
      // A backend bug must not take the session down: it becomes this call's error.
      return finish({
        ok: false,
        error: `tool '${name}' failed in the ${opts.handler.kind} backend: ${(e as Error).message}`,
        tokens: 0,
      });
    }
  };

  server.setRequestHandler(CallToolRequestSchema, async (request) =>
    callTool(request.params.name, request.params.arguments),
  );

  return {
    server,
    tools,
    state: () => world,
    callTool,
    outage: () => outage,
    async close() {
      await backend.close();
      await server.close();
    },
  };
}
