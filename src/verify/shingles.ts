// Word n-gram shingles and MinHash signatures over normalized text: the near-duplicate measure shared by
// the novelty index (our own accepted data) and the contamination index (evaluation questions).
import { normalizeText } from '../domain/mentions.js';

/** FNV-1a, 32-bit: fast and stable, fine for bucketing shingles (not for security). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Hashes of the word n-grams of the normalized text; a text shorter than n words is one shingle. */
export function shingleHashes(text: string, n: number): number[] {
  const words = normalizeText(text).split(' ').filter(Boolean);
  if (words.length === 0) return [];
  if (words.length < n) return [fnv1a(words.join(' '))];
  const out = new Set<number>();
  for (let i = 0; i + n <= words.length; i++) out.add(fnv1a(words.slice(i, i + n).join(' ')));
  return [...out];
}

function mix(x: number, salt: number): number {
  let h = (x ^ salt) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function minhash(shingles: Iterable<number>, permutations: number): number[] {
  const sig = new Array<number>(permutations).fill(0xffffffff);
  for (const s of shingles) {
    for (let i = 0; i < permutations; i++) {
      const v = mix(s, Math.imul(i + 1, 0x9e3779b1));
      if (v < sig[i]) sig[i] = v;
    }
  }
  return sig;
}

export function jaccard(a: number[], b: number[]): number {
  if (!a.length && !b.length) return 1;
  const sa = new Set(a);
  let inter = 0;
  for (const x of b) if (sa.has(x)) inter++;
  return inter / (sa.size + new Set(b).size - inter);
}
