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
  LocalArtifactStore,
  putJson,
  putJsonl,
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
