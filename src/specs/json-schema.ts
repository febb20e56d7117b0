// The clean-up that turns OpenAPI/BFCL schema dialects into plain JSON Schema, and schema comparisons for
// importers and consolidation. Compiling and validating is src/domain/schema-validator.ts's.
import type { JsonSchema } from '../domain/catalog.js';

const OPENAPI_ONLY_KEYWORDS = ['example', 'xml', 'externalDocs', 'discriminator', 'deprecated'];

/**
 * OpenAPI 3.0 schema -> JSON Schema: `nullable` becomes a null type, boolean exclusive bounds become numbers,
 * annotation-only keywords go, and readOnly properties leave request schemas (writeOnly ones leave responses),
 * since a caller cannot send them.
 */
export function openApiToJsonSchema(schema: unknown, mode: 'input' | 'output'): JsonSchema {
  const seen = new Map<object, JsonSchema>();
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const cached = seen.get(node);
    if (cached) return cached; // circular refs after dereference: share the converted node
    const src = node as Record<string, unknown>;
    const out: JsonSchema = {};
    seen.set(node, out);
    for (const [k, v] of Object.entries(src)) {
      if (OPENAPI_ONLY_KEYWORDS.includes(k) || k.startsWith('x-') || k === 'nullable') continue;
      if (k === 'properties' && v && typeof v === 'object') {
        const props: Record<string, unknown> = {};
        for (const [name, prop] of Object.entries(v as Record<string, unknown>)) {
          const p = prop as Record<string, unknown> | null;
          if (p && mode === 'input' && p.readOnly === true) continue;
          if (p && mode === 'output' && p.writeOnly === true) continue;
          props[name] = walk(prop);
        }
        out.properties = props;
        continue;
      }
      out[k] = walk(v);
    }
    // An empty enum allows no value at all: generators emit it by mistake next to the real constraint (Discord's allOf).
    if (Array.isArray(out.enum) && out.enum.length === 0) delete out.enum;
    if (Array.isArray(out.required) && out.properties && typeof out.properties === 'object') {
      out.required = (out.required as string[]).filter((r) => r in (out.properties as object));
      if ((out.required as string[]).length === 0) delete out.required;
    }
    // OpenAPI 3.0 (JSON Schema draft 4): boolean exclusive bounds qualify minimum/maximum; 3.1 uses numbers.
    for (const [flag, bound] of [
      ['exclusiveMinimum', 'minimum'],
      ['exclusiveMaximum', 'maximum'],
    ] as const) {
      if (typeof out[flag] !== 'boolean') continue;
      if (out[flag] === true && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        delete out[bound];
      } else delete out[flag];
    }
    if (src.nullable === true) {
      if (typeof out.type === 'string') out.type = [out.type, 'null'];
      else if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    }
    return out;
  };
  return walk(schema) as JsonSchema;
}

/** True when a schema (after dereference) refers back to itself: such schemas cannot be sent as tool parameters. */
export function isCircular(schema: unknown): boolean {
  const stack = new Set<object>();
  const visit = (node: unknown): boolean => {
    if (node === null || typeof node !== 'object') return false;
    if (stack.has(node)) return true;
    stack.add(node);
    for (const v of Object.values(node)) if (visit(v)) return true;
    stack.delete(node);
    return false;
  };
  return visit(schema);
}

/** Key order-independent JSON, for hashing and comparing schemas. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
