// The one JSON Schema validator and its one policy: a pattern import accepts compiles everywhere, formats are
// asserted except by the reward (as the trainer's Draft7Validator), and a schema that does not compile admits
// no value anywhere: the schema gate, the user simulator's check, the MCP server and the reward all refuse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CatalogSchema } from '../../src/domain/catalog.js';
import { compileSchema, isSchemaValid, schemaErrors } from '../../src/domain/schema-validator.js';
import { gatedReward } from '../../src/eval/reward.js';
import { createToolSetServer } from '../../src/mcp/tool-server.js';
import { toolResultText } from '../../src/mcp/tool-result.js';
import { connectInMemory } from '../../src/specs/mcp-client.js';

// `(` opens a group that never closes: no regex engine compiles it.
const BROKEN = { type: 'object', properties: { code: { type: 'string', pattern: '(' } }, required: ['code'] };

test('a pattern written for ECMA-262 without the u flag compiles (as import accepts it) and is enforced', () => {
  const schema = { type: 'object', properties: { tag: { type: 'string', pattern: '^[a-z]+\\-[0-9]+$' } } };
  assert.deepEqual(schemaErrors(schema, { tag: 'ab-12' }), []);
  assert.deepEqual(schemaErrors(schema, { tag: 'ab12' }), ['/tag: must match pattern "^[a-z]+\\-[0-9]+$"']);
});

test("formats are asserted, except in the reward's annotate mode", () => {
  const schema = { type: 'object', properties: { when: { type: 'string', format: 'date' } } };
  assert.equal(isSchemaValid(schema, { when: 'tomorrow' }), false);
  const annotated = compileSchema(schema, { formats: 'annotate' });
  assert.ok(annotated.ok && annotated.validate({ when: 'tomorrow' }));
});

test('equal schemas compile once, whether the same object or a copy', () => {
  const a = compileSchema({ type: 'object', properties: { n: { type: 'integer' } } });
  const b = compileSchema({ type: 'object', properties: { n: { type: 'integer' } } });
  assert.ok(a.ok && b.ok);
  assert.equal(a.validate, b.validate);
});

test('a schema that does not compile admits no value: the gate check and the simulator check refuse', () => {
  const compiled = compileSchema(BROKEN);
  assert.equal(compiled.ok, false);
  assert.equal(isSchemaValid(BROKEN, { code: 'x' }), false);
  const [message] = schemaErrors(BROKEN, { code: 'x' });
  assert.match(message, /^schema does not compile: /);
});

test("a schema that does not compile fails the reward's schema gate (reward 0), it does not throw", () => {
  const r = gatedReward({
    tools: [{ type: 'function', function: { name: 'lookup', parameters: BROKEN } }],
    reference: [{ lookup: { code: ['x'] } }],
    category: 'simple',
    completion: {
      content: null,
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"code": "x"}' } }],
    },
  });
  assert.deepEqual([r.reward, r.gates.format, r.gates.schema], [0, true, false]);
  assert.match(r.reason, /does not compile/);
});

test('a schema that does not compile makes the MCP server refuse the call, naming why', async () => {
  const tool = {
    name: 'lookup',
    originalName: 'lookup',
    description: 'Look a code up',
    inputSchema: BROKEN,
    source: { kind: 'openai', location: 'x' },
  };
  const catalog = CatalogSchema.parse({
    version: 1,
    tools: [tool],
    toolSets: [{ id: 'codes', name: 'Codes', toolNames: ['lookup'] }],
  });
  const { client, close } = await connectInMemory(
    createToolSetServer({ catalog, toolSetId: 'codes', handler: { kind: 'simulated', seed: 0 } }),
  );
  try {
    const r = await client.callTool({ name: 'lookup', arguments: { code: 'x' } });
    assert.equal(r.isError, true);
    assert.match(toolResultText(r), /invalid arguments for tool 'lookup': its input schema does not compile/);
  } finally {
    await close();
  }
});
