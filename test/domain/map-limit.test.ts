import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapLimit } from '../../src/domain/map-limit.js';

/** A promise settled by the test, so what runs at once is decided by the test, never by timing. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
const tick = () => new Promise((r) => setImmediate(r));

test('mapLimit keeps the items order, runs at most limit at once, and starts the next as one finishes', async () => {
  const gates = Array.from({ length: 5 }, () => deferred<string>());
  const started: number[] = [];
  const run = mapLimit(gates, 2, async (g, i) => {
    started.push(i);
    return g.promise;
  });
  await tick();
  assert.deepEqual(started, [0, 1], 'two at once');
  gates[1].resolve('b');
  await tick();
  assert.deepEqual(started, [0, 1, 2], 'a finished one makes room for the next');
  gates[0].resolve('a');
  gates[2].resolve('c');
  gates[4].resolve('e');
  await tick();
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  gates[3].resolve('d');
  assert.deepEqual(await run, ['a', 'b', 'c', 'd', 'e'], 'results in the items order, not the finishing order');
  assert.deepEqual(await mapLimit([], 4, async () => 1), []);
});

test('mapLimit starts nothing after a failure and throws the first error once the running ones settle', async () => {
  const gates = Array.from({ length: 4 }, () => deferred<number>());
  const started: number[] = [];
  let settled = false;
  const run = mapLimit(gates, 2, async (g, i) => {
    started.push(i);
    return g.promise;
  }).finally(() => (settled = true));
  await tick();
  gates[0].reject(new Error('endpoint down'));
  await tick();
  assert.equal(settled, false, 'item 1 is still running: the call waits for it');
  gates[1].reject(new Error('second'));
  await assert.rejects(run, /endpoint down/);
  assert.deepEqual(started, [0, 1], 'nothing started after the failure');
});
