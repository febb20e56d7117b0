// How alike two tools are, from their names, descriptions and parameter names: TF-IDF cosine when no
// embeddings endpoint is configured, embedding cosine when one is; and the clustering built on it.
import { singular, words } from './tool-names.js';
import type { Tool } from '../domain/catalog.js';

/** Texts to vectors, e.g. an OpenAI-compatible `/v1/embeddings` call; one vector per text, same order. */
export type Embedder = (texts: string[]) => Promise<number[][]>;

const STOP = new Set([
  'a',
  'an',
  'the',
  'of',
  'to',
  'and',
  'or',
  'for',
  'in',
  'on',
  'by',
  'with',
  'is',
  'it',
  'its',
  'this',
  'that',
  'be',
  'as',
  'at',
  'from',
  'e',
  'g',
  'if',
  'any',
]);

export function tokens(text: string): string[] {
  return words(text)
    .filter((w) => !STOP.has(w))
    .map(singular);
}

/** What a tool is about, as text: name words weigh double, since names carry the most signal. */
export function toolText(tool: Tool): string {
  const params = Object.keys((tool.inputSchema.properties ?? {}) as object).join(' ');
  return `${tool.name} ${tool.name} ${tool.description} ${params}`;
}

export function tfidfVectors(texts: string[]): Array<Map<string, number>> {
  const docs = texts.map(tokens);
  const df = new Map<string, number>();
  for (const d of docs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  return docs.map((d) => {
    const tf = new Map<string, number>();
    for (const t of d) tf.set(t, (tf.get(t) ?? 0) + 1);
    const v = new Map<string, number>();
    let norm = 0;
    for (const [t, f] of tf) {
      const w = (f / d.length) * (Math.log((1 + n) / (1 + (df.get(t) ?? 0))) + 1); // smoothed idf, as scikit-learn
      v.set(t, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [t, w] of v) v.set(t, w / norm);
    return v;
  });
}

export function sparseCosine(a: Map<string, number>, b: Map<string, number>): number {
  let s = 0;
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  for (const [t, w] of small) s += w * (large.get(t) ?? 0);
  return s;
}

export function denseCosine(a: number[], b: number[]): number {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** Pairwise similarity function over `tools` (indices), from embeddings if given, else TF-IDF. */
export async function similarityOf(tools: Tool[], embed?: Embedder): Promise<(i: number, j: number) => number> {
  const texts = tools.map(toolText);
  if (embed) {
    const vectors = await embed(texts);
    if (vectors.length !== texts.length)
      throw new Error(`embeddings endpoint returned ${vectors.length} vectors for ${texts.length} tools`);
    return (i, j) => denseCosine(vectors[i], vectors[j]);
  }
  const vectors = tfidfVectors(texts);
  return (i, j) => sparseCosine(vectors[i], vectors[j]);
}

/**
 * Groups indices whose similarity reaches `threshold` (single linkage), each group at most `maxSize`
 * (the strongest links are taken first, so a chain cannot grow one giant cluster). Singletons are left out.
 */
export function cluster(n: number, sim: (i: number, j: number) => number, threshold: number, maxSize = 12): number[][] {
  const pairs: Array<[number, number, number]> = [];
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const s = sim(i, j);
      if (s >= threshold) pairs.push([s, i, j]);
    }
  pairs.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
  const parent = Array.from({ length: n }, (_, i) => i);
  const size = new Array(n).fill(1);
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x])));
  for (const [, i, j] of pairs) {
    const a = find(i),
      b = find(j);
    if (a === b || size[a] + size[b] > maxSize) continue;
    parent[b] = a;
    size[a] += size[b];
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    groups.set(r, [...(groups.get(r) ?? []), i]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

// Verbs that name the same operation; a rename between them does not change what a tool does.
const VERB_CLASS: Record<string, string> = Object.fromEntries(
  [
    ['get', 'fetch', 'retrieve', 'read', 'lookup', 'show', 'obtain', 'load', 'query'],
    ['create', 'add', 'new', 'insert', 'make', 'register'],
    ['delete', 'remove', 'destroy', 'erase', 'drop'],
    ['update', 'edit', 'modify', 'change', 'patch'],
    ['list', 'search', 'find', 'browse', 'all'],
  ].flatMap((group) => group.map((w) => [w, group[0]])),
);

/**
 * What a tool name says, ignoring wording: tokens singularized, verb synonyms unified, order ignored.
 * `get_current_weather` and `fetch_current_weather` share a key; `..._single_game` and `..._single_season` do not.
 */
export function nameKey(name: string): string {
  return [...new Set(tokens(name).map((t) => VERB_CLASS[t] ?? t))].sort().join(' ');
}

/**
 * Splits a big tool list into tool sets of related tools (tasks are drawn from one set, so a set must be
 * small enough to offer whole): TF-IDF clusters of at most `maxSize`, leftovers packed in list order.
 */
export function groupRelated(tools: Tool[], maxSize: number, threshold = 0.2): Tool[][] {
  const vectors = tfidfVectors(tools.map(toolText));
  const groups = cluster(tools.length, (i, j) => sparseCosine(vectors[i], vectors[j]), threshold, maxSize);
  const grouped = new Set(groups.flat());
  const rest = tools.map((_, i) => i).filter((i) => !grouped.has(i));
  for (let k = 0; k < rest.length; k += maxSize) groups.push(rest.slice(k, k + maxSize));
  return groups
    .map((g) => g.sort((a, b) => a - b).map((i) => tools[i]))
    .sort((a, b) => tools.indexOf(a[0]) - tools.indexOf(b[0]));
}

/** The two most frequent content words of a group's names: a readable label for a tool set. */
export function groupLabel(tools: Tool[]): string {
  const counts = new Map<string, number>();
  for (const t of tools) for (const w of new Set(tokens(t.name))) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 2)
    .map(([w]) => w)
    .join(' ');
}
