// Slots for a cycle's synthesis trajectories on one worker: at most `parallelBatches` trajectories of a cycle
// talk to the model at once per worker, however many batch activities it has in flight.
//
// A cycle keeps `lookaheadBatches` more batch activities in flight than its `parallelBatches`, so the next batch
// is already on the worker, its plan read and its tasks built, when one ends: the round trip through Temporal
// between two batches of a lane (a completion, a workflow task, a scheduling, a dispatch: 35-40 ms on 2 cores)
// no longer leaves model calls idle. A batch takes one slot before its first model call and gives it back after
// its last, before its own stores; a waiting batch gets the next free slot in batch order (the order the cycle
// would have started them in without lookahead).
//
// A slot that frees when no batch waits for one (the cycle's tail: no batch left to start) is a spare: a running
// batch with trajectories not yet started takes it and runs one of them beside its own, and gives it back at the
// end of that trajectory if a batch waits by then. So the last batches of a cycle spread over the slots the
// finished ones left, instead of running their trajectories one at a time while the other slots idle.

import { AsyncResource } from 'node:async_hooks';

export type Release = () => void;
type Waiter = { priority: number; grant: (release: Release) => void };
type Pool = { held: number; capacity: number; waiting: Waiter[]; spares: Waiter[] };

export class BatchSlots {
  private readonly pools = new Map<string, Pool>();

  /**
   * Waits for one of `capacity` slots of `key` (a cycle), lowest `priority` (the batch index) first; resolves to
   * the function that gives it back (once). Rejects with the signal's reason if it aborts while waiting.
   */
  acquire(key: string, capacity: number, priority: number, signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const pool = this.pool(key, capacity);
    if (pool.held < pool.capacity && pool.waiting.length === 0) return Promise.resolve(this.take(key, pool));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        priority,
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        const i = pool.waiting.indexOf(waiter);
        if (i >= 0) pool.waiting.splice(i, 1);
        this.grant(key, pool);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      insertByPriority(pool.waiting, waiter);
    });
  }

  /**
   * Asks for one spare slot of `key`: one that no batch waits for. `take` gets it at once if one is free, else when
   * one frees with no batch waiting (lowest `priority` first), and must give it back; the returned function
   * withdraws the request if it has not been met. A spare is granted from whatever gives a slot back, often another
   * batch's activity, so `take` runs in the async context it was asked from: the asking activity's own (its meter,
   * its heartbeats, its cancellation), never the releasing one's.
   */
  spare(key: string, capacity: number, priority: number, take: (release: Release) => void): () => void {
    const pool = this.pool(key, capacity);
    const request: Waiter = { priority, grant: AsyncResource.bind(take) };
    insertByPriority(pool.spares, request);
    this.grant(key, pool);
    return () => {
      const i = pool.spares.indexOf(request);
      if (i >= 0) pool.spares.splice(i, 1);
      this.cleanUp(key, pool);
    };
  }

  /** Slots held, batches waiting and spare requests pending for `key`. */
  usage(key: string): { held: number; waiting: number; spares: number } {
    const pool = this.pools.get(key);
    return { held: pool?.held ?? 0, waiting: pool?.waiting.length ?? 0, spares: pool?.spares.length ?? 0 };
  }

  private pool(key: string, capacity: number): Pool {
    const pool = this.pools.get(key) ?? { held: 0, capacity, waiting: [], spares: [] };
    pool.capacity = capacity;
    this.pools.set(key, pool);
    return pool;
  }

  private take(key: string, pool: Pool): Release {
    pool.held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      pool.held--;
      this.grant(key, pool);
    };
  }

  /** Free slots to waiting batches first, then to spare requests. */
  private grant(key: string, pool: Pool): void {
    while (pool.held < pool.capacity && pool.waiting.length) pool.waiting.shift()!.grant(this.take(key, pool));
    while (pool.held < pool.capacity && pool.spares.length) pool.spares.shift()!.grant(this.take(key, pool));
    this.cleanUp(key, pool);
  }

  private cleanUp(key: string, pool: Pool): void {
    if (pool.held === 0 && pool.waiting.length === 0 && pool.spares.length === 0 && this.pools.get(key) === pool)
      this.pools.delete(key);
  }
}

/** Keeps `list` sorted by priority; equal priorities in arrival order. */
function insertByPriority(list: Waiter[], w: Waiter): void {
  const at = list.findIndex((x) => x.priority > w.priority);
  list.splice(at < 0 ? list.length : at, 0, w);
}

export type SlotClaim = { slots: BatchSlots; key: string; capacity: number; priority: number };

/**
 * Runs `run(0)` ... `run(count - 1)` for a batch: without a claim one after another, as a batch always did; with
 * one, on a slot of the claim's key (waited for in batch order), and beside it on spare slots while no batch
 * waits. Each index runs once. After the first failure (or an abort) no further index starts; the ones running
 * finish, then the failure is thrown.
 */
export async function runInSlots(
  claim: SlotClaim | undefined,
  count: number,
  run: (i: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  if (!claim) {
    for (let i = 0; i < count; i++) {
      signal?.throwIfAborted();
      await run(i);
    }
    return;
  }
  if (count === 0) return;
  const { slots, key, capacity, priority } = claim;
  const release = await slots.acquire(key, capacity, priority, signal);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const runner = async (spare: boolean) => {
    while (!failure && next < count) {
      if (spare && slots.usage(key).waiting > 0) return; // a batch waits: this slot is its
      if (signal?.aborted) return void (failure ??= { error: signal.reason });
      const i = next++;
      try {
        await run(i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const running = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    running.add(p);
    void p.then(() => running.delete(p));
  };
  const withdrawals: Array<() => void> = [];
  const askSpare = () => {
    if (failure || next >= count) return;
    // Granted in this activity's async context (see spare), so its trajectory counts and beats as this batch's.
    withdrawals.push(
      slots.spare(key, capacity, priority, (spareRelease) => {
        if (failure || next >= count) return spareRelease();
        track(runner(true).finally(spareRelease));
        askSpare();
      }),
    );
  };
  try {
    track(runner(false).finally(release));
    askSpare();
    while (running.size) await Promise.all([...running]);
  } finally {
    for (const withdraw of withdrawals) withdraw();
    release();
  }
  if (failure) throw failure.error;
}
