// Function-list sources -> catalog tools: OpenAI function/tool JSON, BFCL function docs (with its
// `dict`/`float`/`tuple`/`any` dialect) and MCP tool lists (`{tools:[{name, description, inputSchema}]}`).
import path from 'node:path';
import type { JsonSchema, Tool, ToolSet, ToolSource } from '../domain/catalog.js';
import { compileSchema } from '../domain/schema-validator.js';
import type { ProblemLog } from './problems.js';
import { groupLabel, groupRelated } from './similarity.js';
import { legalToolName, slug } from './tool-names.js';

/** What one source contributes to the catalog, whichever importer read it. */
export type ImportedSource = { tools: Tool[]; toolSets: ToolSet[] };

export type FunctionFormat = 'openai' | 'bfcl' | 'mcp';

/** A function as every list format states it, before its schema is normalized. */
type RawFunction = { name: unknown; description: unknown; schema: unknown; outputSchema?: unknown; pointer: string };

/** Optional metadata a list file may carry at top level, e.g. `{"name": "Notes", "domain": "productivity", "tools": [...]}`. */
type ListMeta = { name?: string; description?: string; domain?: string };

// BFCL's Python, Java and JavaScript categories use their own type names; all map onto JSON Schema.
const BFCL_TYPES: Record<string, string | null> = {
  dict: 'object',
  float: 'number',
  tuple: 'array',
  any: null,
  string: 'string',
  integer: 'integer',
  number: 'number',
  boolean: 'boolean',
  array: 'array',
  object: 'object',
  null: 'null',
  String: 'string',
  char: 'string',
  int: 'integer',
  long: 'integer',
  short: 'integer',
  byte: 'integer',
  Bigint: 'integer',
  double: 'number',
  Boolean: 'boolean',
  HashMap: 'object',
  Map: 'object',
  ArrayList: 'array',
  List: 'array',
  Array: 'array',
};

/** BFCL schema dialect -> JSON Schema; an unknown type name is refused with its pointer. */
export function bfclToJsonSchema(schema: unknown, at: string): JsonSchema {
  const walk = (node: unknown, ptr: string): unknown => {
    if (Array.isArray(node)) return node.map((n, i) => walk(n, `${ptr}/${i}`));
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === 'type' && typeof v === 'string') {
        if (v === '') continue; // BFCL's own data has a few empty types; its checker accepts any value there
        if (!(v in BFCL_TYPES)) throw new UnsupportedType(`${ptr}/type`, v);
        const mapped = BFCL_TYPES[v];
        if (mapped !== null) out.type = mapped;
      } else if (k === 'properties' && v && typeof v === 'object') {
        out.properties = Object.fromEntries(
          Object.entries(v).map(([p, s]) => [
            p,
            walk(s, `${ptr}/properties/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`),
          ]),
        );
      } else if (k === 'default' || k === 'enum' || k === 'const' || k === 'examples') {
        out[k] = v; // values, not schemas: copied as they are
      } else {
        out[k] = walk(v, `${ptr}/${k}`);
      }
    }
    return out;
  };
  return walk(schema, at) as JsonSchema;
}

export class UnsupportedType extends Error {
  constructor(
    readonly pointer: string,
    readonly typeName: string,
  ) {
    super(`unsupported type '${typeName}' (known: ${Object.keys(BFCL_TYPES).join(', ')})`);
  }
}

/** Finds the functions in a parsed list document, whichever wrapper it uses. */
export function listFunctions(
  doc: unknown,
  format: FunctionFormat,
  log: ProblemLog,
): { fns: RawFunction[]; meta: ListMeta } {
  const meta: ListMeta = {};
  let items: unknown[];
  let base: string;
  if (Array.isArray(doc)) {
    items = doc;
    base = '';
  } else if (doc && typeof doc === 'object') {
    const o = doc as Record<string, unknown>;
    for (const k of ['name', 'description', 'domain'] as const) if (typeof o[k] === 'string') meta[k] = o[k] as string;
    const key = ['tools', 'functions', 'function'].find((k) => Array.isArray(o[k]));
    if (key) {
      items = o[key] as unknown[];
      base = `/${key}`;
    } else if ('name' in o && ('parameters' in o || 'inputSchema' in o || 'function' in o)) {
      items = [o];
      base = '';
      delete meta.name;
      delete meta.description;
    } else {
      log.error('', `no function list found: expected an array, or an object with a 'tools' or 'functions' array`);
      return { fns: [], meta };
    }
  } else {
    log.error('', 'expected a JSON array or object of function definitions');
    return { fns: [], meta };
  }
  const fns = items.map((item, i): RawFunction => {
    const pointer = items.length === 1 && base === '' && !Array.isArray(doc) ? '' : `${base}/${i}`;
    const it = (item ?? {}) as Record<string, any>;
    if (format === 'openai' && it.type === 'function' && it.function && typeof it.function === 'object') {
      return {
        name: it.function.name,
        description: it.function.description,
        schema: it.function.parameters,
        pointer: `${pointer}/function`,
      };
    }
    if (format === 'mcp')
      return {
        name: it.name,
        description: it.description,
        schema: it.inputSchema,
        outputSchema: it.outputSchema,
        pointer,
      };
    return { name: it.name, description: it.description, schema: it.parameters, pointer };
  });
  return { fns, meta };
}

export function functionsToSource(
  fns: RawFunction[],
  meta: ListMeta,
  format: FunctionFormat,
  file: string,
  log: ProblemLog,
  backend?: ToolSet['backend'],
): ImportedSource {
  const tools: Tool[] = [];
  const schemaKey = format === 'mcp' ? 'inputSchema' : 'parameters';
  const setId = slug(meta.name ?? path.basename(file).replace(/\.(json|jsonl|ya?ml)$/i, ''));
  const domain = meta.domain ?? setId;
  for (const fn of fns) {
    if (typeof fn.name !== 'string' || fn.name.trim() === '') {
      log.error(`${fn.pointer}/name`, 'function has no name');
      continue;
    }
    let schema: JsonSchema;
    try {
      const raw = fn.schema === undefined ? { type: 'object', properties: {} } : fn.schema;
      schema = format === 'bfcl' ? bfclToJsonSchema(raw, `${fn.pointer}/${schemaKey}`) : (raw as JsonSchema);
    } catch (e) {
      if (!(e instanceof UnsupportedType)) throw e;
      log.error(e.pointer, `tool '${fn.name}': ${e.message}`);
      continue;
    }
    if (!schema || typeof schema !== 'object' || schema.type !== 'object') {
      log.error(
        `${fn.pointer}/${schemaKey}`,
        `tool '${fn.name}': parameters must be a JSON Schema of type 'object' (got type ${JSON.stringify((schema as JsonSchema | null)?.type)})`,
      );
      continue;
    }
    if (!schema.properties) schema = { ...schema, properties: {} };
    schema = dropUndefinedRequired(schema, `${fn.pointer}/${schemaKey}`, fn.name, log);
    const compiled = compileSchema(schema);
    if (!compiled.ok) {
      log.error(`${fn.pointer}/${schemaKey}`, `tool '${fn.name}': schema does not compile: ${compiled.error}`);
      continue;
    }
    let outputSchema: JsonSchema | undefined;
    if (fn.outputSchema && typeof fn.outputSchema === 'object') {
      const out = compileSchema(fn.outputSchema as JsonSchema);
      if (out.ok) outputSchema = fn.outputSchema as JsonSchema;
      else
        log.warn(
          `${fn.pointer}/outputSchema`,
          `tool '${fn.name}': output schema dropped, it does not compile: ${out.error}`,
        );
    }
    const source: ToolSource = { kind: format, location: file, ...(fn.pointer ? { pointer: fn.pointer } : {}) };
    tools.push({
      name: legalToolName(fn.name),
      originalName: fn.name,
      description: typeof fn.description === 'string' && fn.description.trim() ? fn.description.trim() : fn.name,
      inputSchema: schema,
      ...(outputSchema ? { outputSchema } : {}),
      source,
      tags: [domain],
    });
  }
  return {
    tools,
    toolSets: toolSetsFor(tools, {
      id: setId,
      name: meta.name ?? setId,
      description: meta.description ?? '',
      domain,
      backend: backend ?? { kind: 'simulated' },
    }),
  };
}

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * A `required` name that `properties` does not define (BFCL's own data has some) asks for an argument nobody can
 * know the shape of, and would fail every generated call: each is warned with its pointer and dropped from
 * `required`, so the rest of the tool imports. Nested object schemas (properties, items) are checked too.
 */
export function dropUndefinedRequired(schema: JsonSchema, at: string, tool: string, log: ProblemLog): JsonSchema {
  const walk = (node: unknown, ptr: string): unknown => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return node;
    let out = node as Record<string, unknown>;
    const props =
      out.properties && typeof out.properties === 'object' ? (out.properties as Record<string, unknown>) : undefined;
    if (props && Array.isArray(out.required)) {
      const required = out.required as unknown[];
      const missing = required.flatMap((r, i) =>
        typeof r === 'string' && !Object.hasOwn(props, r) ? [[r, i] as const] : [],
      );
      for (const [name, i] of missing) {
        log.warn(
          `${ptr}/required/${i}`,
          `tool '${tool}': required parameter '${name}' is not defined in properties; dropped from required`,
        );
      }
      if (missing.length) out = { ...out, required: required.filter((r) => !missing.some(([name]) => name === r)) };
    }
    if (props)
      out = {
        ...out,
        properties: Object.fromEntries(
          Object.entries(props).map(([k, v]) => [k, walk(v, `${ptr}/properties/${escapePointer(k)}`)]),
        ),
      };
    if (out.items) out = { ...out, items: walk(out.items, `${ptr}/items`) };
    return out;
  };
  return walk(schema, at) as JsonSchema;
}

/** Above this many tools a list is split into sets of related tools: a task offers one whole set. */
export const MAX_TOOLS_PER_SET = 8;

/** One set for a small list; clusters of related tools (`<id>.1`, `<id>.2`, ...) for a big one. */
export function toolSetsFor(tools: Tool[], base: Omit<ToolSet, 'toolNames'>): ToolSet[] {
  if (tools.length === 0) return [];
  // A live server's tools stay together: they are one backend, and it is the user's to split.
  if (tools.length <= MAX_TOOLS_PER_SET || base.backend.kind === 'passthrough')
    return [{ ...base, toolNames: tools.map((t) => t.name) }];
  return groupRelated(tools, MAX_TOOLS_PER_SET).map((group, k) => ({
    ...base,
    id: `${base.id}.${k + 1}`,
    name: `${base.name}: ${groupLabel(group)}`,
    toolNames: group.map((t) => t.name),
  }));
}
