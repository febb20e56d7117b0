// One limiter per remote endpoint (baseURL) per worker process, shared by every role, model and adapter
// (a vLLM server serves the base model and its LoRA adapters from one queue) and every activity reaching it: a concurrency cap, an optional requests-per-minute pace, and additive-increase /
// multiplicative-decrease on throttling, so a 429 halves what is in flight and a Retry-After pauses everyone.
//
// Client-side on purpose: Temporal's task-queue rate limit (maxTaskQueueActivitiesPerSecond) paces
// activity starts, but one synthesis activity makes hundreds of requests to three endpoints, so only the
// process that sends the requests can cap them per endpoint and react to a 429 within the same second.
// Several worker processes each hold their own limiter: set the limits per worker accordingly.

export type LimiterSettings = { concurrency: number; requestsPerMinute?: number };

export class EndpointLimiter {
  /** The current window: starts at the cap, halves on a throttle, grows by one per window of successes. */
  private window: number;
  private inFlight = 0;
  private successes = 0;
  private nextStartAt = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(
    readonly name: string,
    private cap: number,
    private requestsPerMinute?: number,
    private readonly now: () => number = Date.now,
  ) {
    this.window = cap;
  }

  /** A second role on the same endpoint: the tighter of the two limits holds. */
  tighten(s: LimiterSettings): void {
    this.cap = Math.min(this.cap, s.concurrency);
    this.window = Math.min(this.window, this.cap);
    if (s.requestsPerMinute !== undefined)
      this.requestsPerMinute = Math.min(this.requestsPerMinute ?? Infinity, s.requestsPerMinute);
  }

  get state(): { name: string; cap: number; window: number; inFlight: number; queued: number } {
    return {
      name: this.name,
      cap: this.cap,
      window: this.window,
      inFlight: this.inFlight,
      queued: this.waiters.length,
    };
  }

  /** Waits for a slot and for the pace; the caller must call `release` once the attempt has ended. */
  async acquire(): Promise<void> {
    while (this.inFlight >= this.window) await new Promise<void>((wake) => this.waiters.push(wake));
    this.inFlight++;
    const interval = this.requestsPerMinute ? 60_000 / this.requestsPerMinute : 0;
    const t = this.now();
    const startAt = Math.max(t, this.nextStartAt);
    this.nextStartAt = startAt + interval;
    if (startAt > t) await new Promise((r) => setTimeout(r, startAt - t));
  }

  /** Ends an attempt; `throttled` when the endpoint said 429, with its Retry-After if it gave one. */
  release(outcome: { throttled?: boolean; pauseMs?: number } = {}): void {
    this.inFlight--;
    if (outcome.throttled) {
      this.window = Math.max(1, Math.floor(this.window / 2));
      this.successes = 0;
    } else if (this.window < this.cap && ++this.successes >= this.window) {
      this.window++;
      this.successes = 0;
    }
    // The server asked for a pause: nobody starts before it is over, not just the caller that was told.
    if (outcome.pauseMs) this.nextStartAt = Math.max(this.nextStartAt, this.now() + outcome.pauseMs);
    // Woken waiters re-check the window themselves (a throttle may have shrunk it meanwhile).
    for (let free = this.window - this.inFlight; free > 0 && this.waiters.length; free--) this.waiters.shift()!();
  }
}

const limiters = new Map<string, EndpointLimiter>();

/** The process-wide limiter for this endpoint, created on first use. */
export function limiterFor(baseURL: string, s: LimiterSettings): EndpointLimiter {
  const key = baseURL.replace(/\/+$/, '');
  let l = limiters.get(key);
  if (!l) limiters.set(key, (l = new EndpointLimiter(key, s.concurrency, s.requestsPerMinute)));
  else l.tighten(s);
  return l;
}

/** Every endpoint's limiter state (for logs and status). */
export function limiterStates(): EndpointLimiter['state'][] {
  return [...limiters.values()].map((l) => l.state);
}
