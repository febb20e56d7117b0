// Translates real-world JSON Schemas (tool parameters, structured-output schemas) into the subset that
// node-llama-cpp's grammar builder understands, and builds the tool-call envelope the local model is forced into.
import type { ChatRequest, OpenAITool } from '../domain/chat.js';

type Json = Record<string, unknown>;
/** A schema in node-llama-cpp's GbnfJsonSchema subset (kept loose here; the library validates it). */
export type GrammarSchema = Json;

const BASIC_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);
const GRAMMAR_FORMATS = new Set(['date-time', 'time', 'date']);
const MAX_REF_DEPTH = 6;
/** Anything: used for `{}` / `true` and for references too deep to expand. */
const ANY: GrammarSchema = {
  oneOf: [{ type: ['string', 'number', 'boolean', 'null'] }, { type: 'object', additionalProperties: true }],
};
const NULL: GrammarSchema = { type: 'null' };

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function resolvePointer(root: Json, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObj(node) ? node[key] : undefined;
  }
  return isObj(node) ? node : undefined;
}

function mergeAllOf(parts: Json[]): Json {
  const merged: Json = {};
  const properties: Json = {};
  const required = new Set<string>();
  for (const part of parts) {
    Object.assign(merged, part);
    if (isObj(part.properties)) Object.assign(properties, part.properties);
    if (Array.isArray(part.required)) part.required.forEach((r) => required.add(String(r)));
  }
  delete merged.allOf;
  if (Object.keys(properties).length) merged.properties = properties;
  if (required.size) merged.required = [...required];
  return merged;
}

/**
 * Rewrites `schema` into the grammar subset. Two deliberate approximations: node-llama-cpp emits every
 * declared property, so optional ones become "value or null" (strip them with `dropOptionalNulls`);
 * and keywords a grammar cannot express (pattern, minimum, ...) are dropped — ajv still checks them afterwards.
 */
export function toGrammarSchema(schema: unknown, root: Json = isObj(schema) ? schema : {}, depth = 0): GrammarSchema {
  if (schema === true || (isObj(schema) && Object.keys(schema).length === 0)) return ANY;
  if (!isObj(schema)) return ANY;
  if (typeof schema.$ref === 'string') {
    const target = depth < MAX_REF_DEPTH ? resolvePointer(root, schema.$ref) : undefined;
    return target ? toGrammarSchema(target, root, depth + 1) : ANY;
  }
  if (Array.isArray(schema.allOf))
    return toGrammarSchema(
      mergeAllOf([
        schema,
        ...schema.allOf.filter(isObj).map((p) => (p.$ref ? (resolvePointer(root, String(p.$ref)) ?? {}) : p)),
      ]),
      root,
      depth,
    );
  const alternatives = (schema.oneOf ?? schema.anyOf) as unknown[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length) {
    const { oneOf: _o, anyOf: _a, ...rest } = schema;
    const base = Object.keys(rest).filter(
      (k) => !['description', 'title', 'default', 'example', 'examples'].includes(k),
    ).length
      ? rest
      : {};
    return { oneOf: alternatives.map((alt) => toGrammarSchema(isObj(alt) ? { ...base, ...alt } : alt, root, depth)) };
  }
  if (schema.nullable === true) {
    const { nullable: _n, ...rest } = schema;
    return { oneOf: [toGrammarSchema(rest, root, depth), NULL] };
  }
  if ('const' in schema) return { const: schema.const };
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.filter((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
    return values.length ? { enum: values } : ANY;
  }
  let type = schema.type;
  if (Array.isArray(type)) {
    if (type.every((t) => BASIC_TYPES.has(String(t))) && !type.includes('string')) return { type };
    return { oneOf: type.map((t) => toGrammarSchema({ ...schema, type: t }, root, depth)) };
  }
  if (type === undefined) type = isObj(schema.properties) ? 'object' : schema.items !== undefined ? 'array' : undefined;
  switch (type) {
    case 'string': {
      if (typeof schema.format === 'string' && GRAMMAR_FORMATS.has(schema.format))
        return { type: 'string', format: schema.format };
      const out: Json = { type: 'string' };
      if (typeof schema.minLength === 'number') out.minLength = schema.minLength;
      if (typeof schema.maxLength === 'number') out.maxLength = schema.maxLength;
      return out;
    }
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return { type };
    case 'array': {
      const out: Json = { type: 'array' };
      if (Array.isArray(schema.items)) out.prefixItems = schema.items.map((s) => toGrammarSchema(s, root, depth));
      else if (Array.isArray(schema.prefixItems))
        out.prefixItems = schema.prefixItems.map((s) => toGrammarSchema(s, root, depth));
      else out.items = schema.items === undefined ? ANY : toGrammarSchema(schema.items, root, depth);
      if (typeof schema.minItems === 'number') out.minItems = schema.minItems;
      if (typeof schema.maxItems === 'number') out.maxItems = schema.maxItems;
      return out;
    }
    case 'object': {
      const props = isObj(schema.properties) ? schema.properties : {};
      const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
      const properties: Json = {};
      for (const [name, sub] of Object.entries(props)) {
        const converted = toGrammarSchema(sub, root, depth);
        properties[name] = required.has(name) ? converted : { oneOf: [converted, NULL] };
      }
      const out: Json = { type: 'object', properties };
      // A property-less object is a free-form map; one with declared properties gets exactly those.
      if (Object.keys(props).length === 0 && schema.additionalProperties !== false) {
        out.additionalProperties = isObj(schema.additionalProperties)
          ? toGrammarSchema(schema.additionalProperties, root, depth)
          : true;
      }
      return out;
    }
    default:
      return ANY;
  }
}

type ObjectVisitor = (
  value: Json,
  properties: Json,
  required: Set<string>,
  recurse: (v: unknown, sub: unknown) => unknown,
) => unknown;

/** Follows `schema` down `value` ($ref, allOf, array items) and hands each object with declared properties to `onObject`. */
function walkObjects(
  value: unknown,
  schema: unknown,
  onObject: ObjectVisitor,
  root: Json = isObj(schema) ? schema : {},
  depth = 0,
): unknown {
  if (!isObj(schema) || depth > 32) return value;
  if (typeof schema.$ref === 'string') {
    const target = resolvePointer(root, schema.$ref);
    return target ? walkObjects(value, target, onObject, root, depth + 1) : value;
  }
  if (Array.isArray(schema.allOf))
    return walkObjects(value, mergeAllOf([schema, ...schema.allOf.filter(isObj)]), onObject, root, depth + 1);
  if (Array.isArray(value)) {
    return isObj(schema.items) ? value.map((v) => walkObjects(v, schema.items, onObject, root, depth + 1)) : value;
  }
  if (!isObj(value) || !isObj(schema.properties)) return value;
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  return onObject(value, schema.properties, required, (v, sub) => walkObjects(v, sub, onObject, root, depth + 1));
}

/** Removes `key: null` where the original schema made the key optional and did not itself allow null. */
export function dropOptionalNulls(value: unknown, schema: unknown): unknown {
  return walkObjects(value, schema, (obj, properties, required, recurse) => {
    const out: Json = {};
    for (const [key, v] of Object.entries(obj)) {
      const sub = properties[key];
      const allowsNull =
        isObj(sub) &&
        (sub.type === 'null' || (Array.isArray(sub.type) && sub.type.includes('null')) || sub.nullable === true);
      if (v === null && !required.has(key) && !allowsNull) continue;
      out[key] = recurse(v, sub);
    }
    return out;
  });
}

/**
 * The inverse of `dropOptionalNulls`: `value` as the grammar makes the model write it, every declared
 * property in declared order and the optional ones it lacks as null. Training targets are rendered so,
 * so the policy learns the exact token sequence it is later forced into (src/llm/local-chat-format.ts).
 */
export function fillOptionalNulls(value: unknown, schema: unknown): unknown {
  return walkObjects(value, schema, (obj, properties, required, recurse) => {
    if (Object.keys(properties).length === 0) return obj; // a free-form map: the grammar does not lay it out
    const out: Json = {};
    for (const [key, sub] of Object.entries(properties)) {
      if (key in obj) out[key] = recurse(obj[key], sub);
      else if (!required.has(key)) out[key] = null;
    }
    // Keys the schema does not declare cannot come out of the grammar; kept (last) so nothing is lost.
    for (const [key, v] of Object.entries(obj)) if (!(key in out)) out[key] = v;
    return out;
  });
}

export type ToolMode = 'required' | 'auto' | { name: string };

/** How the local model must answer, given the request: free text, a forced tool call, or call-or-answer. */
export function toolMode(request: ChatRequest): ToolMode | 'none' {
  if (!request.tools?.length || request.toolChoice === 'none') return 'none';
  const choice = request.toolChoice ?? 'auto';
  return choice;
}

/** Most parallel calls one local turn may emit; a tiny model otherwise repeats calls until maxTokens. */
export const MAX_LOCAL_PARALLEL_CALLS = 3;

/**
 * The JSON shape the local model is forced into: `{"tool_calls":[{"name","arguments"}...]}`, or in auto
 * mode alternatively `{"answer": "..."}`. `name` is a const per tool, so arguments are checked per tool.
 */
export function toolEnvelopeSchema(tools: OpenAITool[], mode: ToolMode): GrammarSchema {
  const offered = typeof mode === 'object' ? tools.filter((t) => t.function.name === mode.name) : tools;
  if (offered.length === 0) {
    throw new Error(
      `toolChoice names tool "${(mode as { name: string }).name}" but the request offers only [${tools.map((t) => t.function.name).join(', ')}]`,
    );
  }
  const calls = offered.map((t) => ({
    type: 'object',
    properties: { name: { const: t.function.name }, arguments: toGrammarSchema(t.function.parameters) },
  }));
  const callsSchema = {
    type: 'object',
    properties: {
      tool_calls: {
        type: 'array',
        items: calls.length === 1 ? calls[0] : { oneOf: calls },
        minItems: 1,
        maxItems: MAX_LOCAL_PARALLEL_CALLS,
      },
    },
  };
  return mode === 'auto'
    ? { oneOf: [callsSchema, { type: 'object', properties: { answer: { type: 'string' } } }] }
    : callsSchema;
}
