// The committed chat-format vectors are what the embedded runtime renders and parses today: a change to
// src/llm/local-chat-format.ts (or a node-llama-cpp upgrade that changes the template) that is not
// regenerated (npx tsx test/vectors/generate-chat-format.ts) and matched by the Python trainer fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { CHAT_FORMAT_VECTORS_PATH, chatFormatVectorLines } from './generate-chat-format.js';

it('test/vectors/chat-format-vectors.jsonl matches the runtime chat format', async () => {
  const committed = readFileSync(CHAT_FORMAT_VECTORS_PATH, 'utf8').trimEnd().split('\n');
  const now = await chatFormatVectorLines();
  assert.equal(
    committed.length,
    now.length,
    'vector count changed: regenerate with `npx tsx test/vectors/generate-chat-format.ts`',
  );
  for (let i = 0; i < now.length; i++)
    assert.equal(
      committed[i],
      now[i],
      `vector ${i} drifted: regenerate and update trainer/inftool_trainer/chat_format.py`,
    );
});
