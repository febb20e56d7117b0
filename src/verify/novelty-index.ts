// Everything accepted so far, in a form cheap to ask "have we seen this?": an exact call-signature set and
// MinHash-LSH over the normalized request, persisted as JSON between cycles.
import { z } from 'zod';
import { canonicalJson } from '../store/artifact-store.js';
import type { GoalCall } from '../domain/task.js';
import { jaccard, minhash, shingleHashes } from './shingles.js';

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

export class NoveltyIndex {
  readonly config: NoveltyConfig;
  private readonly entries: Array<z.infer<typeof EntrySchema>> = [];
  private readonly bySignature = new Map<string, string>();
  private readonly buckets = new Map<string, number[]>();

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

  private bandKeys(shingles: number[]): string[] {
    const sig = minhash(shingles, this.config.permutations);
    const rows = this.config.permutations / this.config.bands;
    return Array.from({ length: this.config.bands }, (_, b) => `${b}:${sig.slice(b * rows, (b + 1) * rows).join(',')}`);
  }

  /** The closest earlier item this one duplicates, if any. Empty call lists (irrelevance) compare by text only. */
  check(request: string, signature: string, hasCalls: boolean): NoveltyHit | undefined {
    const same = hasCalls ? this.bySignature.get(signature) : undefined;
    if (same) return { kind: 'same_calls', of: same, similarity: 1 };
    const shingles = shingleHashes(request, this.config.shingle);
    let best: NoveltyHit | undefined;
    const seen = new Set<number>();
    for (const key of this.bandKeys(shingles)) {
      for (const idx of this.buckets.get(key) ?? []) {
        if (seen.has(idx)) continue;
        seen.add(idx);
        const sim = jaccard(shingles, this.entries[idx].shingles);
        if (sim >= this.config.threshold && (!best || sim > best.similarity))
          best = { kind: 'similar_request', of: this.entries[idx].id, similarity: sim };
      }
    }
    return best;
  }

  add(id: string, request: string, signature: string, hasCalls: boolean): void {
    const shingles = shingleHashes(request, this.config.shingle);
    const idx = this.entries.push({ id, shingles, signature: hasCalls ? signature : '' }) - 1;
    if (hasCalls) this.bySignature.set(signature, id);
    for (const key of this.bandKeys(shingles)) {
      const list = this.buckets.get(key);
      if (list) list.push(idx);
      else this.buckets.set(key, [idx]);
    }
  }

  toJSON(): z.infer<typeof NoveltyIndexJsonSchema> {
    return { version: 1, config: this.config, entries: this.entries };
  }

  static fromJSON(json: unknown): NoveltyIndex {
    const parsed = NoveltyIndexJsonSchema.safeParse(json);
    if (!parsed.success)
      throw new Error(
        `novelty index JSON is malformed at ${parsed.error.issues[0]?.path.join('/')}: ${parsed.error.issues[0]?.message}; rebuild it from the accepted trajectories`,
      );
    const index = new NoveltyIndex(parsed.data.config);
    for (const e of parsed.data.entries) {
      const idx = index.entries.push(e) - 1;
      if (e.signature) index.bySignature.set(e.signature, e.id);
      for (const key of index.bandKeys(e.shingles)) {
        const list = index.buckets.get(key);
        if (list) list.push(idx);
        else index.buckets.set(key, [idx]);
      }
    }
    return index;
  }
}
