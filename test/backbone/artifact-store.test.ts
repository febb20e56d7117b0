import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalJson,
  contentKey,
  getJson,
  getJsonl,
  jsonlRows,
  LocalArtifactStore,
  putJson,
  putJsonl,
  writeArtifacts,
} from '../../src/store/artifact-store.js';

test('content keys ignore key order and change with content', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: 2, c: 3 } }), '{"a":{"c":3,"d":2},"b":1}');
  assert.equal(contentKey({ a: 1, b: 2 }), contentKey({ b: 2, a: 1 }));
  assert.notEqual(contentKey({ a: 1 }), contentKey({ a: 2 }));
});

test('artifacts are written once: the first writer wins, no temp files are left', async () => {
  const root = mkdtempSync(join(tmpdir(), 'store-'));
  const store = new LocalArtifactStore(root);
  const ref = { key: contentKey('x'), name: 'out/data.json' };
  await putJson(store, ref, { v: 1 });
  await putJson(store, ref, { v: 2 });
  assert.deepEqual(await getJson(store, ref), { v: 1 });
  await putJsonl(store, { key: ref.key, name: 'rows.jsonl' }, [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(await getJsonl(store, { key: ref.key, name: 'rows.jsonl' }), [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(readdirSync(join(root, ref.key)).sort(), ['out', 'rows.jsonl']);
  await assert.rejects(store.get({ key: ref.key, name: 'nope.json' }), /artifact .*nope\.json is missing/);
  assert.throws(() => store.locate({ key: '../evil', name: 'x' }), /characters a path cannot hold/);
  assert.throws(() => store.locate({ key: 'k', name: '../x' }), /not a plain relative path/);
});

test('a written-piecewise artifact appears whole at commit only; an abort leaves nothing; an existing one is kept', async () => {
  const store = new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'inftool-store-writer-')));
  const ref = { key: 'k', name: 'rows.jsonl' };
  const w = await store.writer(ref);
  await w.write('{"a":1}\n');
  await w.write(Buffer.from('{"a":2}\n'));
  assert.equal(await store.exists(ref), false, 'nothing under the name before commit');
  await w.commit();
  await w.abort(); // after commit: nothing to drop
  assert.deepEqual(await getJsonl(store, ref), [{ a: 1 }, { a: 2 }]);

  const again = await store.writer(ref);
  await again.write('{"a":3}\n');
  await again.commit();
  assert.deepEqual(await getJsonl(store, ref), [{ a: 1 }, { a: 2 }], 'the first writer wins');

  const dropped = { key: 'k', name: 'dropped.jsonl' };
  const d = await store.writer(dropped);
  await d.write('partial');
  await d.abort();
  assert.equal(await store.exists(dropped), false);
  assert.deepEqual(readdirSync(join(store.root, 'k')).sort(), ['rows.jsonl'], 'no temp file is left');
});

test('writeArtifacts makes every artifact visible when its fill succeeds, and none when it throws', async () => {
  const store = new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'store-')));
  const a = { key: 'w', name: 'a.jsonl' };
  const b = { key: 'w', name: 'b.jsonl' };
  await assert.rejects(
    writeArtifacts(store, [a, b], async ([wa, wb]) => {
      await wa.write('{"x":1}\n');
      await wb.write('{"y":1}\n');
      throw new Error('the batch after these failed');
    }),
    /the batch after these failed/,
  );
  assert.equal(await store.exists(a), false);
  assert.equal(await store.exists(b), false);
  assert.deepEqual(readdirSync(join(store.root, 'w')), [], 'no temp file is left');
  const out = await writeArtifacts(store, [a, b], async ([wa, wb]) => {
    await wa.write('{"x":2}\n');
    await wb.write('{"y":2}\n');
    return 'done';
  });
  assert.equal(out, 'done');
  assert.deepEqual(await getJsonl(store, a), [{ x: 2 }]);
  assert.deepEqual(await getJsonl(store, b), [{ y: 2 }]);
});

test('jsonlRows streams a file row by row across chunk boundaries, and names a bad line by number', async () => {
  const store = new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'inftool-store-rows-')));
  const ref = { key: 'k', name: 'rows.jsonl' };
  // Rows longer than a read chunk (64 KiB), with multi-byte characters that a chunk boundary may split.
  const rows = Array.from({ length: 12 }, (_, i) => ({ i, text: `é✓${'ü'.repeat(20_000 + i * 997)}` }));
  await store.put(ref, rows.map((r) => JSON.stringify(r)).join('\r\n') + '\n\n');
  const read: unknown[] = [];
  for await (const row of jsonlRows(store, ref)) read.push(row);
  assert.deepEqual(read, rows);
  assert.deepEqual(read, await getJsonl(store, ref), 'the streamed and the whole-file reader agree');

  for await (const row of jsonlRows<{ i: number }>(store, ref)) if (row.i === 1) break; // a reader may stop early

  const bad = { key: 'k', name: 'bad.jsonl' };
  await store.put(bad, '{"a":1}\n{"a":\n');
  await assert.rejects(async () => {
    for await (const _ of jsonlRows(store, bad));
  }, /artifact k\/bad\.jsonl line 2 is not JSON/);
  await assert.rejects(getJsonl(store, bad), /artifact k\/bad\.jsonl line 2 is not JSON/);
  await assert.rejects(store.stream({ key: 'k', name: 'nope.jsonl' }), /artifact k\/nope\.jsonl is missing/);
});
