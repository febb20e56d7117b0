// What the simulator infers a tool does to the world (create/read/list/update/delete/action), from
// OpenAPI routes and from verb-first names, over the shipped examples.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { operationShape } from '../../src/mcp/operation-shape.js';
import { defaultForSchema } from '../../src/mcp/schema-default.js';
import { loadExampleCatalog } from '../../src/specs/examples.js';
import { compileSchema } from '../../src/domain/schema-validator.js';

test('every example tool gets the shape a reader would give it', async () => {
  const catalog = await loadExampleCatalog();
  const shapes = Object.fromEntries(catalog.tools.map((t) => [t.name, operationShape(t)]));
  assert.deepEqual(shapes, {
    findPets: { kind: 'list', collection: 'pet' },
    addPet: { kind: 'create', collection: 'pet' },
    find_pet_by_id: { kind: 'read', collection: 'pet', idParam: 'id' },
    deletePet: { kind: 'delete', collection: 'pet', idParam: 'id' },
    getUserByName: { kind: 'read', collection: 'user', idParam: 'username' },
    getRepositoriesByOwner: { kind: 'read', collection: 'repository', idParam: 'username' },
    getRepository: { kind: 'read', collection: 'repository', idParam: 'slug' },
    getPullRequestsByRepository: { kind: 'list', collection: 'pullrequest' },
    getPullRequestsById: { kind: 'read', collection: 'pullrequest', idParam: 'pid' },
    mergePullRequest: { kind: 'action', collection: 'merge' },
    create_note: { kind: 'create', collection: 'note' },
    get_note: { kind: 'read', collection: 'note', idParam: 'note_id' },
    search_notes: { kind: 'list', collection: 'note' },
    update_note: { kind: 'update', collection: 'note', idParam: 'note_id' },
    delete_note: { kind: 'delete', collection: 'note', idParam: 'note_id' },
    get_current_weather: { kind: 'action', collection: 'current_weather' },
    get_forecast: { kind: 'action', collection: 'forecast' },
    get_air_quality: { kind: 'action', collection: 'air_quality' },
    library_search_books: { kind: 'list', collection: 'book' },
    library_borrow_book: { kind: 'action', collection: 'book' },
    library_return_book: { kind: 'action', collection: 'book' },
    library_pay_fine: { kind: 'action', collection: 'fine' },
  });
});

test('schema defaults are valid for the example output schemas and take argument values where they fit', async () => {
  const catalog = await loadExampleCatalog();
  for (const tool of catalog.tools.filter((t) => t.outputSchema)) {
    const value = defaultForSchema(tool.outputSchema, {});
    const v = compileSchema(tool.outputSchema!);
    assert.ok(
      v.ok && v.validate(value),
      `${tool.name}: ${JSON.stringify(value)} ${JSON.stringify(v.ok && v.validate.errors)}`,
    );
  }
  assert.deepEqual(
    defaultForSchema(
      { type: 'object', properties: { city: { type: 'string' }, n: { type: 'integer', minimum: 3 } } },
      { city: 'Oslo', n: 'x' },
    ),
    { city: 'Oslo', n: 3 },
  );
});
