// A schema-valid value synthesized from a JSON Schema, deterministically: what a simulated tool
// returns when the LLM's reply cannot be repaired, so a session degrades instead of crashing.
import type { JsonSchema } from '../domain/catalog.js';

const FORMAT_DEFAULTS: Record<string, string> = {
  'date-time': '2024-01-01T00:00:00Z',
  date: '2024-01-01',
  time: '00:00:00Z',
  email: 'user@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
};

/** `hint` values (e.g. the call's arguments) fill properties of the same name when their type fits. */
export function defaultForSchema(schema: unknown, hint: Record<string, unknown> = {}, depth = 0): unknown {
  if (!schema || typeof schema !== 'object' || depth > 8) return null;
  const s = schema as JsonSchema;
  if ('const' in s) return s.const;
  if ('default' in s) return s.default;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  if (Array.isArray(s.allOf)) {
    const parts = s.allOf.map((p) => defaultForSchema(p, hint, depth + 1));
    if (parts.every((p) => p && typeof p === 'object' && !Array.isArray(p))) return Object.assign({}, ...parts);
    return parts[0];
  }
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (Array.isArray(s[key]) && (s[key] as unknown[]).length)
      return defaultForSchema((s[key] as unknown[])[0], hint, depth + 1);
  }
  const type = Array.isArray(s.type)
    ? (s.type.find((t) => t !== 'null') ?? 'null')
    : (s.type ?? (s.properties ? 'object' : s.items ? 'array' : undefined));
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = (s.properties ?? {}) as Record<string, JsonSchema>;
      for (const [name, prop] of Object.entries(props)) {
        if (name in hint && fits(prop, hint[name])) out[name] = hint[name];
        else out[name] = defaultForSchema(prop, {}, depth + 1);
      }
      return out;
    }
    case 'array': {
      const n = typeof s.minItems === 'number' ? s.minItems : 0;
      return Array.from({ length: n }, () => defaultForSchema(s.items, {}, depth + 1));
    }
    case 'string': {
      const base = (typeof s.format === 'string' && FORMAT_DEFAULTS[s.format]) || '';
      const min = typeof s.minLength === 'number' ? s.minLength : 0;
      return base.length >= min ? base : base + 'x'.repeat(min - base.length);
    }
    case 'integer':
    case 'number': {
      if (typeof s.minimum === 'number') return type === 'integer' ? Math.ceil(s.minimum) : s.minimum;
      if (typeof s.exclusiveMinimum === 'number')
        return type === 'integer' ? Math.floor(s.exclusiveMinimum) + 1 : s.exclusiveMinimum + 1;
      if (typeof s.maximum === 'number' && s.maximum < 0) return s.maximum;
      return 0;
    }
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return null;
  }
}

function fits(schema: JsonSchema, value: unknown): boolean {
  const t = schema?.type;
  if (t === undefined) return true;
  const types = Array.isArray(t) ? t : [t];
  const actual =
    value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  return types.includes(actual) || (actual === 'integer' && types.includes('number'));
}
