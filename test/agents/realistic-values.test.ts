// Filled goal values: they fit the parameter's name, format and bounds, are reproducible from the seed,
// stay schema-valid on every bundled example tool, and a model's placeholder values are replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRng } from '../../src/domain/rng.js';
import { isPlaceholder, repairArguments, sampleValue } from '../../src/agents/schema-values.js';
import { loadExampleCatalog } from '../../src/specs/examples.js';
import { isSchemaValid } from '../../src/domain/schema-validator.js';

type Row = [name: string, schema: Record<string, unknown>, shape: RegExp | ((v: unknown) => boolean), tool?: string];

const between = (lo: number, hi: number) => (v: unknown) => typeof v === 'number' && v >= lo && v <= hi;
const TABLE: Row[] = [
  ['email', { type: 'string' }, /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/],
  ['contact', { type: 'string', format: 'email' }, /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/],
  ['phone_number', { type: 'string' }, /^\+?[\d\s().-]{7,}$/],
  ['website', { type: 'string' }, /^https?:\/\/[\w.-]+/],
  ['start_date', { type: 'string', format: 'date' }, /^20(25|26)-\d{2}-\d{2}$/],
  ['departure_date', { type: 'string' }, /^20(25|26)-\d{2}-\d{2}$/],
  ['created_at', { type: 'string', format: 'date-time' }, /^20(25|26)-\d{2}-\d{2}T\d{2}:\d{2}:00Z$/],
  ['time', { type: 'string' }, /^\d{2}:\d{2}$/],
  ['request_id', { type: 'string', format: 'uuid' }, /^[0-9a-f]{8}-[0-9a-f]{4}-/],
  ['city', { type: 'string' }, /^[A-Z][\p{L} .'-]+(, [A-Z][\p{L} .'-]+)?$/u],
  ['country', { type: 'string' }, /^[A-Z][\p{L} ().,'-]+$/u],
  ['country_code', { type: 'string' }, /^[A-Z]{2}$/],
  ['currency', { type: 'string' }, /^[A-Z]{3}$/],
  ['language', { type: 'string', description: 'ISO 639-1 code' }, /^[a-z]{2}$/],
  ['customer_name', { type: 'string' }, /^[A-Z][\p{L}'-]+( [A-Z][\p{L}'.-]+)+/u],
  ['first_name', { type: 'string' }, /^[A-Z][\p{L}'-]+$/u],
  ['company', { type: 'string' }, /^[A-Z]/],
  ['street_address', { type: 'string' }, /^\d+ .+, [A-Z]/],
  ['username', { type: 'string' }, /^[a-z0-9._]+$/],
  ['book_id', { type: 'string', description: "Catalogue id of the book, e.g. 'BK-10422'." }, /^BK-\d{5}$/],
  ['name', { type: 'string' }, /^[A-Z][\p{L}'-]+$/u, 'add pet Creates a new pet in the store'],
  ['age', { type: 'integer' }, between(18, 85)],
  ['year', { type: 'integer' }, between(1960, 2025)],
  [
    'price',
    { type: 'number' },
    (v) => typeof v === 'number' && v >= 2 && v <= 250 && (String(v).split('.')[1]?.length ?? 0) <= 2,
  ],
  ['quantity', { type: 'integer' }, between(1, 8)],
  ['party_size', { type: 'integer' }, between(1, 8)],
  ['latitude', { type: 'number' }, between(-90, 90)],
  ['longitude', { type: 'number' }, between(-180, 180)],
  ['discount_percent', { type: 'number' }, between(0, 100)],
  ['days', { type: 'integer', description: 'Loan length in days, 7 to 28.' }, between(7, 28)],
  ['limit', { type: 'integer', minimum: 1, maximum: 3 }, between(1, 3)],
  ['temperature', { type: 'integer', minimum: 40, maximum: 45 }, between(40, 45)],
  ['code', { type: 'string', pattern: '^[A-Z]{3}[0-9]{2}$' }, /^[A-Z]{3}[0-9]{2}$/],
  ['title', { type: 'string', maxLength: 8 }, (v) => typeof v === 'string' && v.length >= 1 && v.length <= 8],
];

for (const [name, schema, shape, tool] of TABLE) {
  test(`value for '${name}' ${JSON.stringify(schema)} fits its name and schema`, () => {
    for (let seed = 0; seed < 25; seed++) {
      const v = sampleValue(name, schema, seededRng(`${name}:${seed}`), false, 0, tool);
      assert.ok(isSchemaValid(schema, v), `${name}: ${JSON.stringify(v)} is not schema-valid`);
      const ok = shape instanceof RegExp ? typeof v === 'string' && shape.test(v) : shape(v);
      assert.ok(ok, `${name} (seed ${seed}): ${JSON.stringify(v)} does not fit`);
    }
  });
}

test('values vary across seeds and repeat for the same seed', () => {
  const of = (seed: string) =>
    ['customer_name', 'city', 'title', 'price'].map((n) =>
      sampleValue(n, { type: n === 'price' ? 'number' : 'string' }, seededRng(seed)),
    );
  assert.deepEqual(of('task-1:7'), of('task-1:7'));
  const seen = new Set(Array.from({ length: 20 }, (_, i) => JSON.stringify(of(`task-${i}:7`))));
  assert.ok(seen.size >= 18, `only ${seen.size} distinct goals in 20 seeds`);
  const cities = new Set(Array.from({ length: 40 }, (_, i) => sampleValue('city', { type: 'string' }, seededRng(i))));
  assert.ok(cities.size >= 15, `only ${cities.size} distinct cities in 40 seeds`);
});

test('every bundled example tool: filled arguments are schema-valid, placeholder-free and reproducible', async () => {
  const catalog = await loadExampleCatalog();
  for (const tool of catalog.tools) {
    for (let seed = 0; seed < 30; seed++) {
      for (const optional of [false, true]) {
        const fill = () =>
          repairArguments(
            tool.name,
            tool.inputSchema,
            {},
            seededRng(`${tool.name}:${seed}`),
            optional,
            tool.description,
          ).arguments;
        const args = fill();
        assert.ok(isSchemaValid(tool.inputSchema, args), `${tool.name} seed ${seed}: ${JSON.stringify(args)}`);
        assert.deepEqual(fill(), args, `${tool.name} seed ${seed}: not reproducible`);
        for (const [k, v] of Object.entries(args))
          assert.ok(!isPlaceholder(k, v), `${tool.name}.${k} = ${JSON.stringify(v)} is a placeholder`);
      }
    }
  }
});

test("a model's placeholder values ('a', 'object', the parameter's name) are replaced and the repair named", () => {
  const schema = {
    type: 'object',
    properties: { name: { type: 'string' }, tag: { type: 'string' }, note: { type: 'string' } },
    required: ['name'],
  };
  const r = repairArguments(
    'addPet',
    schema,
    { name: 'a', tag: 'object', note: 'Fed at noon.' },
    seededRng(1),
    false,
    'Creates a new pet in the store.',
  );
  assert.notEqual(r.arguments.name, 'a');
  assert.notEqual(r.arguments.tag, 'object');
  assert.equal(r.arguments.note, 'Fed at noon.');
  assert.ok(
    r.repairs.some((x) => /addPet\.name: "a" a placeholder, replaced/.test(x)),
    r.repairs.join('; '),
  );
  const good = repairArguments('addPet', schema, { name: 'Biscuit', tag: 'dog' }, seededRng(1));
  assert.deepEqual(good, { arguments: { name: 'Biscuit', tag: 'dog' }, repairs: [] });
});

test('a span of years reads in order', () => {
  const schema = {
    type: 'array',
    items: { type: 'integer' },
    minItems: 2,
    maxItems: 2,
    description: 'Earliest and latest publication year.',
  };
  for (let seed = 0; seed < 20; seed++) {
    const v = sampleValue('published_between', schema, seededRng(seed)) as number[];
    assert.ok(v[0] <= v[1] && v[0] >= 1960 && v[1] <= 2025, JSON.stringify(v));
  }
});
