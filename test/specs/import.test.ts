// Spec import: every example imports into a valid catalog, and each broken fixture is refused with
// its file, JSON pointer and reason while the rest of the source still imports.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CatalogSchema, TOOL_NAME_PATTERN, toolsOf } from '../../src/domain/catalog.js';
import { EXAMPLE_FILES, EXAMPLES_DIR, loadExampleCatalog } from '../../src/specs/examples.js';
import { importSources } from '../../src/specs/import.js';
import { compileSchema } from '../../src/domain/schema-validator.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const fixture = (f: string) => path.join(FIXTURES, f);

test('every example imports cleanly into 5 tool sets of 3-6 tools with legal names and compiling schemas', async () => {
  const { catalog, problems, perSource } = await importSources(EXAMPLE_FILES.map((f) => path.join(EXAMPLES_DIR, f)));
  assert.deepEqual(
    problems.filter((p) => p.severity === 'error'),
    [],
  );
  assert.deepEqual(
    perSource.map((s) => s.format),
    ['openapi', 'openapi', 'mcp', 'openai', 'bfcl'],
  );
  assert.equal(catalog.toolSets.length, 5);
  for (const set of catalog.toolSets) {
    assert.ok(set.toolNames.length >= 3 && set.toolNames.length <= 6, `${set.id} has ${set.toolNames.length} tools`);
    for (const tool of toolsOf(catalog, set.id)) {
      assert.match(tool.name, TOOL_NAME_PATTERN);
      assert.equal(tool.inputSchema.type, 'object', tool.name);
      assert.ok(compileSchema(tool.inputSchema).ok, `${tool.name} input schema compiles`);
    }
  }
  CatalogSchema.parse(JSON.parse(JSON.stringify(catalog))); // survives a round trip through JSON
});

test('OpenAPI: $refs resolved, parameters and body merged, response kept, originals mapped', async () => {
  const catalog = await loadExampleCatalog();
  const byName = new Map(catalog.tools.map((t) => [t.name, t]));
  const add = byName.get('addPet')!;
  assert.deepEqual(add.inputSchema, {
    type: 'object',
    properties: { name: { type: 'string' }, tag: { type: 'string' } },
    required: ['name'],
  });
  assert.deepEqual(add.source, {
    kind: 'openapi',
    location: path.join(EXAMPLES_DIR, 'petstore-expanded.yaml'),
    pointer: '/paths/~1pets/post',
  });
  assert.ok(
    Array.isArray((add.outputSchema as { allOf?: unknown[] }).allOf),
    'Pet response schema (allOf of NewPet and id) is kept',
  );
  // operationId 'find pet by id' is not a legal tool name: renamed, original kept.
  const find = byName.get('find_pet_by_id')!;
  assert.equal(find.originalName, 'find pet by id');
  assert.deepEqual(find.inputSchema.required, ['id']);
  const prs = byName.get('getPullRequestsByRepository')!;
  assert.deepEqual(Object.keys(prs.inputSchema.properties as object), ['username', 'slug', 'state']);
  assert.equal(catalog.toolSets.find((s) => s.id === 'swagger-petstore')!.domain, 'pets');
});

test('BFCL docs: dict/float/tuple/any become JSON Schema; dotted names become legal with the original kept', async () => {
  const catalog = await loadExampleCatalog();
  const search = catalog.tools.find((t) => t.originalName === 'library.search_books')!;
  assert.equal(search.name, 'library_search_books');
  const props = search.inputSchema.properties as Record<string, Record<string, unknown>>;
  assert.equal(props.published_between.type, 'array');
  const pay = catalog.tools.find((t) => t.name === 'library_pay_fine')!;
  const payProps = pay.inputSchema.properties as Record<string, Record<string, unknown>>;
  assert.equal(payProps.amount.type, 'number');
  assert.equal(payProps.payment.type, 'object');
  const ret = catalog.tools.find((t) => t.name === 'library_return_book')!;
  assert.equal(
    'type' in (ret.inputSchema.properties as Record<string, object>).condition_notes,
    false,
    "'any' means no type constraint",
  );
});

test('a real BFCL data file (JSON lines with question + function) is recognized as BFCL', async () => {
  // The product's own BFCL sample (data/bfcl-sample): recognized by its shape, whatever the file is called.
  const file = path.join(EXAMPLES_DIR, '..', 'data', 'bfcl-sample', 'BFCL_v4_simple_python.json');
  const { catalog, problems, perSource } = await importSources([file]);
  assert.equal(perSource.length, 1);
  assert.equal(perSource[0].format, 'bfcl');
  assert.deepEqual(
    problems.filter((p) => p.severity === 'error'),
    [],
  );
  assert.ok(catalog.tools.length >= 5);
});

type Expected = { file: string; pointer: string; reason: RegExp; kept: string[] };
const BROKEN: Expected[] = [
  {
    file: 'unresolved-ref.yaml',
    pointer: '/paths/~1orders~1{id}/get',
    reason: /\$ref '#\/components\/schemas\/OrderDetail' does not resolve/,
    kept: ['listOrders'],
  },
  { file: 'broken-yaml.yaml', pointer: '', reason: /not valid JSON\/YAML: .* at line 3/, kept: [] },
  {
    file: 'duplicate-names.json',
    pointer: '/tools/1/function',
    reason: /duplicate tool name 'create_event', already defined at .*duplicate-names\.json#\/tools\/0\/function/,
    kept: ['create_event', 'list_events'],
  },
  {
    file: 'unsupported-bfcl-type.json',
    pointer: '/0/parameters/properties/tags/type',
    reason: /tool 'shelf\.tag_items': unsupported type 'set'/,
    kept: ['shelf_count_items'],
  },
  {
    file: 'bad-schema-mcp.json',
    pointer: '/tools/1/inputSchema',
    reason: /tool 'resize_image': schema does not compile/,
    kept: ['ping'],
  },
  {
    file: 'binary-body.yaml',
    pointer: '/paths/~1files/post/requestBody',
    reason: /unsupported request body media type 'application\/octet-stream'/,
    kept: ['deleteFile'],
  },
];

for (const b of BROKEN) {
  test(`refuses ${b.file} at ${b.pointer || '(document)'} and keeps the rest`, async () => {
    const { catalog, problems } = await importSources([fixture(b.file)]);
    const errors = problems.filter((p) => p.severity === 'error');
    const hit = errors.find((p) => p.pointer === b.pointer && b.reason.test(p.reason));
    assert.ok(hit, `expected an error at '${b.pointer}' matching ${b.reason}; got ${JSON.stringify(errors, null, 1)}`);
    assert.equal(hit.file, fixture(b.file));
    assert.deepEqual(
      catalog.tools.map((t) => t.name),
      b.kept,
    );
  });
}

test('CLI: partial success exits 0 with a grouped one-line summary; --strict exits 1; --verbose lists each refusal', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'inftool-specs-'));
  const out = path.join(dir, 'catalog.json');
  const problemsFile = path.join(dir, 'problems.json');
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/specs.ts', 'import', ...args], { encoding: 'utf8' });
  const sources = [
    path.join(EXAMPLES_DIR, 'notes-mcp-tools.json'),
    fixture('unresolved-ref.yaml'),
    fixture('binary-body.yaml'),
  ];
  const partial = run([...sources, '--out', out, '--problems', problemsFile]);
  assert.equal(partial.status, 0, partial.stderr);
  assert.match(partial.stderr, /unresolved-ref\.yaml \(openapi\): 1 tools; 1 refused: 1× \$ref '…' does not resolve\n/);
  assert.match(
    partial.stderr,
    /binary-body\.yaml \(openapi\): 1 tools; 1 refused: 1× unsupported request body media type 'application\/octet-stream'\n/,
  );
  assert.doesNotMatch(partial.stderr, /^error: /m, 'no per-problem lines without --verbose');
  assert.match(partial.stdout, /: 7 tools in 3 tool sets; 2 refused \(--verbose lists each/);
  const written = CatalogSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
  assert.deepEqual(
    written.toolSets.map((s) => s.id),
    ['notes', 'orders', 'files'],
  );
  const listed = JSON.parse(readFileSync(problemsFile, 'utf8')) as Array<{ pointer: string }>;
  assert.deepEqual(
    listed.map((p) => p.pointer),
    ['/paths/~1orders~1{id}/get', '/paths/~1files/post/requestBody'],
  );
  const strict = run([...sources, '--out', out, '--strict', '--verbose']);
  assert.equal(strict.status, 1, strict.stderr);
  assert.match(strict.stderr, /error: .*unresolved-ref\.yaml#\/paths\/~1orders~1\{id\}\/get: \$ref/);
  const ok = run([path.join(EXAMPLES_DIR, 'weather-openai-tools.json'), '--out', out, '--strict']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /3 tools in 1 tool sets/);
  const nothing = run([fixture('broken-yaml.yaml'), '--out', out]);
  assert.equal(nothing.status, 1, 'no tool at all is a failure');
  const usage = run(['--out']);
  assert.equal(usage.status, 2);
});

test('OpenAPI 3.1: external $ref files resolve relative to the spec, a missing one refuses only its operation, recursion is cut', async () => {
  const file = fixture('external-refs-31.yaml');
  const { catalog, problems } = await importSources([file]);
  assert.deepEqual(
    catalog.tools.map((t) => t.name),
    ['addCartItem', 'getCategory'],
  );
  const add = catalog.tools[0];
  const props = add.inputSchema.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(props), ['cartId', 'sku', 'quantity', 'gift_note', 'price']);
  assert.deepEqual(add.inputSchema.required, ['cartId', 'sku', 'quantity']);
  assert.deepEqual(props.gift_note.type, ['string', 'null']);
  assert.deepEqual((props.price.properties as Record<string, unknown>).currency, {
    type: 'string',
    enum: ['EUR', 'USD', 'GBP'],
  });
  assert.equal(catalog.toolSets[0].domain, 'commerce', 'info.x-domain names the domain');
  const errors = problems.filter((p) => p.severity === 'error');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].pointer, '/paths/~1carts~1{cartId}/get');
  assert.match(errors[0].reason, /\$ref 'shared\/missing\.yaml#\/Cart' does not resolve/);
  const cut = problems.find(
    (p) => p.severity === 'warning' && /recursive \$ref '#\/components\/schemas\/Category' cut/.test(p.reason),
  );
  assert.ok(cut, JSON.stringify(problems));
  assert.equal(cut.pointer, '/paths/~1categories~1{id}/get');
});

test('OpenAPI: a large tagged API is split into one tool set per tag; headers a model must not fill are dropped', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'inftool-big-'));
  const paths: Record<string, unknown> = {};
  for (const tag of ['users', 'orders'])
    for (let i = 0; i < 5; i++) {
      paths[`/${tag}/op${i}`] = {
        get: {
          operationId: `${tag}Op${i}`,
          tags: [tag],
          parameters: [
            { name: 'Authorization', in: 'header', schema: { type: 'string' } },
            { name: 'q', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'ok' } },
        },
      };
    }
  const file = path.join(dir, 'big.json');
  writeFileSync(file, JSON.stringify({ openapi: '3.0.3', info: { title: 'Big API', version: '1' }, paths }));
  const { catalog, problems } = await importSources([file]);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    catalog.toolSets.map((s) => [s.id, s.toolNames.length]),
    [
      ['big-api.users', 5],
      ['big-api.orders', 5],
    ],
  );
  assert.deepEqual(Object.keys(catalog.tools[0].inputSchema.properties as object), ['q']);
});

test('a long function list is split into tool sets of related tools, none over 8', async () => {
  const fn = (name: string, description: string, param: string) => ({
    type: 'function',
    function: {
      name,
      description,
      parameters: { type: 'object', properties: { [param]: { type: 'string' } }, required: [param] },
    },
  });
  const tools = [
    fn('get_weather_now', 'Current weather conditions in a city.', 'city'),
    fn('create_invoice', 'Create an invoice for a customer.', 'customer_id'),
    fn('get_weather_forecast', 'Weather forecast for a city for the next days.', 'city'),
    fn('send_invoice', 'Email an invoice to the customer.', 'invoice_id'),
    fn('get_weather_alerts', 'Severe weather alerts for a city.', 'city'),
    fn('void_invoice', 'Cancel an unpaid invoice.', 'invoice_id'),
    fn('get_weather_history', 'Past weather of a city on a date.', 'city'),
    fn('list_invoices', 'List the invoices of a customer.', 'customer_id'),
    fn('get_uv_index_weather', 'UV index of the weather in a city today.', 'city'),
    fn('pay_invoice', 'Record a payment against an invoice.', 'invoice_id'),
  ];
  const dir = mkdtempSync(path.join(tmpdir(), 'inftool-long-'));
  const file = path.join(dir, 'mixed.json');
  writeFileSync(file, JSON.stringify({ name: 'Mixed', tools }));
  const { catalog } = await importSources([file]);
  assert.equal(catalog.tools.length, 10);
  const sets = catalog.toolSets.map((s) => [s.id, s.toolNames.sort()]);
  assert.deepEqual(sets, [
    [
      'mixed.1',
      ['get_uv_index_weather', 'get_weather_alerts', 'get_weather_forecast', 'get_weather_history', 'get_weather_now'],
    ],
    ['mixed.2', ['create_invoice', 'list_invoices', 'pay_invoice', 'send_invoice', 'void_invoice']],
  ]);
  assert.match(catalog.toolSets[0].name, /^Mixed: .*weather/);
});
