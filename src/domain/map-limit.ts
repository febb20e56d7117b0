// Bounded concurrency for independent requests to one endpoint (an evaluation's BFCL entries, validation
// items and rollout groups): as many at once as the endpoint answers, results in the items' order.

/**
 * `fn` over `items`, at most `limit` running at once; the results in the items' order. After a failure no
 * new item starts; the first error is thrown once the running ones have settled (none is left in flight).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, lane));
  if (failure) throw failure.error;
  return out;
}
