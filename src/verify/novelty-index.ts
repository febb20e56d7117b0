// Everything accepted so far, in a form cheap to ask "have we seen this?": an exact call-signature set and
// MinHash-LSH over the normalized request, persisted as JSON between cycles.
import { z } from 'zod';
import { canonicalJson } from '../store/artifact-store.js';
import type { GoalCall } from '../domain/task.js';
import { minhash, shingleHashes } from './shingles.js';

export const NoveltyConfigSchema = z.object({
  /** Requests at least this similar (word-trigram Jaccard) are near-duplicates. */
  threshold: z.number().min(0).max(1).default(0.8),
  shingle: z.number().int().positive().default(3),
  permutations: z.number().int().positive().default(64),
  /** LSH bands (permutations / bands rows each); more bands find lower similarities. */
  bands: z.number().int().positive().default(16),
});
export type NoveltyConfig = z.infer<typeof NoveltyConfigSchema>;

const EntrySchema = z.object({ id: z.string(), shingles: z.array(z.number()), signature: z.string() });
export const NoveltyIndexJsonSchema = z.object({
  version: z.literal(1),
  config: NoveltyConfigSchema,
  entries: z.array(EntrySchema),
});

export type NoveltyHit = { kind: 'same_calls' | 'similar_request'; of: string; similarity: number };

/** The exact-call key: tool set + every turn's calls, canonical (argument order does not matter). */
export function callSignature(toolSetId: string, turns: GoalCall[][]): string {
  return canonicalJson([
    toolSetId,
    turns.map((t) =>
      t.map((c) => [c.name, c.arguments]).sort((a, b) => canonicalJson(a).localeCompare(canonicalJson(b))),
    ),
  ]);
}

type Entry = { id: string; shingles: Uint32Array; signature: string };
type Prepared = { request: string; shingles: Uint32Array; bands: number[] };

/**
 * Held compactly, for indexes of millions of items: shingles as 32-bit hashes in typed arrays, LSH bands keyed
 * by a 32-bit hash of their rows (a collision only adds a candidate, which the exact Jaccard then judges), and
 * the request `check` just hashed reused by the `add` that follows it. Persisted as JSON lines
 * (`writeJsonl`/`fromJsonlRows`: a header, then one row per item) so its size is not bounded by one string.
 */
export class NoveltyIndex {
  readonly config: NoveltyConfig;
  private readonly entries: Entry[] = [];
  private readonly bySignature = new Map<string, string>();
  private readonly buckets = new Map<number, number[]>();
  private last: Prepared | undefined;

  constructor(config: Partial<NoveltyConfig> = {}) {
    this.config = NoveltyConfigSchema.parse(config);
    if (this.config.permutations % this.config.bands)
      throw new Error(
        `novelty config: permutations (${this.config.permutations}) must be a multiple of bands (${this.config.bands})`,
      );
  }

  get size(): number {
    return this.entries.length;
  }

  private bandKeys(shingles: Uint32Array): number[] {
    const sig = minhash(shingles, this.config.permutations);
    const rows = this.config.permutations / this.config.bands;
    return Array.from({ length: this.config.bands }, (_, b) => {
      let h = Math.imul(b + 1, 0x9e3779b1) >>> 0;
      for (let r = b * rows; r < (b + 1) * rows; r++) h = Math.imul(h ^ sig[r], 0x01000193) >>> 0;
      return h;
    });
  }

  private prepare(request: string): Prepared {
    if (this.last?.request === request) return this.last;
    const shingles = sortedUnique(shingleHashes(request, this.config.shingle));
    return (this.last = { request, shingles, bands: this.bandKeys(shingles) });
  }

  /** The closest earlier item this one duplicates, if any. Empty call lists (irrelevance) compare by text only. */
  check(request: string, signature: string, hasCalls: boolean): NoveltyHit | undefined {
    const same = hasCalls ? this.bySignature.get(signature) : undefined;
    if (same) return { kind: 'same_calls', of: same, similarity: 1 };
    const { shingles, bands } = this.prepare(request);
    let best: NoveltyHit | undefined;
    const seen = new Set<number>();
    for (const key of bands) {
      for (const idx of this.buckets.get(key) ?? []) {
        if (seen.has(idx)) continue;
        seen.add(idx);
        const sim = sortedJaccard(shingles, this.entries[idx].shingles);
        if (sim >= this.config.threshold && (!best || sim > best.similarity))
          best = { kind: 'similar_request', of: this.entries[idx].id, similarity: sim };
      }
    }
    return best;
  }

  add(id: string, request: string, signature: string, hasCalls: boolean): void {
    const { shingles, bands } = this.prepare(request);
    this.insert({ id, shingles, signature: hasCalls ? signature : '' }, bands);
  }

  private insert(e: Entry, bands = this.bandKeys(e.shingles)): void {
    const idx = this.entries.push(e) - 1;
    if (e.signature) this.bySignature.set(e.signature, e.id);
    for (const key of bands) {
      const list = this.buckets.get(key);
      if (list) list.push(idx);
      else this.buckets.set(key, [idx]);
    }
  }

  /** The whole index as one JSON value (version 1): small indexes, and tests. */
  toJSON(): z.infer<typeof NoveltyIndexJsonSchema> {
    return { version: 1, config: this.config, entries: this.entries.map(plainEntry) };
  }

  /** The index as JSON lines, written piece by piece: a header row with the config, then one row per item. */
  async writeJsonl(write: (text: string) => Promise<void>): Promise<void> {
    await write(JSON.stringify({ version: 2, config: this.config, entries: this.entries.length }) + '\n');
    const CHUNK = 1000;
    for (let i = 0; i < this.entries.length; i += CHUNK)
      await write(
        this.entries
          .slice(i, i + CHUNK)
          .map((e) => JSON.stringify(plainEntry(e)) + '\n')
          .join(''),
      );
  }

  static fromJSON(json: unknown): NoveltyIndex {
    const parsed = NoveltyIndexJsonSchema.safeParse(json);
    if (!parsed.success) throw malformed(parsed.error.issues[0]);
    const index = new NoveltyIndex(parsed.data.config);
    for (const e of parsed.data.entries) index.insert({ ...e, shingles: sortedUnique(e.shingles) });
    return index;
  }

  /** Reads `writeJsonl`'s rows (header first); a row that does not parse, or a count that does not add up, is named. */
  static async fromJsonlRows(rows: AsyncIterable<unknown> | Iterable<unknown>): Promise<NoveltyIndex> {
    let index: NoveltyIndex | undefined;
    let expected = 0;
    for await (const row of rows) {
      if (!index) {
        const head = HeaderSchema.safeParse(row);
        if (!head.success) throw malformed(head.error.issues[0], 'header');
        index = new NoveltyIndex(head.data.config);
        expected = head.data.entries;
        continue;
      }
      const e = EntrySchema.safeParse(row);
      if (!e.success) throw malformed(e.error.issues[0], `row ${index.size + 1}`);
      index.insert({ ...e.data, shingles: sortedUnique(e.data.shingles) });
    }
    if (!index) throw malformed(undefined, 'header');
    if (index.size !== expected)
      throw new Error(`novelty index JSONL holds ${index.size} items, its header says ${expected}: it was cut short`);
    return index;
  }
}

const HeaderSchema = z.object({ version: z.literal(2), config: NoveltyConfigSchema, entries: z.number().int().min(0) });

/** Shingle hashes as the index keeps them: ascending, each once, so two sets intersect in one merge pass. */
function sortedUnique(hashes: readonly number[]): Uint32Array {
  const a = Uint32Array.from(hashes).sort();
  let n = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) a[n++] = a[i];
  return a.subarray(0, n);
}

/** Jaccard similarity of two `sortedUnique` sets (the same value as shingles.ts `jaccard`, without allocating). */
function sortedJaccard(a: Uint32Array, b: Uint32Array): number {
  if (!a.length && !b.length) return 1;
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) (inter++, i++, j++);
    else if (a[i] < b[j]) i++;
    else j++;
  }
  return inter / (a.length + b.length - inter);
}

function plainEntry(e: Entry): z.infer<typeof EntrySchema> {
  return { id: e.id, shingles: Array.from(e.shingles), signature: e.signature };
}

function malformed(issue: z.ZodIssue | undefined, where?: string): Error {
  const at = [where, issue?.path.join('/')].filter(Boolean).join(' ');
  return new Error(
    `novelty index is malformed${at ? ` at ${at}` : ''}: ${issue?.message ?? 'empty'}; rebuild it from the accepted trajectories`,
  );
}
