// OpenAPI 3.0/3.1 (and Swagger 2.0, converted) -> catalog tools: one tool per operation, parameters and JSON
// request body merged into one input schema, the success response kept as output schema. `$ref`s resolve per
// operation relative to the file holding them (path items and operations may live in their own files), so one
// bad reference refuses only the operation that uses it; shared schemas are cut to fit a per-tool token budget.
import { createRequire } from 'node:module';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { JsonSchema, Tool, ToolSet } from '../domain/catalog.js';
import { compileSchema } from '../domain/schema-validator.js';
import { isCircular, openApiToJsonSchema } from './json-schema.js';
import { jsonPointer, type ProblemLog } from './problems.js';
import { MAX_TOOLS_PER_SET, toolSetsFor, type ImportedSource } from './import-functions.js';
import {
  follow,
  memoRefs,
  OverBudget,
  refKey,
  RefError,
  SchemaExpander,
  type Located,
  type ParsedRefs,
  type Refs,
} from './schema-expand.js';
import { legalToolName, operationName, slug } from './tool-names.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
// Headers that OpenAPI itself says are ignored as parameters, plus credentials a model must never fill.
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

/**
 * What one tool may cost a model to read, in tokens (estimated as JSON characters / 4): description,
 * input schema and output schema each have their share; shared schemas are cut level by level to fit.
 */
export const TOOL_TOKEN_BUDGET = { description: 1000, input: 4500, output: 2500 } as const;
const CHARS_PER_TOKEN = 4;
// $ref depths are tried upwards (0: only the schema's own $ref is followed) until the next level no longer
// fits or nothing more was cut, so a huge shared-schema graph costs about one budget, not one per level;
// when even depth 0 is too big (Adyen's payment request: wide and heavily documented), descriptions are
// clipped, then dropped.
const MAX_REF_DEPTH = 8;
const DESCRIPTION_LIMITS = [200, 60, 0];

function jsonContentSchema(content: unknown): { schema?: unknown; mediaType?: string } {
  if (!content || typeof content !== 'object') return {};
  const entries = Object.entries(content as Record<string, { schema?: unknown }>);
  const pick =
    entries.find(([mt]) => /[/+]json\b/.test(mt)) ??
    entries.find(([mt]) => mt === 'application/x-www-form-urlencoded' || mt === 'multipart/form-data') ??
    // `*/*` (Kubernetes, many generated specs) with a schema: the server takes any type, JSON included.
    entries.find(([mt, v]) => (mt === '*/*' || mt === 'application/*') && v?.schema !== undefined);
  return pick ? { schema: pick[1]?.schema ?? {}, mediaType: pick[0] } : { mediaType: entries[0]?.[0] };
}

type SwaggerConverter = { convertObj(doc: object, options: object): Promise<{ openapi: Record<string, any> }> };

/** Swagger 2.0 -> OpenAPI 3.0 with swagger2openapi (loaded lazily: only 2.0 sources need it). */
async function convertSwagger2(doc: Record<string, any>, file: string): Promise<Record<string, any>> {
  let converter: SwaggerConverter;
  try {
    converter = createRequire(import.meta.url)('swagger2openapi') as SwaggerConverter;
  } catch {
    throw new Error("converting Swagger 2.0 needs the npm package 'swagger2openapi' (npm install swagger2openapi)");
  }
  // patch: fix the small errors real 2.0 documents carry; warnOnly: never refuse the whole document over them.
  const { openapi } = await converter.convertObj(doc, {
    patch: true,
    warnOnly: true,
    resolve: false,
    source: file,
    text: '-',
  });
  return openapi;
}

/** Reads, converts (2.0) and resolves one document; null (with the reason logged) when it cannot be imported. */
async function loadDocument(
  absFile: string,
  log: ProblemLog,
): Promise<{ doc: Record<string, any>; refs: Refs } | null> {
  const parser = new SwaggerParser();
  let doc: Record<string, any>;
  try {
    doc = (await parser.parse(absFile)) as Record<string, any>;
  } catch (e) {
    log.error('', `not a readable OpenAPI document: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
  if (typeof doc.swagger === 'string') {
    if (!/^2\./.test(doc.swagger)) {
      log.error('/swagger', `Swagger ${doc.swagger} is not supported; expected 2.0 or OpenAPI 3.x`);
      return null;
    }
    try {
      doc = await convertSwagger2(doc, absFile);
    } catch (e) {
      log.error(
        '/swagger',
        `Swagger ${doc.swagger} could not be converted to OpenAPI 3: ${(e as Error).message.split('\n')[0]}`,
      );
      return null;
    }
  }
  if (typeof doc.openapi !== 'string' || !/^3\.[01]\./.test(doc.openapi)) {
    log.error('/openapi', `expected 'openapi: 3.0.x' or '3.1.x', found ${JSON.stringify(doc.openapi)}`);
    return null;
  }
  if (!doc.paths || typeof doc.paths !== 'object') {
    log.error('/paths', 'the document has no paths object, so no operations to turn into tools');
    return null;
  }
  const resolve = SwaggerParser.resolve as unknown as (
    file: string,
    api: object,
    options: object,
  ) => Promise<ParsedRefs>;
  try {
    // continueOnError: an unreadable external file is recorded, not thrown; only operations that use it are refused.
    return { doc, refs: memoRefs(await resolve.call(new SwaggerParser(), absFile, doc, { continueOnError: true })) };
  } catch (e) {
    log.warn(
      '',
      `external $ref files could not be read (${(e as Error).message.split('\n')[0]}); operations using them are refused`,
    );
    return {
      doc,
      refs: memoRefs(await resolve.call(new SwaggerParser(), absFile, doc, { resolve: { external: false } })),
    };
  }
}

/** `onProgress(done, total)`: operations handled so far, after each path item (a huge spec takes minutes). */
export async function importOpenApi(
  file: string,
  log: ProblemLog,
  onProgress?: (done: number, total: number) => void,
): Promise<ImportedSource> {
  const empty: ImportedSource = { tools: [], toolSets: [] };
  const absFile = path.resolve(file);
  const loaded = await loadDocument(absFile, log);
  if (!loaded) return empty;
  const { doc, refs } = loaded;

  const title = String(doc.info?.title ?? path.basename(file, path.extname(file)));
  const setId = slug(title);
  const domain = typeof doc.info?.['x-domain'] === 'string' ? doc.info['x-domain'] : setId;
  const tools: Tool[] = [];
  const firstTagOf = new Map<string, string>();
  const cache: BoundedCache = new Map();

  const routes = Object.entries(doc.paths as Record<string, any>);
  for (const [index, [route, rawItem]] of routes.entries()) {
    onProgress?.(index, routes.length);
    let item: Located;
    try {
      item = follow(refs, rawItem, absFile); // Redocly's layout: each path item is a $ref to its own file
    } catch (e) {
      if (e instanceof RefError) log.error(jsonPointer('paths', route), e.message);
      else throw e;
      continue;
    }
    if (!item.node || typeof item.node !== 'object') continue;
    const pathItem = item.node as Record<string, any>;
    for (const method of METHODS) {
      if (!pathItem[method] || typeof pathItem[method] !== 'object') continue;
      const pointer = jsonPointer('paths', route, method);
      try {
        const op = follow(refs, pathItem[method], item.base); // DigitalOcean's layout: each operation in its own file
        const tool = operationToTool({ file, pointer, route, method, op, pathItem: item, refs, log, domain, cache });
        if (!tool) continue;
        tools.push(tool);
        const opTags = (op.node as Record<string, any>).tags;
        firstTagOf.set(tool.name, Array.isArray(opTags) && opTags.length ? String(opTags[0]) : '');
      } catch (e) {
        if (e instanceof RefError) log.error(pointer, e.message);
        else throw e;
      }
    }
  }
  if (tools.length === 0) {
    log.error('/paths', 'no operation could be imported');
    return empty;
  }
  const description = String(doc.info?.description ?? '').trim();
  const tags = [...new Set([...firstTagOf.values()].filter(Boolean))];
  let toolSets: ToolSet[];
  if (tools.length > MAX_TOOLS_PER_SET && tags.length > 1) {
    toolSets = tags.map((tag) => ({
      id: `${setId}.${slug(tag)}`,
      name: `${title}: ${tag}`,
      description,
      domain,
      toolNames: tools.filter((t) => firstTagOf.get(t.name) === tag).map((t) => t.name),
      backend: { kind: 'simulated' as const },
    }));
    const untagged = tools.filter((t) => firstTagOf.get(t.name) === '').map((t) => t.name);
    if (untagged.length)
      toolSets.push({
        id: `${setId}.other`,
        name: `${title}: other`,
        description,
        domain,
        toolNames: untagged,
        backend: { kind: 'simulated' },
      });
  } else {
    toolSets = toolSetsFor(tools, { id: setId, name: title, description, domain, backend: { kind: 'simulated' } });
  }
  return { tools, toolSets };
}

type OperationInput = {
  file: string;
  pointer: string;
  route: string;
  method: string;
  op: Located;
  pathItem: Located;
  refs: Refs;
  log: ProblemLog;
  domain: string;
  cache: BoundedCache;
};

type Bounded = { schema: JsonSchema; depth: number; cuts: number; maxDescription?: number };

/**
 * Expands a schema with the deepest `$ref` nesting that fits `maxChars` once converted to JSON Schema;
 * null when even the shallowest does not fit. Each attempt stops at a node budget, so a schema that would
 * inline to megabytes costs no more than the budget.
 */
function boundedSchema(
  at: Located,
  mode: 'input' | 'output',
  maxChars: number,
  refs: Refs,
  onCycle: (ref: string) => void,
  cache?: BoundedCache,
): Bounded | null {
  // A schema that is just a $ref (the usual body and response) is expanded once per import and shared: the
  // catalog is data (serialized before use), and Graph-sized specs name the same entity in many operations.
  const ref =
    at.node && typeof at.node === 'object' && Object.keys(at.node).length === 1
      ? (at.node as { $ref?: unknown }).$ref
      : undefined;
  const cacheKey = typeof ref === 'string' && cache ? `${mode}|${maxChars}|${refKey(ref, at.base).key}` : undefined;
  const hit = cacheKey !== undefined ? cache!.get(cacheKey) : undefined;
  if (hit) {
    hit.cycles.forEach(onCycle);
    return hit.bounded;
  }
  const result = expandToFit(at, mode, maxChars, refs);
  if (cacheKey !== undefined) cache!.set(cacheKey, result);
  result.cycles.forEach(onCycle);
  return result.bounded;
}

type BoundedCache = Map<string, { bounded: Bounded | null; cycles: string[] }>;

type Attempt = Bounded & { cycles: Set<string> };

function expandToFit(
  at: Located,
  mode: 'input' | 'output',
  maxChars: number,
  refs: Refs,
): { bounded: Bounded | null; cycles: string[] } {
  const attempt = (depth: number, maxDescription?: number): Attempt | null => {
    const cycles = new Set<string>(); // reported only for the attempt that is kept
    // Every object costs at least ~10 characters of JSON ({"type":"x"} is 12), so more nodes than that cannot fit.
    const expander = new SchemaExpander(refs, {
      maxRefDepth: depth,
      maxDescription,
      maxNodes: Math.ceil(maxChars / 10),
      onCycle: (r) => cycles.add(r),
    });
    let schema: JsonSchema;
    try {
      schema = openApiToJsonSchema(expander.expand(at.node, at.base), mode);
    } catch (e) {
      if (e instanceof OverBudget) return null;
      throw e;
    }
    if (JSON.stringify(schema).length > maxChars) return null;
    return { schema, depth, cuts: expander.cuts, cycles, ...(maxDescription === undefined ? {} : { maxDescription }) };
  };
  let best = attempt(0);
  for (let depth = 1; best && best.cuts > 0 && depth <= MAX_REF_DEPTH; depth++) {
    const deeper = attempt(depth);
    if (!deeper) break;
    best = deeper;
  }
  for (const limit of DESCRIPTION_LIMITS) best ??= attempt(0, limit);
  if (!best) return { bounded: null, cycles: [] };
  const { cycles, ...bounded } = best;
  return { bounded, cycles: [...cycles] };
}

function cutNote(what: 'input' | 'output', b: Bounded): string {
  const docs =
    b.maxDescription === undefined
      ? ''
      : b.maxDescription === 0
        ? ', field descriptions dropped'
        : `, field descriptions clipped to ${b.maxDescription} characters`;
  return `shared schemas in the ${what} schema cut to their type below $ref depth ${b.depth}${docs} to fit the tool token budget (${b.cuts} cut)`;
}

function operationToTool({
  file,
  pointer,
  route,
  method,
  op: opAt,
  pathItem: itemAt,
  refs,
  log,
  domain,
  cache,
}: OperationInput): Tool | null {
  const op = opAt.node as Record<string, any>;
  const pathItem = itemAt.node as Record<string, any>;
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const inputChars = TOOL_TOKEN_BUDGET.input * CHARS_PER_TOKEN;
  const cycleWarn = (ref: string) => log.warn(pointer, `recursive $ref '${ref}' cut to a plain object`);
  const cuts: Bounded[] = [];

  // Operation-level parameters override path-level ones with the same name and location.
  const params = new Map<string, { param: Record<string, any>; base: string; at: string }>();
  const collect = (list: unknown, base: string, at: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((raw, i) => {
      const { node, base: paramBase } = follow(refs, raw, base);
      const param = node as Record<string, any>;
      params.set(`${param?.in}:${param?.name}`, { param, base: paramBase, at: `${at}/${i}` });
    });
  };
  collect(pathItem.parameters, itemAt.base, jsonPointer('paths', route, 'parameters'));
  collect(op.parameters, opAt.base, `${pointer}/parameters`);
  for (const { param, base, at } of params.values()) {
    if (!param || typeof param.name !== 'string' || !['path', 'query', 'header', 'cookie'].includes(param.in)) {
      log.error(
        at,
        `parameter needs a 'name' and 'in' of path|query|header|cookie (got in=${JSON.stringify(param?.in)})`,
      );
      return null;
    }
    if (param.in === 'header' && IGNORED_HEADERS.has(param.name.toLowerCase())) continue;
    const raw = param.schema ?? jsonContentSchema(param.content).schema ?? { type: 'string' };
    const bounded = boundedSchema({ node: raw, base }, 'input', inputChars / 4, refs, cycleWarn, cache);
    if (!bounded) {
      log.error(at, `parameter '${param.name}' schema is over the tool token budget even with shared schemas cut`);
      return null;
    }
    if (bounded.cuts || bounded.maxDescription !== undefined) cuts.push(bounded);
    let schema = bounded.schema;
    if (param.description && !schema.description)
      schema = { ...schema, description: clip(String(param.description), 600) };
    const key = param.name in properties ? `${param.in}_${param.name}` : param.name;
    properties[key] = schema;
    if (param.required === true || param.in === 'path') required.push(key);
  }

  if (op.requestBody) {
    const { node, base } = follow(refs, op.requestBody, opAt.base);
    const body = node as Record<string, any>;
    const { schema, mediaType } = jsonContentSchema(body?.content);
    if (schema === undefined) {
      log.error(
        `${pointer}/requestBody`,
        `unsupported request body media type '${mediaType ?? 'none'}': only JSON and form bodies can become tool arguments`,
      );
      return null;
    }
    const used = JSON.stringify(properties).length;
    const bounded = boundedSchema({ node: schema, base }, 'input', inputChars - used, refs, cycleWarn, cache);
    if (!bounded) {
      log.error(
        `${pointer}/requestBody`,
        `request body schema is over the tool token budget (${TOOL_TOKEN_BUDGET.input} tokens) even with every shared schema cut`,
      );
      return null;
    }
    if (bounded.cuts || bounded.maxDescription !== undefined) cuts.push(bounded);
    const bodySchema = bounded.schema;
    const bodyProps = bodySchema.properties as Record<string, JsonSchema> | undefined;
    const flat =
      bodySchema.type === 'object' &&
      bodyProps &&
      !Object.keys(bodyProps).some((k) => k in properties) &&
      !bodySchema.oneOf &&
      !bodySchema.anyOf &&
      !bodySchema.allOf;
    if (flat) {
      Object.assign(properties, bodyProps);
      // A required field of an optional body is only required when the body is sent; keep it simple: required iff body required.
      if (body.required === true && Array.isArray(bodySchema.required))
        required.push(...(bodySchema.required as string[]));
    } else {
      properties.body = {
        ...bodySchema,
        description: clip(String(body.description ?? bodySchema.description ?? 'request body'), 600),
      };
      if (body.required === true) required.push('body');
    }
  }

  const inputSchema: JsonSchema = { type: 'object', properties };
  if (required.length) inputSchema.required = [...new Set(required)];
  if (isCircular(inputSchema)) {
    log.error(pointer, 'input schema is recursive even after cutting $ref cycles; tool-call parameters must be finite');
    return null;
  }
  const compiled = compileSchema(inputSchema);
  if (!compiled.ok) {
    log.error(pointer, `input schema does not compile: ${compiled.error}`);
    return null;
  }
  if (cuts.length) {
    const docs = cuts.map((c) => c.maxDescription).filter((d): d is number => d !== undefined);
    const depth = Math.min(...cuts.map((c) => c.depth));
    const worst = {
      schema: {},
      depth,
      cuts: cuts.reduce((n, c) => n + c.cuts, 0),
      ...(docs.length ? { maxDescription: Math.min(...docs) } : {}),
    };
    log.warn(pointer, cutNote('input', worst));
  }

  let outputSchema: JsonSchema | undefined;
  const responses = (op.responses ?? {}) as Record<string, unknown>;
  const code =
    Object.keys(responses)
      .filter((c) => /^2(\d\d|XX)$/i.test(c))
      .sort()[0] ?? ('default' in responses ? 'default' : undefined);
  if (code) {
    const { node, base } = follow(refs, responses[code], opAt.base);
    const { schema } = jsonContentSchema((node as Record<string, any>)?.content);
    if (schema !== undefined) {
      const bounded = boundedSchema(
        { node: schema, base },
        'output',
        TOOL_TOKEN_BUDGET.output * CHARS_PER_TOKEN,
        refs,
        cycleWarn,
        cache,
      );
      if (!bounded) {
        log.warn(
          `${pointer}/responses/${code}`,
          `response schema dropped: over the ${TOOL_TOKEN_BUDGET.output}-token output budget even with every shared schema cut`,
        );
      } else {
        const ok = compileSchema(bounded.schema);
        if (!ok.ok)
          log.warn(`${pointer}/responses/${code}`, `response schema dropped, it does not compile: ${ok.error}`);
        else {
          outputSchema = bounded.schema;
          if (bounded.cuts || bounded.maxDescription !== undefined)
            log.warn(`${pointer}/responses/${code}`, cutNote('output', bounded));
        }
      }
    }
  }

  const originalName =
    typeof op.operationId === 'string' && op.operationId ? op.operationId : `${method.toUpperCase()} ${route}`;
  const name =
    typeof op.operationId === 'string' && op.operationId ? legalToolName(op.operationId) : operationName(method, route);
  const text = [op.summary, op.description]
    .filter((s) => typeof s === 'string' && s.trim())
    .map((s: string) => s.trim())
    .join('\n\n');
  const description = clip(text, TOOL_TOKEN_BUDGET.description * CHARS_PER_TOKEN) || `${method.toUpperCase()} ${route}`;
  return {
    name,
    originalName,
    description,
    inputSchema,
    ...(outputSchema ? { outputSchema } : {}),
    source: { kind: 'openapi', location: file, pointer },
    tags: [
      ...new Set([domain, ...(Array.isArray(op.tags) ? op.tags.map(String) : []), `http:${method}`, `path:${route}`]),
    ],
  };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}
