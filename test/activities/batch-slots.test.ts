// The worker's batch slots (src/activities/batch-slots.ts): at most `capacity` slots of a cycle are held at
// once, a waiting batch gets the next free slot in batch order, a slot is given back once however often its
// release is called, an abort while waiting rejects with the signal's reason and gives nothing away, cycles
// do not share slots; a batch runs its trajectories on spare slots while no batch waits and gives a spare back
// to a batch that does; a failure stops further starts. Pure bookkeeping: no timers, each step awaited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { BatchSlots, runInSlots } from '../../src/activities/batch-slots.js';

/** Settles pending promise callbacks (grants are resolved promises, not timers). */
const settle = () => new Promise<void>((r) => setImmediate(r));

test('at most capacity holders; the waiting batch with the lowest index gets the next free slot', async () => {
  const slots = new BatchSlots();
  const order: number[] = [];
  const take = (i: number) =>
    slots.acquire('cycle-a', 2, i).then((release) => {
      order.push(i);
      return release;
    });
  const r0 = await take(0);
  const r1 = await take(1);
  // Arriving out of order: 5, then 3, then 4 (as activities may reach a worker).
  const waiting = [take(5), take(3), take(4)];
  await settle();
  assert.deepEqual(order, [0, 1]);
  assert.deepEqual(slots.usage('cycle-a'), { held: 2, waiting: 3, spares: 0 });

  r0();
  r0(); // a second call gives back nothing more
  await settle();
  assert.deepEqual(order, [0, 1, 3], 'the lowest waiting batch index first');
  assert.deepEqual(slots.usage('cycle-a'), { held: 2, waiting: 2, spares: 0 });

  r1();
  await settle();
  assert.deepEqual(order, [0, 1, 3, 4]);
  const [r3, r4] = await Promise.all([waiting[1], waiting[2]]);
  r3();
  const r5 = await waiting[0];
  assert.deepEqual(order, [0, 1, 3, 4, 5]);
  r4();
  r5();
  assert.deepEqual(slots.usage('cycle-a'), { held: 0, waiting: 0, spares: 0 }, 'nothing held once all are given back');
});

test('an abort while waiting rejects with its reason and takes no slot; other cycles have slots of their own', async () => {
  const slots = new BatchSlots();
  const held = await slots.acquire('cycle-a', 1, 0);
  const other = await slots.acquire('cycle-b', 1, 0); // another cycle: not blocked by cycle-a's holder
  const ac = new AbortController();
  const aborted = slots.acquire('cycle-a', 1, 1, ac.signal);
  const next = slots.acquire('cycle-a', 1, 2);
  ac.abort(new Error('cancelled by the cycle'));
  await assert.rejects(aborted, /cancelled by the cycle/);
  assert.deepEqual(slots.usage('cycle-a'), { held: 1, waiting: 1, spares: 0 });
  held();
  const r2 = await next;
  assert.deepEqual(
    slots.usage('cycle-a'),
    { held: 1, waiting: 0, spares: 0 },
    'batch 2 holds the slot batch 1 gave up',
  );
  r2();
  other();
  assert.deepEqual(slots.usage('cycle-b'), { held: 0, waiting: 0, spares: 0 });
  await assert.rejects(slots.acquire('cycle-a', 1, 3, ac.signal), /cancelled by the cycle/, 'already aborted');
  assert.deepEqual(slots.usage('cycle-a'), { held: 0, waiting: 0, spares: 0 });
});

/** run(i) for a test: each call waits until the test finishes (or fails) index i. */
function scripted() {
  const started: number[] = [];
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  return {
    started,
    run: (i: number) =>
      new Promise<void>((resolve, reject) => {
        started.push(i);
        pending.set(i, { resolve, reject });
      }),
    finish: async (i: number, error?: Error) => {
      const p = pending.get(i)!;
      pending.delete(i);
      if (error) p.reject(error);
      else p.resolve();
      await settle();
    },
  };
}

test('without a claim a batch runs its trajectories one after another, as it always did', async () => {
  const s = scripted();
  const done = runInSlots(undefined, 3, s.run);
  await settle();
  assert.deepEqual(s.started, [0]);
  await s.finish(0);
  assert.deepEqual(s.started, [0, 1]);
  await s.finish(1);
  await s.finish(2);
  await done;
  assert.deepEqual(s.started, [0, 1, 2]);
});

test('a batch alone spreads over the free slots; a waiting batch gets the next slot a spare gives back', async () => {
  const slots = new BatchSlots();
  const claim = (priority: number) => ({ slots, key: 'c', capacity: 3, priority });
  const a = scripted();
  const doneA = runInSlots(claim(0), 5, a.run);
  await settle();
  assert.deepEqual(a.started, [0, 1, 2], 'its own slot and both spares');
  assert.equal(slots.usage('c').held, 3);

  await a.finish(1); // a spare's trajectory ends with no batch waiting: it goes on
  assert.deepEqual(a.started, [0, 1, 2, 3]);

  const b = scripted();
  const doneB = runInSlots(claim(1), 2, b.run);
  await settle();
  assert.deepEqual(b.started, [], 'every slot is held');
  assert.equal(slots.usage('c').waiting, 1);
  await a.finish(2); // a spare's trajectory ends with batch 1 waiting: the slot is batch 1's
  assert.deepEqual(a.started, [0, 1, 2, 3], 'batch 0 started nothing more on it');
  assert.deepEqual(b.started, [0]);
  assert.equal(slots.usage('c').held, 3);

  await a.finish(0); // batch 0's own slot goes on with its last index
  assert.deepEqual(a.started, [0, 1, 2, 3, 4]);
  await a.finish(3);
  assert.deepEqual(b.started, [0, 1], "the spare batch 0 no longer needs is batch 1's");
  await a.finish(4);
  await doneA;
  await b.finish(0);
  await b.finish(1);
  await doneB;
  assert.deepEqual(
    [...a.started].sort((x, y) => x - y),
    [0, 1, 2, 3, 4],
    'each index once',
  );
  assert.deepEqual(slots.usage('c'), { held: 0, waiting: 0, spares: 0 }, 'every slot given back, no request left');
});

test('after a failure no further trajectory starts; the running ones finish, then the failure is thrown', async () => {
  const slots = new BatchSlots();
  const a = scripted();
  const done = runInSlots({ slots, key: 'c', capacity: 2, priority: 0 }, 5, a.run);
  const outcome = done.then(
    () => 'resolved',
    (e: Error) => e.message,
  );
  await settle();
  assert.deepEqual(a.started, [0, 1]);
  await a.finish(1, new Error('endpoint down'));
  assert.deepEqual(a.started, [0, 1], 'nothing new starts');
  assert.deepEqual(slots.usage('c').held, 1, 'the spare is given back');
  await a.finish(0);
  assert.equal(await outcome, 'endpoint down');
  assert.deepEqual(slots.usage('c'), { held: 0, waiting: 0, spares: 0 });
});

test("a spare granted by another batch's release runs under the claiming batch's own async context", async () => {
  // The activity's context (its meter, heartbeats, cancellation) lives in AsyncLocalStorage: a trajectory on a
  // spare must count for its own batch, not for the batch whose slot it took.
  const als = new AsyncLocalStorage<string>();
  const slots = new BatchSlots();
  const seen: string[] = [];
  const b = scripted();
  const a = scripted();
  const doneB = als.run('batch B', () => runInSlots({ slots, key: 'c', capacity: 2, priority: 0 }, 1, b.run));
  await settle();
  const doneA = als.run('batch A', () =>
    runInSlots({ slots, key: 'c', capacity: 2, priority: 1 }, 3, (i) => {
      seen.push(`${i}: ${als.getStore()}`);
      return a.run(i);
    }),
  );
  await settle();
  assert.deepEqual(a.started, [0], 'no spare while batch B holds the other slot');
  await b.finish(0); // batch B ends: its slot is a spare for batch A, granted from B's release
  await doneB;
  assert.deepEqual(a.started, [0, 1]);
  await a.finish(0);
  await a.finish(1);
  await a.finish(2);
  await doneA;
  assert.deepEqual(seen, ['0: batch A', '1: batch A', '2: batch A']);
});
