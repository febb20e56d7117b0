// Paired comparison of two policies on the same items: only the items whose verdict differs tell them apart.

/** Items one policy passed and the other did not, and the chance of at least `lost` losses among them if neither
 * policy were better (a one-sided exact sign test, McNemar's without the approximation). */
export type PairedComparison = {
  /** Items both policies were scored on. */
  items: number;
  /** Passed by the candidate only. */
  gained: number;
  /** Passed by the incumbent only. */
  lost: number;
  /** P(X >= lost), X ~ Binomial(gained + lost, 1/2): small when the candidate is worse beyond chance. 1 when none differ. */
  pWorse: number;
};

export function signTestWorse(lost: number, gained: number): number {
  const n = lost + gained;
  if (n === 0) return 1;
  // Sum of C(n, k) / 2^n for k >= lost, term by term in floating point (n is at most the pool's size).
  let term = Math.pow(0.5, n); // C(n, 0) / 2^n
  let below = 0;
  for (let k = 0; k < lost; k++) {
    below += term;
    term = (term * (n - k)) / (k + 1);
  }
  return Math.min(1, Math.max(0, 1 - below));
}

/** Compares verdicts by item id: `incumbent` and `candidate` map an item to whether it passed. */
export function comparePaired(
  ids: Iterable<string>,
  incumbent: ReadonlyMap<string, boolean>,
  candidate: ReadonlyMap<string, boolean>,
): PairedComparison {
  let items = 0;
  let gained = 0;
  let lost = 0;
  for (const id of ids) {
    const a = incumbent.get(id);
    const b = candidate.get(id);
    if (a === undefined || b === undefined) continue;
    items++;
    if (b && !a) gained++;
    if (a && !b) lost++;
  }
  return { items, gained, lost, pWorse: signTestWorse(lost, gained) };
}
