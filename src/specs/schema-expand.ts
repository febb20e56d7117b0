// Bounded `$ref` expansion for spec-derived schemas: refs resolve relative to the file that holds them
// (multi-file specs), recursion is cut, shared schemas nested deeper than a limit become a short stub,
// and every expansion stops at a node budget, so work and memory follow the output, not the spec's inlining.
import path from 'node:path';
import type SwaggerParser from '@apidevtools/swagger-parser';

export type ParsedRefs = Awaited<ReturnType<typeof SwaggerParser.resolve>>;
/** What expansion needs from the parser's `$Refs`: a lookup by absolute `file#pointer`. */
export type Refs = { get(key: string): unknown };

/**
 * Memoized lookups (failures too): the parser resolves each pointer from scratch, URL handling included,
 * and a spec with thousands of operations asks for the same few hundred schemas again and again.
 */
export function memoRefs(refs: ParsedRefs): Refs {
  const hits = new Map<string, { value?: unknown; error?: Error }>();
  return {
    get(key) {
      let hit = hits.get(key);
      if (!hit) {
        try {
          hit = { value: refs.get(key) };
        } catch (e) {
          hit = { error: e as Error };
        }
        hits.set(key, hit);
      }
      if (hit.error) throw hit.error;
      return hit.value;
    },
  };
}

/** A node with the file its relative `$ref`s resolve against. */
export type Located = { node: unknown; base: string };

export class RefError extends Error {}
/** Thrown when one expansion would produce more than its node budget; the caller retries with a lower depth. */
export class OverBudget extends Error {}

// Annotations a model never needs; dropped while expanding (examples can be megabytes in real specs).
const SKIPPED_KEYS = new Set(['example', 'examples', 'externalDocs', 'xml']);
// Keys whose values are maps of names (property names may look like `x-...` or `example`).
const NAME_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const COMPOSITE_KEYS = ['properties', 'items', 'allOf', 'oneOf', 'anyOf', 'additionalProperties', 'not', 'prefixItems'];

export function refKey(ref: string, base: string): { key: string; file: string } {
  const [filePart, hash = ''] = ref.split('#');
  const file = filePart === '' ? base : path.resolve(path.dirname(base), decodeURIComponent(filePart));
  return { key: `${file}#${hash}`, file };
}

function lookup(refs: Refs, ref: string, key: string): unknown {
  try {
    return refs.get(key);
  } catch (e) {
    throw new RefError(`$ref '${ref}' does not resolve: ${(e as Error).message.split('\n')[0].trim()}`);
  }
}

/** Follows a chain of `$ref`s at the top of `node` (path items, operations, parameters, bodies, responses). */
export function follow(refs: Refs, node: unknown, base: string): Located {
  const seen = new Set<string>();
  let cur: Located = { node, base };
  while (cur.node && typeof cur.node === 'object' && typeof (cur.node as { $ref?: unknown }).$ref === 'string') {
    const { $ref: ref, ...siblings } = cur.node as Record<string, unknown> & { $ref: string };
    const { key, file } = refKey(ref, cur.base);
    if (seen.has(key)) throw new RefError(`$ref '${ref}' refers to itself`);
    seen.add(key);
    const target = lookup(refs, ref, key);
    // 3.1 allows siblings next to $ref (summary, description); they refine the target.
    const merged =
      Object.keys(siblings).length && target && typeof target === 'object' && !Array.isArray(target)
        ? { ...(target as object), ...siblings }
        : target;
    cur = { node: merged, base: file };
  }
  return cur;
}

export type ExpandOptions = {
  /** Shared schemas nested deeper than this many `$ref` levels become a stub (type and description only). */
  maxRefDepth: number;
  /** Objects an expansion may create before it gives up with OverBudget. */
  maxNodes: number;
  /** Descriptions longer than this are clipped (0: dropped); the last resort for wide, heavily documented bodies. */
  maxDescription?: number;
  onCycle: (ref: string) => void;
};

/** One expansion of one schema; `cuts` counts the shared schemas stubbed for depth. */
export class SchemaExpander {
  cuts = 0;
  private nodes = 0;
  constructor(
    private readonly refs: Refs,
    private readonly opts: ExpandOptions,
  ) {}

  expand(node: unknown, base: string): unknown {
    const root = follow(this.refs, node, base);
    return this.walk(root.node, root.base, [], false);
  }

  private walk(node: unknown, base: string, stack: string[], nameMap: boolean): unknown {
    if (node === null || typeof node !== 'object') return node;
    if (++this.nodes > this.opts.maxNodes) throw new OverBudget();
    if (Array.isArray(node)) return node.map((n) => this.walk(n, base, stack, false));
    const obj = node as Record<string, unknown>;
    if (!nameMap && typeof obj.$ref === 'string') return this.ref(obj, base, stack);
    if (nameMap && typeof obj.$ref === 'string') {
      // `properties: {$ref: attributes.yml#/...}` (DigitalOcean): a reference to a whole map of properties.
      // A property's schema is never a string, so a string `$ref` here can only be such a reference.
      const { node: map, base: mapBase } = follow(this.refs, obj, base);
      return this.walk(map, mapBase, stack, true);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (!nameMap && (SKIPPED_KEYS.has(k) || k.startsWith('x-'))) continue;
      if (
        !nameMap &&
        k === 'description' &&
        typeof v === 'string' &&
        this.opts.maxDescription !== undefined &&
        v.length > this.opts.maxDescription
      ) {
        if (this.opts.maxDescription > 0) out[k] = `${v.slice(0, this.opts.maxDescription - 1).trimEnd()}…`;
        continue;
      }
      // enum/const/default are values, never schemas: copied as they are.
      out[k] =
        !nameMap && (k === 'enum' || k === 'const' || k === 'default')
          ? v
          : this.walk(v, base, stack, !nameMap && NAME_MAPS.has(k));
    }
    return out;
  }

  private ref(obj: Record<string, unknown>, base: string, stack: string[]): unknown {
    const ref = obj.$ref as string;
    const { key, file } = refKey(ref, base);
    if (stack.includes(key)) {
      this.opts.onCycle(ref);
      return { type: 'object', description: `(recursive structure: ${ref})` };
    }
    const target = lookup(this.refs, ref, key);
    const { $ref: _drop, ...siblings } = obj;
    let resolved: unknown;
    const t = target as Record<string, unknown> | null;
    if (stack.length >= this.opts.maxRefDepth && t && typeof t === 'object' && COMPOSITE_KEYS.some((k) => k in t)) {
      this.cuts++;
      resolved = stub(t, ref);
    } else {
      resolved = this.walk(target, file, [...stack, key], false);
    }
    return Object.keys(siblings).length && resolved && typeof resolved === 'object'
      ? { ...(resolved as object), ...(this.walk(siblings, base, stack, false) as object) }
      : resolved;
  }
}

/** What a cut shared schema keeps: its type (so the argument is still an object/array) and a short description. */
function stub(target: Record<string, unknown>, ref: string): Record<string, unknown> {
  const name = ref.split('/').pop() || ref;
  const type =
    typeof target.type === 'string' ? target.type : target.items ? 'array' : target.properties ? 'object' : undefined;
  const about = typeof target.description === 'string' ? target.description.trim().slice(0, 160) : '';
  return {
    ...(type ? { type } : {}),
    description: `${about ? `${about} ` : ''}(${name}; nested fields not listed)`.trim(),
  };
}
