// A BFCL function whose `required` names a parameter `properties` does not define: a warning with the
// file and pointer of each such name, the name dropped from `required`, and the tool still imported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { importSources } from '../../src/specs/import.js';
import { REPO_ROOT } from '../support/temporal.js';

const file = join(REPO_ROOT, 'test/specs/fixtures/bfcl-required-undefined.json');

test('a required parameter with no definition warns with file and pointer, and the rest imports', async () => {
  const { catalog, problems } = await importSources([file]);
  const pointers = problems.map((p) => p.pointer).sort();
  assert.deepEqual(pointers, ['/0/parameters/properties/size/required/1', '/0/parameters/required/1']);
  assert.ok(problems.every((p) => p.severity === 'warning' && p.file === file));
  assert.match(
    problems.find((p) => p.pointer === '/0/parameters/required/1')!.reason,
    /tool 'calc\.area': required parameter 'units' is not defined/,
  );
  assert.deepEqual(
    catalog.tools.map((t) => t.name),
    ['calc_area', 'calc_sum'],
  );
  const area = catalog.tools[0].inputSchema as { required: string[]; properties: { size: { required: string[] } } };
  assert.deepEqual(area.required, ['shape']);
  assert.deepEqual(area.properties.size.required, ['w']);
  assert.deepEqual((catalog.tools[1].inputSchema as { required: string[] }).required, ['xs']);
});
