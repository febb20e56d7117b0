// A counting semaphore that caps how many requests one client has in flight, so each role honours
// its endpoint's `concurrency` no matter how many activities call it at once.

export class Semaphore {
  private available: number;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`Semaphore: limit must be a positive integer, got ${limit}`);
    this.available = limit;
  }

  /** Runs `task` once a slot is free; the slot is released however the task ends. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.available > 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const next = this.waiters.shift();
    // Hand the slot straight to the next waiter (FIFO) instead of freeing it, so no one can jump the queue.
    if (next) next();
    else this.available++;
  }
}
