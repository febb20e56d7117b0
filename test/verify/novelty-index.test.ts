// The novelty index: near-duplicates found with the exact Jaccard similarity of word trigrams, and the index
// persisted as JSON lines (a header, a row per item) read back to the same answers; the older one-value JSON
// still reads, and a file cut short is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NoveltyIndex } from '../../src/verify/novelty-index.js';
import { jaccard, shingleHashes } from '../../src/verify/shingles.js';

const REQUESTS = [
  'What is the weather in Paris tomorrow morning, in celsius please?',
  'Add a note titled groceries with milk, eggs and bread for the weekend',
  'Book a table for two at an italian place near union square at 7 pm',
  'Convert 120 US dollars into euros at the current exchange rate',
];

function filled(): NoveltyIndex {
  const index = new NoveltyIndex();
  REQUESTS.forEach((r, i) => index.add(`t${i}`, r, `sig-${i}`, i !== 3));
  return index;
}

test('a near-duplicate is found with its exact Jaccard similarity; a new request and a new call are not', () => {
  const index = filled();
  const near = 'What is the weather in Paris tomorrow morning, in celsius?';
  const hit = index.check(near, 'sig-new', true);
  assert.equal(hit?.kind, 'similar_request');
  assert.equal(hit?.of, 't0');
  assert.equal(hit?.similarity, jaccard(shingleHashes(near, 3), shingleHashes(REQUESTS[0], 3)));
  assert.deepEqual(index.check('Remind me to call the dentist on friday afternoon', 'sig-new', true), undefined);
  assert.deepEqual(index.check('anything at all', 'sig-1', true), { kind: 'same_calls', of: 't1', similarity: 1 });
  assert.equal(index.check('anything at all', 'sig-3', true), undefined, 'a goal without calls keeps no signature');
});

async function jsonl(index: NoveltyIndex): Promise<string> {
  let out = '';
  await index.writeJsonl(async (t) => void (out += t));
  return out;
}
const rows = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);

test('JSON lines round trip: a header and a row per item, read back to the same answers', async () => {
  const index = filled();
  const text = await jsonl(index);
  assert.equal(text.trim().split('\n').length, 1 + REQUESTS.length);
  const back = await NoveltyIndex.fromJsonlRows(rows(text));
  assert.equal(back.size, REQUESTS.length);
  for (const r of [...REQUESTS, 'What is the weather in Paris tomorrow morning?', 'something else entirely here'])
    assert.deepEqual(back.check(r, 'sig-x', true), index.check(r, 'sig-x', true), r);
  assert.equal(await jsonl(back), text, 'written again, the same text');

  const old = NoveltyIndex.fromJSON(JSON.parse(JSON.stringify(index.toJSON())));
  assert.deepEqual(old.check(REQUESTS[2], 'sig-x', true), index.check(REQUESTS[2], 'sig-x', true));

  const cut = text.trim().split('\n').slice(0, -1).join('\n');
  await assert.rejects(NoveltyIndex.fromJsonlRows(rows(cut)), /holds 3 items, its header says 4: it was cut short/);
  await assert.rejects(
    NoveltyIndex.fromJsonlRows([{ version: 2, config: index.config, entries: 1 }, { id: 7 }]),
    /novelty index is malformed at row 1 id/,
  );
});
