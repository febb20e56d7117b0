// The committed reward vectors are what the TypeScript reward computes today: a change to the reward that
// is not regenerated (npx tsx test/vectors/generate.ts) and shared with the Python trainer fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { VECTORS_PATH, vectorLines } from './generate.js';

it('test/vectors/reward-vectors.jsonl matches the current gatedReward', () => {
  const committed = readFileSync(VECTORS_PATH, 'utf8').trimEnd().split('\n');
  const now = vectorLines();
  assert.equal(
    committed.length,
    now.length,
    'vector count changed: regenerate with `npx tsx test/vectors/generate.ts`',
  );
  for (let i = 0; i < now.length; i++)
    assert.equal(committed[i], now[i], `vector ${i} drifted: regenerate and tell the trainer`);
});
