// The normalized tool catalog: every source (OpenAPI, OpenAI functions, BFCL docs, live MCP servers)
// becomes these shapes, and every later stage reads tools only from here.
import { z } from 'zod';

export const JsonSchemaSchema = z.record(z.unknown());
export type JsonSchema = Record<string, unknown>;

export const ToolSourceSchema = z.object({
  kind: z.enum(['openapi', 'openai', 'bfcl', 'mcp', 'merged']),
  /** File path or URL or MCP command the tool came from. */
  location: z.string(),
  /** JSON pointer inside the source (e.g. `/paths/~1pets/get`), when the source is a document. */
  pointer: z.string().optional(),
});
export type ToolSource = z.infer<typeof ToolSourceSchema>;

/** OpenAI tool names must match this; originals are kept in `originalName`. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** A POSIX environment variable name. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const ToolSchema = z.object({
  name: z.string().regex(TOOL_NAME_PATTERN),
  originalName: z.string(),
  description: z.string(),
  inputSchema: JsonSchemaSchema, // always {type:'object', properties, required?}
  outputSchema: JsonSchemaSchema.optional(),
  source: ToolSourceSchema,
  tags: z.array(z.string()).default([]),
  /** A live MCP server's display title and behaviour hints (readOnlyHint, destructiveHint, ...), kept as listed. */
  title: z.string().optional(),
  annotations: z.record(z.unknown()).optional(),
  /** For merged tools: the names of the tools they replace. */
  mergedFrom: z.array(z.string()).optional(),
});
export type Tool = z.infer<typeof ToolSchema>;

export const ToolSetSchema = z.object({
  id: z.string().regex(/^[a-zA-Z0-9_.-]+$/),
  name: z.string(),
  description: z.string().default(''),
  domain: z.string().default('general'),
  toolNames: z.array(z.string()).min(1),
  /** How calls are answered: simulated by an LLM, or forwarded to the real MCP server they came from. */
  backend: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('simulated') }),
      z.object({
        kind: z.literal('passthrough'),
        server: z.string(), // `stdio:<cmd>` or an http(s) URL
        /** Environment variables the server needs (e.g. an API key), by name: values are read at start, never stored. */
        env: z.array(z.string().regex(ENV_NAME_PATTERN)).optional(),
      }),
    ])
    .default({ kind: 'simulated' }),
});
export type ToolSet = z.infer<typeof ToolSetSchema>;

export const CatalogSchema = z.object({
  version: z.literal(1),
  tools: z.array(ToolSchema),
  toolSets: z.array(ToolSetSchema),
});
export type Catalog = z.infer<typeof CatalogSchema>;

export function toolsOf(catalog: Catalog, toolSetId: string): Tool[] {
  const set = catalog.toolSets.find((s) => s.id === toolSetId);
  if (!set)
    throw new Error(
      `tool set '${toolSetId}' is not in the catalog (have: ${catalog.toolSets.map((s) => s.id).join(', ')})`,
    );
  const byName = new Map(catalog.tools.map((t) => [t.name, t]));
  return set.toolNames.map((n) => {
    const tool = byName.get(n);
    if (!tool) throw new Error(`tool set '${toolSetId}' names tool '${n}', which the catalog lacks`);
    return tool;
  });
}
