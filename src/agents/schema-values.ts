// Deterministic argument values from a JSON Schema: fills what a weak model left out or got wrong, so a
// goal is always schema-valid. Values fit the parameter (src/agents/realistic-values.ts): names, places,
// dates and amounts a user could state in a request.
import type { Rng } from '../domain/rng.js';
import { isSchemaValid } from '../domain/schema-validator.js';
import { nameWords, patternValue, realisticNumber, realisticString } from './realistic-values.js';

type Schema = Record<string, unknown>;

/** The schema of one property, following a single local `$ref`-free composition (anyOf/oneOf: first branch). */
function effective(schema: Schema): Schema {
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (Array.isArray(branches) && branches.length) {
    const nonNull = branches.find((b) => b.type !== 'null') ?? branches[0];
    return { ...schema, ...nonNull, anyOf: undefined, oneOf: undefined };
  }
  if (Array.isArray(schema.allOf))
    return Object.assign({}, schema, ...(schema.allOf as Schema[]), { allOf: undefined });
  return schema;
}

function typeOf(schema: Schema): string {
  const t = schema.type;
  if (Array.isArray(t)) return (t.find((x) => x !== 'null') as string) ?? 'string';
  if (typeof t === 'string') return t === 'dict' ? 'object' : t === 'float' ? 'number' : t;
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  if (schema.enum) return typeof (schema.enum as unknown[])[0];
  return 'string';
}

const STRING_KEYS = ['minLength', 'maxLength', 'pattern', 'format'] as const;

/** A realistic string that also meets the schema's length, pattern and format (else one made from the pattern). */
function sampleString(name: string, schema: Schema, rng: Rng, tool?: string): string {
  const own: Schema = {
    type: 'string',
    ...Object.fromEntries(STRING_KEYS.filter((k) => k in schema).map((k) => [k, schema[k]])),
  };
  const ctx = { name, description: schema.description as string | undefined, tool };
  for (let i = 0; i < 3; i++) {
    const s = realisticString(ctx, schema, rng);
    if (isSchemaValid(own, s)) return s;
  }
  if (typeof schema.pattern === 'string') {
    const fromPattern = patternValue(schema.pattern, rng);
    if (fromPattern !== undefined && isSchemaValid(own, fromPattern)) return fromPattern;
  }
  const min = typeof schema.minLength === 'number' ? schema.minLength : 1;
  let s = realisticString(ctx, {}, rng);
  while (s.length < min) s += ` ${realisticString({ name: 'word' }, {}, rng)}`;
  return typeof schema.maxLength === 'number' ? s.slice(0, schema.maxLength).trim() || s.slice(0, schema.maxLength) : s;
}

function sampleNumber(name: string, schema: Schema, rng: Rng, integer: boolean): number {
  return realisticNumber({ name, description: schema.description as string | undefined }, schema, rng, integer);
}

/** Number arrays that name a span ("published_between", "date_range") read naturally in order. */
const SPAN = /between|range|span|from_to|interval/;

/**
 * A value valid under `schema`. `optional` says whether to include optional object properties
 * (harder tasks state more of them); `tool` (name and description) lets values fit the tool's domain.
 */
export function sampleValue(
  name: string,
  rawSchema: Schema,
  rng: Rng,
  optional = false,
  depth = 0,
  tool?: string,
): unknown {
  const schema = effective(rawSchema);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return rng.pick(schema.enum as unknown[]);
  if (schema.default !== undefined && rng.next() < 0.2) return schema.default;
  switch (typeOf(schema)) {
    case 'integer':
      return sampleNumber(name, schema, rng, true);
    case 'number':
      return sampleNumber(name, schema, rng, false);
    case 'boolean':
      return rng.next() < 0.5;
    case 'array': {
      const rawItems = (schema.items as Schema) ?? { type: 'string' };
      // Items rarely describe themselves: the array's description says what they are.
      const items =
        rawItems.description || !schema.description ? rawItems : { ...rawItems, description: schema.description };
      const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
      const max = Math.max(min, Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 3, min + 2));
      const n = depth > 3 ? min : rng.int(min, max);
      const out: unknown[] = [];
      for (let i = 0; i < n * 3 && out.length < n; i++) {
        const v = sampleValue(name.replace(/s$/, ''), items, rng, optional, depth + 1, tool);
        // Distinct items read naturally ("tags urgent and billing") and satisfy uniqueItems.
        if (!out.some((o) => JSON.stringify(o) === JSON.stringify(v))) out.push(v);
      }
      if (out.every((v) => typeof v === 'number') && SPAN.test(name.toLowerCase()))
        (out as number[]).sort((a, b) => a - b);
      return out;
    }
    case 'object':
      return sampleObject(schema, rng, optional, depth + 1, tool);
    case 'null':
      return null;
    default:
      return sampleString(name, schema, rng, tool);
  }
}

function sampleObject(
  schema: Schema,
  rng: Rng,
  optional: boolean,
  depth: number,
  tool?: string,
): Record<string, unknown> {
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(props)) {
    if (required.has(key) || (optional && depth <= 1 && rng.next() < 0.5))
      out[key] = sampleValue(key, sub, rng, optional, depth, tool);
  }
  return out;
}

export type Repair = { arguments: Record<string, unknown>; repairs: string[] };

const PLACEHOLDERS = new Set([
  'string',
  'object',
  'integer',
  'number',
  'array',
  'boolean',
  'null',
  'value',
  'example',
  'test',
  'foo',
  'bar',
  'baz',
  'xxx',
  'n/a',
  'none',
  'todo',
  'placeholder',
  '...',
]);

/** A schema-valid value a person would never say: `"a"`, `"object"`, the parameter's own name, `<...>`. */
export function isPlaceholder(key: string, value: unknown): boolean {
  if (Array.isArray(value)) return value.some((v) => isPlaceholder(key, v));
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => isPlaceholder(k, v));
  if (typeof value !== 'string') return false;
  const v = value.trim().toLowerCase();
  return (
    v.length <= 1 ||
    PLACEHOLDERS.has(v) ||
    v === key.toLowerCase() ||
    /[<>{}]/.test(v) ||
    /^(my|your|the)?[ _]?(name|title|city|id)$/.test(v)
  );
}

/**
 * Keeps every proposed property that is valid on its own and not a placeholder, drops unknown or invalid
 * ones, fills missing required ones from the schema; `repairs` names each change (empty: used as proposed).
 * `toolDescription` lets filled values fit the tool's domain (a pet's name, a book's author).
 */
export function repairArguments(
  toolName: string,
  inputSchema: Schema,
  proposed: unknown,
  rng: Rng,
  optional = false,
  toolDescription = '',
): Repair {
  const repairs: string[] = [];
  const tool = `${nameWords(toolName).join(' ')} ${toolDescription}`;
  const clean = (args: unknown) =>
    !!args && typeof args === 'object' && !Object.entries(args).some(([k, v]) => isPlaceholder(k, v));
  const empty = !!proposed && typeof proposed === 'object' && Object.keys(proposed).length === 0;
  const usable = isSchemaValid(inputSchema, proposed) && clean(proposed) && !(optional && empty);
  if (usable) return { arguments: proposed as Record<string, unknown>, repairs };
  const props = (inputSchema.properties ?? {}) as Record<string, Schema>;
  const required = (inputSchema.required ?? []) as string[];
  const given =
    proposed && typeof proposed === 'object' && !Array.isArray(proposed) ? (proposed as Record<string, unknown>) : {};
  if (given !== proposed) repairs.push(`${toolName}: arguments were not an object`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    const sub = props[key];
    if (!sub) repairs.push(`${toolName}.${key}: not a parameter, dropped`);
    else if (isSchemaValid(sub, value) && !isPlaceholder(key, value)) out[key] = value;
    else {
      out[key] = sampleValue(key, sub, rng, optional, 1, tool);
      repairs.push(
        `${toolName}.${key}: ${JSON.stringify(value)} ${isSchemaValid(sub, value) ? 'a placeholder' : 'invalid'}, replaced`,
      );
    }
  }
  for (const key of required) {
    if (key in out || !props[key]) continue;
    out[key] = sampleValue(key, props[key], rng, optional, 1, tool);
    repairs.push(`${toolName}.${key}: required, filled`);
  }
  // Nothing proposed on a task that states optional parameters: some of them, like a person would.
  if (optional && Object.keys(given).length === 0) {
    for (const key of Object.keys(props)) {
      if (key in out || rng.next() >= 0.5) continue;
      out[key] = sampleValue(key, props[key], rng, optional, 1, tool);
      repairs.push(`${toolName}.${key}: optional, filled`);
    }
  }
  if (!isSchemaValid(inputSchema, out)) {
    // Cross-property constraints (dependencies, oneOf at the top) defeat per-property repair: start over.
    repairs.push(`${toolName}: repaired arguments still invalid, regenerated from the schema`);
    for (let i = 0; i < 5; i++) {
      const fresh = sampleValue(toolName, inputSchema, rng, optional, 0, tool) as Record<string, unknown>;
      if (isSchemaValid(inputSchema, fresh)) return { arguments: fresh, repairs };
    }
  }
  return { arguments: out, repairs };
}
