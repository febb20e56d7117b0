// Seeded randomness for synthesis: every choice a task makes (tools, call counts, filled values) comes
// from here, so the same TaskSpec seed reproduces the same trajectory.
import { createHash } from 'node:crypto';

export type Rng = {
  /** Uniform in [0, 1). */
  next(): number;
  int(minInclusive: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  /** A seeded Fisher-Yates shuffle (returns a copy). */
  shuffle<T>(items: readonly T[]): T[];
};

/** 32-bit hash of any string (sha256 prefix: stable across Node versions and platforms). */
export function hash32(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** mulberry32: tiny, fast, good enough for choosing tools and values (not for cryptography). */
export function seededRng(seed: number | string): Rng {
  let state = typeof seed === 'number' ? seed >>> 0 : hash32(seed);
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return {
    next,
    int,
    pick: (items) => {
      if (items.length === 0) throw new Error('seededRng.pick: cannot pick from an empty list');
      return items[int(0, items.length - 1)];
    },
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
}
