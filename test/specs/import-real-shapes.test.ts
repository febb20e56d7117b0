// Import of the shapes real published specs have (fixtures cut from DigitalOcean, Schoolbox, Netlify,
// Kubernetes, Xero): multi-file layouts, Swagger 2.0, `*/*` bodies, draft-4 bounds, non-unicode patterns,
// and a spec whose shared schemas would inline to megabytes. Each asserts tool counts and tool contents.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { JsonSchema, Tool } from '../../src/domain/catalog.js';
import { importSources } from '../../src/specs/import.js';
import { TOOL_TOKEN_BUDGET } from '../../src/specs/import-openapi.js';
import { compileSchema } from '../../src/domain/schema-validator.js';
import { problemKind, summarizeProblems } from '../../src/specs/problems.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const fixture = (f: string) => path.join(FIXTURES, f);
const byName = (tools: Tool[]) => new Map(tools.map((t) => [t.name, t]));
const props = (s: JsonSchema | undefined) => (s?.properties ?? {}) as Record<string, JsonSchema>;

test('multi-file: every operation a $ref to its own file (DigitalOcean layout) imports with its real content', async () => {
  const { catalog, problems } = await importSources([fixture('multi-file-ops/api.yaml')]);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    catalog.tools.map((t) => t.name),
    ['droplets_list', 'droplets_create', 'droplets_get'],
  );
  const tools = byName(catalog.tools);
  const list = tools.get('droplets_list')!;
  assert.match(list.description, /^List All Droplets\n\nTo list all Droplets/);
  assert.deepEqual(list.inputSchema, {
    type: 'object',
    properties: {
      per_page: {
        type: 'integer',
        minimum: 1,
        default: 20,
        maximum: 200,
        description: 'Number of items returned per page',
      },
      tag_name: { type: 'string', description: 'Used to filter Droplets by a specific tag.' },
    },
  });
  assert.deepEqual(
    props(props(list.outputSchema).droplets.items as JsonSchema).id.type,
    'integer',
    'response $ref resolved from responses/ via ../models/',
  );
  const create = tools.get('droplets_create')!;
  const body = props(create.inputSchema).body;
  assert.equal((body.allOf as JsonSchema[]).length, 2);
  assert.deepEqual(props((body.allOf as JsonSchema[])[0]).size, {
    type: 'string',
    description: 'The slug identifier for the size.',
  });
  // `properties: {$ref: attributes.yml#/droplet_names}` refers to a whole map of properties.
  assert.deepEqual(Object.keys(props((body.allOf as JsonSchema[])[1])), ['names']);
  assert.deepEqual(create.inputSchema.required, ['body']);
  const get = tools.get('droplets_get')!;
  assert.deepEqual(get.inputSchema.required, ['droplet_id']);
  assert.deepEqual(get.tags, ['cloud', 'Droplets', 'http:get', 'path:/v2/droplets/{droplet_id}']);
  for (const t of catalog.tools) assert.ok(compileSchema(t.inputSchema).ok, t.name);
});

test('multi-file: path items as $refs (Redocly/Schoolbox layout) import with parameters, bodies and responses', async () => {
  const { catalog, problems } = await importSources([fixture('multi-file-paths/openapi.yaml')]);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    catalog.tools.map((t) => t.name),
    ['userList', 'userCreate', 'userGetTokenForUser'],
  );
  const tools = byName(catalog.tools);
  assert.deepEqual(props(tools.get('userList')!.inputSchema).role.enum, ['staff', 'student', 'parent']);
  const create = tools.get('userCreate')!;
  assert.deepEqual(
    Object.keys(props(create.inputSchema)),
    ['firstName', 'lastName', 'email'],
    'readOnly id left the request',
  );
  assert.deepEqual(Object.keys(props(create.outputSchema)), ['id', 'firstName', 'lastName', 'email']);
  const token = tools.get('userGetTokenForUser')!;
  assert.deepEqual(token.inputSchema, {
    type: 'object',
    properties: { id: { type: 'integer', description: "The user's id" } },
    required: ['id'],
  });
  assert.deepEqual(token.outputSchema, { type: 'object', properties: { token: { type: 'string' } } });
  assert.equal(
    token.description,
    'Get an authentication token for a user\n\nRetrieve an authentication token for another user.',
  );
});

test('Swagger 2.0 is converted (swagger2openapi): body, formData and path-level parameters, definitions, bounds', async () => {
  const { catalog, problems } = await importSources([fixture('swagger2-shop.yaml')]);
  assert.deepEqual(
    problems.filter((p) => p.severity === 'error'),
    [],
  );
  assert.deepEqual(
    catalog.tools.map((t) => t.name),
    ['listHooksBySiteId', 'createHookBySiteId', 'addComment'],
  );
  const tools = byName(catalog.tools);
  assert.deepEqual(tools.get('listHooksBySiteId')!.inputSchema, {
    type: 'object',
    properties: { site_id: { type: 'string' }, page: { type: 'integer', minimum: 1 } },
    required: ['site_id'],
  });
  assert.deepEqual(
    Object.keys(props((tools.get('listHooksBySiteId')!.outputSchema as JsonSchema).items as JsonSchema)),
    ['id', 'type', 'event', 'data'],
  );
  const create = tools.get('createHookBySiteId')!;
  assert.deepEqual(
    Object.keys(props(create.inputSchema)),
    ['site_id', 'type', 'event', 'data'],
    'body flattened, readOnly id dropped',
  );
  assert.deepEqual(create.inputSchema.required, ['site_id', 'type']);
  const comment = tools.get('addComment')!;
  assert.deepEqual(
    props(comment.inputSchema).rating,
    { type: 'number', exclusiveMaximum: 5 },
    'boolean exclusiveMaximum became a number',
  );
  assert.deepEqual(comment.inputSchema.required, ['site_id', 'text']);
});

test('`*/*` bodies, boolean exclusive bounds and non-unicode patterns (`\\-`, `\\:`) import and validate', async () => {
  const { catalog, problems } = await importSources([fixture('k8s-shapes.yaml')]);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    catalog.tools.map((t) => t.name),
    ['createNamespacedConfigMap', 'createPayment'],
  );
  const [cm, pay] = catalog.tools;
  assert.deepEqual(Object.keys(props(cm.inputSchema)), ['namespace', 'apiVersion', 'kind', 'data']);
  const cmCheck = compileSchema(cm.inputSchema);
  assert.ok(cmCheck.ok);
  assert.equal(cmCheck.validate({ namespace: 'kube-system' }), true);
  assert.equal(cmCheck.validate({ namespace: 'Kube_System' }), false, 'the pattern is enforced, not dropped');
  const p = props(pay.inputSchema);
  assert.deepEqual(p.Amount, { type: 'number', exclusiveMinimum: 0 });
  assert.deepEqual(p.Rate, { type: 'number', maximum: 100 });
  assert.deepEqual(
    p.status,
    { type: 'string', allOf: [{ type: 'string', enum: ['SUBMITTED', 'APPROVED'] }] },
    'the empty enum is dropped',
  );
  const payCheck = compileSchema(pay.inputSchema);
  assert.ok(payCheck.ok);
  assert.equal(
    payCheck.validate({ InvoiceID: '0b6c6f1e-5d0e-4d7a-9a51-2f9f2e0f7d11', Amount: 0 }),
    false,
    'exclusive: 0 is out',
  );
  assert.equal(
    payCheck.validate({ InvoiceID: '0b6c6f1e-5d0e-4d7a-9a51-2f9f2e0f7d11', Amount: 1, Reference: 'A:B' }),
    true,
  );
});

/** A Graph-like spec: each of `n` entities has a navigation property to the next 6, and every operation returns one. */
function sharedSchemaSpec(n: number, ops: number): object {
  const schemas: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const properties: Record<string, unknown> = {
      id: { type: 'string' },
      displayName: { type: 'string', description: `Display name of entity ${i}`.repeat(3) },
    };
    for (let k = 1; k <= 6; k++)
      properties[`nav${k}`] = { type: 'array', items: { $ref: `#/components/schemas/entity${(i + k) % n}` } };
    schemas[`entity${i}`] = { allOf: [{ $ref: '#/components/schemas/base' }, { type: 'object', properties }] };
  }
  schemas.base = {
    type: 'object',
    properties: { '@odata.type': { type: 'string' }, 'x-ms-flag': { type: 'boolean' } },
  };
  const paths: Record<string, unknown> = {};
  for (let o = 0; o < ops; o++) {
    const ref = { $ref: `#/components/schemas/entity${o % n}` };
    paths[`/things${o}/{id}`] = {
      patch: {
        operationId: `update${o}`,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { required: true, content: { 'application/json': { schema: ref } } },
        responses: { '200': { description: 'ok', content: { 'application/json': { schema: ref } } } },
      },
    };
  }
  return { openapi: '3.0.3', info: { title: 'Graphish', version: '1' }, paths, components: { schemas } };
}

test('a spec whose shared schemas would inline without bound stays under the per-tool token budget, cuts reported', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'inftool-graphish-'));
  const file = path.join(dir, 'graphish.json');
  writeFileSync(file, JSON.stringify(sharedSchemaSpec(400, 300)));
  const progress: Array<[string, number, number]> = [];
  const { catalog, problems } = await importSources([file], {
    onProgress: (source, done, total) => progress.push([source, done, total]),
  });
  assert.equal(catalog.tools.length, 300);
  assert.deepEqual(
    problems.filter((p) => p.severity === 'error'),
    [],
  );
  const limit = (TOOL_TOKEN_BUDGET.description + TOOL_TOKEN_BUDGET.input + TOOL_TOKEN_BUDGET.output) * 4;
  for (const t of catalog.tools)
    assert.ok(JSON.stringify(t).length <= limit + 1000, `${t.name}: ${JSON.stringify(t).length} chars`);
  const body = props(catalog.tools[0].inputSchema).body;
  const [base, entity] = body.allOf as JsonSchema[];
  assert.deepEqual(
    Object.keys(props(base)),
    ['@odata.type', 'x-ms-flag'],
    'property names that look like x-* are kept',
  );
  assert.deepEqual(Object.keys(props(entity)), ['id', 'displayName', 'nav1', 'nav2', 'nav3', 'nav4', 'nav5', 'nav6']);
  assert.match(JSON.stringify(body), /"\(entity\d+; nested fields not listed\)"/, 'deep navigation cut to a stub');
  const cut = problems.filter(
    (p) =>
      p.severity === 'warning' &&
      /shared schemas in the (input|output) schema cut to their type below \$ref depth \d+(, field descriptions [a-z0-9 ]+)? to fit the tool token budget \(\d+ cut\)/.test(
        p.reason,
      ),
  );
  assert.ok(cut.length >= 300, `each cut reported per operation (${cut.length})`);
  assert.equal(progress.length, 300, 'progress after each path item');
  assert.deepEqual(progress.at(-1), [file, 299, 300]);
});

test('a wide, heavily documented body (Adyen payments) keeps every field, descriptions clipped to fit, and says so', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'inftool-wide-'));
  const properties: Record<string, unknown> = {};
  for (let i = 0; i < 120; i++)
    properties[`field${i}`] = {
      type: 'string',
      description: `Field ${i}: ${'explains the field at length. '.repeat(12)}`,
    };
  const spec = {
    openapi: '3.1.0',
    info: { title: 'Wide', version: '1' },
    paths: {
      '/payments': {
        post: {
          operationId: 'payments',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties } } } },
          responses: { '200': { description: 'ok' } },
        },
      },
    },
  };
  const file = path.join(dir, 'wide.json');
  writeFileSync(file, JSON.stringify(spec));
  const { catalog, problems } = await importSources([file]);
  assert.equal(catalog.tools.length, 1);
  const fields = props(catalog.tools[0].inputSchema);
  assert.equal(Object.keys(fields).length, 120);
  assert.ok(JSON.stringify(catalog.tools[0].inputSchema).length <= TOOL_TOKEN_BUDGET.input * 4);
  assert.match(String(fields.field0.description ?? ''), /^(Field 0: explains.*…)?$/);
  assert.deepEqual(
    problems.map((p) => [p.severity, p.pointer]),
    [['warning', '/paths/~1payments/post']],
  );
  assert.match(
    problems[0].reason,
    /field descriptions (clipped to \d+ characters|dropped) to fit the tool token budget/,
  );
});

test('a name clashing across sources is namespaced with the source prefix, original kept; within one source it is refused', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'inftool-clash-'));
  const spec = (title: string) => ({
    openapi: '3.0.3',
    info: { title, version: '1' },
    paths: {
      '/users/{id}': {
        delete: {
          operationId: 'deleteUser',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '204': { description: 'gone' } },
        },
      },
    },
  });
  const a = path.join(dir, 'a.json');
  const b = path.join(dir, 'b.json');
  writeFileSync(a, JSON.stringify(spec('Accounts API')));
  writeFileSync(b, JSON.stringify(spec('Twilio Chat')));
  const { catalog, problems } = await importSources([a, b]);
  assert.deepEqual(
    catalog.tools.map((t) => [t.name, t.originalName, t.source.location]),
    [
      ['deleteUser', 'deleteUser', a],
      ['twilio-chat_deleteUser', 'deleteUser', b],
    ],
  );
  assert.deepEqual(
    catalog.toolSets.map((s) => [s.id, s.toolNames]),
    [
      ['accounts-api', ['deleteUser']],
      ['twilio-chat', ['twilio-chat_deleteUser']],
    ],
  );
  assert.deepEqual(
    problems.map((p) => [p.severity, p.file, p.pointer]),
    [['warning', b, '/paths/~1users~1{id}/delete']],
  );
  assert.match(
    problems[0].reason,
    /already taken by .*a\.json#\/paths\/~1users~1\{id\}\/delete; this one is namespaced as 'twilio-chat_deleteUser'/,
  );
});

test('problem kinds group by reason: names, locations and numbers blanked, media types kept', () => {
  assert.equal(
    problemKind("recursive $ref './courseFolderItem.yaml' cut to a plain object"),
    "recursive $ref '…' cut to a plain object",
  );
  assert.equal(
    problemKind(
      "unsupported request body media type 'application/octet-stream': only JSON and form bodies can become tool arguments",
    ),
    "unsupported request body media type 'application/octet-stream'",
  );
  assert.equal(
    problemKind(
      "tool name 'x' is already taken by /a/b.yml#/paths/~1accounts/post; this one is namespaced as 'y_x' (original name kept)",
    ),
    "tool name '…' is already taken by …; this one is namespaced as '…' (original name kept)",
  );
  const summary = summarizeProblems(
    [1, 2, 3].map((n) => ({
      severity: 'error' as const,
      file: 'f',
      pointer: `/p${n}`,
      reason: `$ref '#/x${n}' does not resolve: missing`,
    })),
    'error',
  );
  assert.equal(summary, "3 refused: 3× $ref '…' does not resolve");
});
