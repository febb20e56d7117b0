// Decides whether a failed request to a remote endpoint is worth retrying and how long to wait:
// exponential backoff with full jitter, overridden by the server's Retry-After / retry-after-ms.
import { z } from 'zod';

export const BackoffSchema = z.object({
  baseMs: z.number().nonnegative().default(500),
  maxMs: z.number().nonnegative().default(20_000),
  /** A server asking for a longer pause than this is obeyed only up to this cap. */
  maxRetryAfterMs: z.number().nonnegative().default(120_000),
});
export type Backoff = z.infer<typeof BackoffSchema>;

/** 408 timeout, 409 conflict (lock contention), 429 rate limit and any 5xx are transient; other 4xx are our fault. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Milliseconds the server asked us to wait, or undefined when it did not say (or said nonsense). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return undefined;
  if (Number.isFinite(Number(after)) && Number(after) >= 0) return Number(after) * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Wait before retry number `attempt` (0-based): the server's word if given, else full-jitter exponential backoff. */
export function backoffDelayMs(
  attempt: number,
  backoff: Backoff,
  serverAskedMs?: number,
  random = Math.random,
): number {
  if (serverAskedMs !== undefined) return Math.min(serverAskedMs, backoff.maxRetryAfterMs);
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** attempt);
  // Full jitter spreads a burst of clients that all failed together, so they do not retry in lockstep.
  return Math.round(random() * ceiling);
}
