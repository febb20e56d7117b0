// Multi-step goals: which outputs feed which inputs, and how a reference resolves (or says why it cannot).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { findChain, linkResults, resolveTurn } from '../../src/domain/result-refs.js';
import type { Goal } from '../../src/domain/task.js';
import { toolsOf, type Catalog } from '../../src/domain/catalog.js';
import { loadExampleCatalog } from '../../src/specs/examples.js';
import type { ChatMessage } from '../../src/domain/chat.js';

let catalog: Catalog;
before(async () => {
  catalog = await loadExampleCatalog();
});

test('chains come from real output schemas: notes (id -> note_id) and the OpenAPI petstore (Pet.id -> id, through allOf)', () => {
  const notes = findChain(toolsOf(catalog, 'notes'))!;
  assert.equal(notes.producer.name, 'create_note');
  assert.ok(['get_note', 'update_note', 'delete_note'].includes(notes.consumer.name));
  // Pet is an allOf of NewPet and {id}: addPet's result feeds find_pet_by_id / deletePet's `id`.
  const pets = findChain(toolsOf(catalog, 'swagger-petstore'))!;
  assert.equal(pets.producer.name, 'addPet');
  assert.ok(['find_pet_by_id', 'deletePet'].includes(pets.consumer.name), pets.consumer.name);
  // A tool set without output schemas has no chain: every value stays one the user states.
  assert.equal(findChain(toolsOf(catalog, 'weather')), undefined);
});

test('linkResults replaces only required id-like arguments an earlier turn produces', () => {
  const tools = toolsOf(catalog, 'notes');
  const turns = [
    [{ name: 'create_note', arguments: { title: 'Groceries' } }],
    [{ name: 'update_note', arguments: { note_id: 'n-1', title: 'Food' } }],
  ];
  const linked = linkResults(turns, tools);
  assert.deepEqual(linked, ['update_note.note_id <- turn 0 create_note/id']);
  assert.deepEqual(turns[1][0].arguments, { note_id: { $result: { turn: 0, call: 0, path: '/id' } }, title: 'Food' });
  // The first turn has nothing earlier to refer to.
  const alone = [[{ name: 'get_note', arguments: { note_id: 'n-1' } }]];
  assert.deepEqual(linkResults(alone, tools), []);
});

test('resolveTurn reads the value from this conversation, and names why it cannot', () => {
  const goal: Pick<Goal, 'turns'> = {
    turns: [
      [{ name: 'create_note', arguments: { title: 'A' } }],
      [{ name: 'get_note', arguments: { note_id: { $result: { turn: 0, call: 0, path: '/id' } } } }],
    ],
  };
  const messages: ChatMessage[] = [
    { role: 'user', content: 'make a note A' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'create_note', arguments: '{"title":"A"}' } }],
    },
    { role: 'tool', tool_call_id: 'c1', content: '{"id":"note-42","title":"A"}' },
    { role: 'assistant', content: 'Done.' },
    { role: 'user', content: 'show it' },
  ];
  assert.deepEqual(resolveTurn(goal, 1, messages, [0, 4]), {
    calls: [{ name: 'get_note', arguments: { note_id: 'note-42' } }],
    unresolved: [],
  });
  const notReached = resolveTurn(goal, 1, messages, []);
  assert.match(
    notReached.unresolved[0],
    /get_note\.note_id \(<the id from create_note's result>\): turn 0 was never reached/,
  );
  const textResult = structuredClone(messages);
  (textResult[2] as { content: string }).content = 'created!';
  assert.match(resolveTurn(goal, 1, textResult, [0, 4]).unresolved[0], /is not JSON/);
  const noId = structuredClone(messages);
  (noId[2] as { content: string }).content = '{"title":"A"}';
  assert.match(resolveTurn(goal, 1, noId, [0, 4]).unresolved[0], /has nothing at \/id/);
  const noCall = messages.slice(0, 1).concat(messages.slice(3));
  assert.match(resolveTurn(goal, 1, noCall, [0, 2]).unresolved[0], /turn 0 made no call 1 to create_note/);
});
