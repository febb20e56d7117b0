// The paired comparison keepBestAlpha decides on: exact sign-test values and item matching by id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePaired, signTestWorse } from '../../src/eval/paired.js';

test('the sign test gives the exact binomial tail P(at least `lost` of the changed items lost)', () => {
  assert.equal(signTestWorse(5, 1), 7 / 64);
  assert.equal(signTestWorse(12, 1), 14 / 8192);
  assert.equal(signTestWorse(0, 0), 1, 'nothing changed: no evidence');
  assert.equal(signTestWorse(0, 7), 1, 'nothing lost');
  assert.equal(signTestWorse(3, 3), 42 / 64);
  assert.equal(signTestWorse(1, 0), 0.5, 'one item lost alone is a coin flip');
  assert.ok(Math.abs(signTestWorse(30, 10) - 0.001111) < 1e-5, 'n = 40');
});

test('items are compared by id; an item either side lacks is not counted', () => {
  const incumbent = new Map([
    ['a', true],
    ['b', true],
    ['c', false],
    ['d', false],
    ['e', true],
  ]);
  const candidate = new Map([
    ['a', true],
    ['b', false],
    ['c', true],
    ['d', false],
    ['f', true],
  ]);
  assert.deepEqual(comparePaired(['a', 'b', 'c', 'd', 'e', 'f'], incumbent, candidate), {
    items: 4,
    gained: 1,
    lost: 1,
    pWorse: 0.75,
  });
});
