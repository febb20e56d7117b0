// Pure arithmetic the planner leans on: a seeded hash for tie-breaks, shares with a floor and a ceiling,
// and integer counts that sum exactly to a total. No Node built-ins, so workflow code may import it too.

/** FNV-1a over a string, mixed with a seed: a stable tie-break that needs no random source. */
export function stableHash(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function normalize(values: Record<string, number>): Record<string, number> {
  const sum = Object.values(values).reduce((a, b) => a + b, 0);
  const keys = Object.keys(values);
  if (!(sum > 0)) return Object.fromEntries(keys.map((k) => [k, 1 / keys.length]));
  return Object.fromEntries(keys.map((k) => [k, values[k] / sum]));
}

/**
 * Scales `shares` (any non-negative numbers) to sum to `mass`, with every key in [floor, ceiling]:
 * keys that fall outside are pinned at the bound and the rest re-share what is left, until stable.
 * Returns the pinned keys too, so reasons can say which bound applied.
 */
export function boundedShares(
  shares: Record<string, number>,
  mass: number,
  floor: number,
  ceiling: number,
): { shares: Record<string, number>; atFloor: Set<string>; atCeiling: Set<string> } {
  const keys = Object.keys(shares);
  const atFloor = new Set<string>();
  const atCeiling = new Set<string>();
  if (keys.length === 0) return { shares: {}, atFloor, atCeiling };
  if (floor * keys.length > mass + 1e-12) {
    throw new Error(
      `floor ${floor} x ${keys.length} categories exceeds the mass ${mass.toFixed(3)} to share; lower planner.floor`,
    );
  }
  const cap = Math.max(ceiling, mass / keys.length); // a ceiling below the even share cannot hold
  const out: Record<string, number> = {};
  for (let round = 0; round <= keys.length; round++) {
    const free = keys.filter((k) => !atFloor.has(k) && !atCeiling.has(k));
    const pinned = floor * atFloor.size + cap * atCeiling.size;
    const rest = normalize(Object.fromEntries(free.map((k) => [k, shares[k]])));
    for (const k of atFloor) out[k] = floor;
    for (const k of atCeiling) out[k] = cap;
    let changed = false;
    for (const k of free) {
      out[k] = (mass - pinned) * rest[k];
      if (out[k] < floor - 1e-12) {
        atFloor.add(k);
        changed = true;
      } else if (out[k] > cap + 1e-12) {
        atCeiling.add(k);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return { shares: out, atFloor, atCeiling };
}

/**
 * Largest-remainder rounding: integer counts proportional to `weights` that sum exactly to `total`.
 * Ties in the remainder go by the seeded hash of the key, so equal inputs give equal outputs.
 */
export function apportion(
  weights: Record<string, number>,
  total: number,
  seed: number,
  minEach = 0,
): Record<string, number> {
  const keys = Object.keys(weights).sort();
  const out: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
  if (keys.length === 0 || total <= 0) return out;
  const base = total >= minEach * keys.length ? minEach : 0;
  const left = total - base * keys.length;
  const w = normalize(Object.fromEntries(keys.map((k) => [k, Math.max(0, weights[k])])));
  let given = 0;
  const rema: Array<{ k: string; r: number; h: number }> = [];
  for (const k of keys) {
    const exact = left * w[k];
    const whole = Math.floor(exact + 1e-9);
    out[k] = base + whole;
    given += whole;
    rema.push({ k, r: exact - whole, h: stableHash(seed, k) });
  }
  rema.sort((a, b) => b.r - a.r || a.h - b.h);
  for (let i = 0; i < left - given; i++) out[rema[i % rema.length].k] += 1;
  return out;
}
