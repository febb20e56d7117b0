// Tool-pool consolidation (the paper's "MCP tree"): cluster similar tools, split each cluster into
// redundant and unique tools (an injected LLM decides; else a deterministic rule), merge the redundant
// ones into one definition that remembers its sources (`mergedFrom`), and rewire the tool sets.
import { z } from 'zod';
import type { ChatClient } from '../domain/chat.js';
import { CatalogSchema, TOOL_NAME_PATTERN, type Catalog, type JsonSchema, type Tool } from '../domain/catalog.js';
import { canonicalJson } from './json-schema.js';
import { compileSchema } from '../domain/schema-validator.js';
import { cluster, nameKey, similarityOf, tfidfVectors, sparseCosine, type Embedder } from './similarity.js';

export type ConsolidateOptions = {
  /** Decides merges inside each cluster; absent: the deterministic rule. */
  llm?: ChatClient;
  /** Embeddings for clustering; absent: TF-IDF cosine. */
  embed?: Embedder;
  /** Similarity at which two tools land in one cluster (default 0.5 TF-IDF, 0.8 embeddings). */
  threshold?: number;
  seed?: number;
  /** Called before each cluster is decided (progress: an LLM may take minutes per cluster). */
  onCluster?: (index: number, total: number, names: string[]) => void;
};

export type MergeDecision = { into: string; from: string[]; by: 'llm' | 'rule' };
export type DomainReport = { domain: string; toolsIn: number; toolsOut: number };
export type ConsolidateReport = {
  clusters: number;
  merges: MergeDecision[];
  perDomain: DomainReport[];
  /** Clusters where the LLM's answer was unusable and the rule decided instead, with the reason. */
  llmFallbacks: Array<{ cluster: string[]; reason: string }>;
};

/** What the LLM returns for one cluster. */
const LlmMergeSchema = z.object({
  merges: z
    .array(
      z.object({
        sources: z.array(z.string()).min(2),
        name: z.string().regex(TOOL_NAME_PATTERN),
        description: z.string().min(1),
        inputSchema: z.record(z.unknown()),
      }),
    )
    .default([]),
  unique: z.array(z.string()).default([]),
});
type LlmMerge = z.infer<typeof LlmMergeSchema>;

const LLM_MERGE_JSON_SCHEMA = {
  type: 'object',
  properties: {
    merges: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          sources: { type: 'array', items: { type: 'string' } },
          name: { type: 'string' },
          description: { type: 'string' },
          inputSchema: { type: 'object' },
        },
        required: ['sources', 'name', 'description', 'inputSchema'],
      },
    },
    unique: { type: 'array', items: { type: 'string' } },
  },
  required: ['merges', 'unique'],
};

/** A schema without its prose: two tools taking the same arguments compare equal. */
function schemaShape(schema: JsonSchema): string {
  const strip = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(strip);
    if (n === null || typeof n !== 'object') return n;
    return Object.fromEntries(
      Object.entries(n)
        .filter(([k]) => !['description', 'title', 'examples', 'default'].includes(k))
        .map(([k, v]) => [k, strip(v)]),
    );
  };
  const s = strip(schema) as Record<string, unknown>;
  if (Array.isArray(s.required)) s.required = [...(s.required as string[])].sort();
  return canonicalJson(s);
}

/** The rule without an LLM: identical argument schemas, names that say the same thing, near-identical descriptions. */
export function ruleMerges(tools: Tool[]): string[][] {
  const desc = tfidfVectors(tools.map((t) => t.description));
  const parent = tools.map((_, i) => i);
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x])));
  for (let i = 0; i < tools.length; i++)
    for (let j = i + 1; j < tools.length; j++) {
      const same =
        schemaShape(tools[i].inputSchema) === schemaShape(tools[j].inputSchema) &&
        nameKey(tools[i].name) === nameKey(tools[j].name) &&
        sparseCosine(desc[i], desc[j]) >= 0.6;
      if (same) parent[find(j)] = find(i);
    }
  const groups = new Map<number, string[]>();
  tools.forEach((t, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), t.name]));
  return [...groups.values()].filter((g) => g.length > 1);
}

function mergedTool(sources: Tool[], def?: { name: string; description: string; inputSchema: JsonSchema }): Tool {
  // The clearest definition is taken as the base: the longest description.
  const base = [...sources].sort(
    (a, b) => b.description.length - a.description.length || a.name.localeCompare(b.name),
  )[0];
  const outputs = new Set(sources.map((s) => (s.outputSchema ? canonicalJson(s.outputSchema) : '')));
  return {
    name: def?.name ?? base.name,
    originalName: def?.name ?? base.originalName,
    description: def?.description ?? base.description,
    inputSchema: def?.inputSchema ?? base.inputSchema,
    ...(outputs.size === 1 && base.outputSchema ? { outputSchema: base.outputSchema } : {}),
    source: { kind: 'merged', location: [...new Set(sources.map((s) => s.source.location))].join(' + ') },
    tags: [...new Set(sources.flatMap((s) => s.tags))],
    mergedFrom: sources.flatMap((s) => s.mergedFrom ?? [s.name]),
  };
}

async function askLlm(
  llm: ChatClient,
  tools: Tool[],
  seed: number,
): Promise<{ ok: true; value: LlmMerge } | { ok: false; reason: string }> {
  const listing = tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema }));
  const response = await llm.chat({
    messages: [
      {
        role: 'system',
        content:
          'You consolidate a pool of API tools. Some tools in the list below are redundant: they do the same thing under different names. ' +
          'Group only truly redundant tools (same purpose, compatible arguments) into merges; each merge gets one clear name (letters, digits, _ or -), ' +
          'one clear description, and one JSON Schema (type object) covering the arguments. List every other tool under "unique". ' +
          'Reply with only a JSON object {"merges": [{"sources": [...], "name", "description", "inputSchema"}], "unique": [...]}.',
      },
      { role: 'user', content: JSON.stringify(listing) },
    ],
    jsonSchema: { name: 'tool_merges', schema: LLM_MERGE_JSON_SCHEMA },
    temperature: 0,
    seed,
  });
  const text = response.message.content ?? '';
  let raw: unknown;
  try {
    const start = text.indexOf('{');
    raw = JSON.parse(text.slice(start, text.lastIndexOf('}') + 1));
  } catch {
    return { ok: false, reason: `reply is not JSON: ${JSON.stringify(text.slice(0, 80))}` };
  }
  const parsed = LlmMergeSchema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      reason: `reply has the wrong shape: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    };
  const names = new Set(tools.map((t) => t.name));
  const used = new Set<string>();
  for (const m of parsed.data.merges) {
    for (const s of m.sources) {
      if (!names.has(s)) return { ok: false, reason: `merge '${m.name}' names '${s}', which is not in the cluster` };
      if (used.has(s)) return { ok: false, reason: `tool '${s}' is merged twice` };
      used.add(s);
    }
    const compiled = compileSchema(m.inputSchema);
    if (!compiled.ok || m.inputSchema.type !== 'object')
      return {
        ok: false,
        reason: `merge '${m.name}': inputSchema must compile and be of type object${compiled.ok ? '' : ` (${compiled.error})`}`,
      };
  }
  return { ok: true, value: parsed.data };
}

export async function consolidateCatalog(
  input: Catalog,
  opts: ConsolidateOptions = {},
): Promise<{ catalog: Catalog; report: ConsolidateReport }> {
  const catalog = structuredClone(input);
  // Passthrough tools are forwarded by their real name: merging them would break the forwarding.
  const pinned = new Set(catalog.toolSets.filter((s) => s.backend.kind === 'passthrough').flatMap((s) => s.toolNames));
  const pool = catalog.tools.filter((t) => !pinned.has(t.name));
  const sim = await similarityOf(pool, opts.embed);
  const threshold = opts.threshold ?? (opts.embed ? 0.8 : 0.5);
  const clusters = cluster(pool.length, sim, threshold).map((g) => g.map((i) => pool[i]));

  const merges: MergeDecision[] = [];
  const llmFallbacks: ConsolidateReport['llmFallbacks'] = [];
  const replaced = new Map<string, Tool>(); // source tool name -> merged tool
  const taken = new Set(catalog.tools.map((t) => t.name));
  for (const [k, group] of clusters.entries()) {
    opts.onCluster?.(
      k,
      clusters.length,
      group.map((t) => t.name),
    );
    let decided:
      Array<{ sources: Tool[]; def?: { name: string; description: string; inputSchema: JsonSchema } }> | undefined;
    let by: MergeDecision['by'] = 'rule';
    if (opts.llm) {
      const answer = await askLlm(opts.llm, group, (opts.seed ?? 0) + k).catch((e: Error) => ({
        ok: false as const,
        reason: `LLM call failed: ${e.message}`,
      }));
      if (answer.ok) {
        const byName = new Map(group.map((t) => [t.name, t]));
        const clash = answer.value.merges.find((m) => taken.has(m.name) && !m.sources.includes(m.name));
        if (clash)
          llmFallbacks.push({
            cluster: group.map((t) => t.name),
            reason: `merged name '${clash.name}' is already another tool's`,
          });
        else {
          decided = answer.value.merges.map((m) => ({
            sources: m.sources.map((s) => byName.get(s)!),
            def: { name: m.name, description: m.description, inputSchema: m.inputSchema },
          }));
          by = 'llm';
        }
      } else llmFallbacks.push({ cluster: group.map((t) => t.name), reason: answer.reason });
    }
    decided ??= ruleMerges(group).map((names) => ({ sources: names.map((n) => group.find((t) => t.name === n)!) }));
    for (const d of decided) {
      const merged = mergedTool(d.sources, d.def);
      taken.add(merged.name);
      for (const s of d.sources) replaced.set(s.name, merged);
      merges.push({ into: merged.name, from: d.sources.map((s) => s.name), by });
    }
  }

  const domainOf = new Map<string, string>();
  for (const set of catalog.toolSets) for (const n of set.toolNames) if (!domainOf.has(n)) domainOf.set(n, set.domain);
  const countIn = new Map<string, number>();
  for (const t of catalog.tools)
    countIn.set(domainOf.get(t.name) ?? 'general', (countIn.get(domainOf.get(t.name) ?? 'general') ?? 0) + 1);

  const out: Tool[] = [];
  const emitted = new Set<string>();
  for (const t of catalog.tools) {
    const m = replaced.get(t.name);
    const tool = m ?? t;
    if (emitted.has(tool.name)) continue;
    emitted.add(tool.name);
    out.push(tool);
  }
  catalog.tools = out;
  for (const set of catalog.toolSets)
    set.toolNames = [...new Set(set.toolNames.map((n) => replaced.get(n)?.name ?? n))];

  const countOut = new Map<string, number>();
  const seenOut = new Set<string>();
  for (const set of catalog.toolSets)
    for (const n of set.toolNames) {
      if (seenOut.has(n)) continue;
      seenOut.add(n);
      countOut.set(set.domain, (countOut.get(set.domain) ?? 0) + 1);
    }
  const perDomain = [...new Set([...countIn.keys(), ...countOut.keys()])]
    .sort()
    .map((domain) => ({ domain, toolsIn: countIn.get(domain) ?? 0, toolsOut: countOut.get(domain) ?? 0 }));
  return {
    catalog: CatalogSchema.parse(catalog),
    report: { clusters: clusters.length, merges, perDomain, llmFallbacks },
  };
}
