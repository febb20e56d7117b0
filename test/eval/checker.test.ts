// The checker on the shipped BFCL sample: correct answers score 100% in every category and language, and
// hand-made wrong answers fail with the error type BFCL's own checker gives for each rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadBfclDataset } from '../../src/eval/bfcl-data.js';
import { checkEntry, languageOf, matchCalls } from '../../src/eval/check-entry.js';
import { PyFloat, parsePyJson, pyEq } from '../../src/eval/py-value.js';
import { parseResultsJsonl, scoreResults } from '../../src/eval/score-results.js';
import type { FunctionDoc } from '../../src/eval/ast-checker.js';
import { correctCalls } from '../../src/eval/answers.js';

const SAMPLE = new URL('../../data/bfcl-sample', import.meta.url).pathname;
const dataset = loadBfclDataset(SAMPLE);

const doc = (name: string, props: Record<string, unknown>, required: string[]): FunctionDoc =>
  ({ name, description: '', parameters: { type: 'dict', properties: props, required } }) as FunctionDoc;
const weather = doc(
  'weather.get',
  {
    city: { type: 'string' },
    days: { type: 'integer' },
    threshold: { type: 'float' },
    units: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    point: { type: 'tuple', items: { type: 'integer' } },
    opts: { type: 'dict', properties: {} },
    verbose: { type: 'boolean' },
  },
  ['city'],
);
const truth = [
  {
    'weather.get': {
      city: ['San Francisco, CA', 'SF'],
      days: [3],
      threshold: [2.0, ''],
      units: ['', 'metric'],
      tags: [['a', 'b'], ''],
      point: [[1, 2], ''],
      opts: [{ mode: ['fast'], depth: [1, ''] }, ''],
      verbose: [true, ''],
    },
  },
];
const check = (result: unknown, category = 'simple_python', functions = [weather], groundTruth: unknown = truth) =>
  checkEntry({ category, functions, result, groundTruth });
const call = (args: Record<string, unknown>) => [{ 'weather.get': { city: 'SF', days: 3, ...args } }];

describe('correct answers on the shipped sample', () => {
  it('score 100% in every AST category (Python, Java and JavaScript forms)', () => {
    const lines = [...dataset.byId.values()].map((e) => {
      const result =
        e.groundTruth !== undefined
          ? correctCalls(e.groundTruth, e.functions, languageOf(e.category))
          : e.category === 'live_relevance'
            ? [new Map([[e.functions[0].name, new Map()]])]
            : 'No tool fits this request.';
      return { id: e.id, result, line: 0 } as never;
    });
    const report = scoreResults(dataset, { results: lines, malformed: [] });
    assert.equal(report.categories.length, 13);
    for (const [c, s] of Object.entries(report.summary.categories))
      assert.equal(s!.accuracy, 1, `${c}: ${JSON.stringify(report.verdicts.filter((v) => !v.valid))}`);
    assert.deepEqual(report.problems, { missing: [], unknown: [], malformed: [], duplicate: [] });
  });
});

describe('type rules', () => {
  it('accepts an int for a float, not a float for an int', () => {
    assert.equal(check(call({ threshold: 2 })).valid, true);
    assert.equal(check(parsePyJson('[{"weather.get": {"city": "SF", "days": 3.0}}]')).error_type, 'type_error:simple');
  });
  it('keeps bool apart from int', () => {
    assert.equal(check(call({ days: true })).error_type, 'type_error:simple');
    assert.equal(check(call({ verbose: 1 })).error_type, 'type_error:simple');
  });
  it('checks list items one level deep', () => {
    // A "" alternative makes BFCL's nested type check pass; the value check then rejects the list.
    assert.equal(check(call({ tags: ['a', 2] })).error_type, 'value_error:list/tuple');
    const strict = [{ 'weather.get': { ...truth[0]['weather.get'], tags: [['a', 'b']] } }];
    assert.equal(check(call({ tags: ['a', 2] }), 'simple_python', [weather], strict).error_type, 'type_error:nested');
  });
  it('treats tuples as lists', () => {
    assert.equal(check(call({ point: [1, 2] })).valid, true);
    assert.equal(check(call({ point: [2, 1] })).error_type, 'value_error:list/tuple');
  });
});

describe('value rules', () => {
  it('normalises strings (case, spaces, ,./-_*^) but not other characters', () => {
    assert.equal(check(call({ city: 'san francisco ca' })).valid, true);
    assert.equal(check(call({ city: 'San Fran' })).error_type, 'value_error:string');
  });
  it('compares numbers and dicts against every acceptable value', () => {
    assert.equal(check(call({ days: 4 })).error_type, 'value_error:others');
    assert.equal(check(call({ opts: { mode: 'FAST' } })).valid, true);
    assert.equal(check(call({ opts: { mode: 'slow' } })).error_type, 'value_error:dict_value');
    assert.equal(check(call({ opts: { mode: 'fast', other: 1 } })).error_type, 'value_error:dict_key');
    assert.equal(check(call({ opts: { depth: 1 } })).error_type, 'value_error:dict_key');
  });
  it('lets "" mark a parameter that may be omitted, and flags the rest', () => {
    assert.equal(check([{ 'weather.get': { city: 'SF', days: 3 } }]).valid, true);
    assert.equal(check([{ 'weather.get': { days: 3 } }]).error_type, 'simple_function_checker:missing_required');
    assert.equal(check([{ 'weather.get': { city: 'SF' } }]).error_type, 'simple_function_checker:missing_optional');
    assert.equal(check(call({ color: 'red' })).error_type, 'simple_function_checker:unexpected_param');
  });
});

describe('call-level rules', () => {
  const a = doc('a', { x: { type: 'integer' } }, ['x']);
  const b = doc('b', { y: { type: 'string' } }, ['y']);
  const gt = [{ a: { x: [1] } }, { b: { y: ['q'] } }];
  it('matches parallel calls in any order', () => {
    assert.equal(check([{ b: { y: 'q' } }, { a: { x: 1 } }], 'parallel_multiple', [a, b], gt).valid, true);
    assert.equal(
      check([{ a: { x: 1 } }], 'parallel', [a, b], gt).error_type,
      'parallel_function_checker_no_order:wrong_count',
    );
    assert.equal(
      check([{ a: { x: 1 } }, { a: { x: 1 } }], 'parallel', [a, b], gt).error_type,
      'parallel_function_checker_no_order:cannot_find_match',
    );
  });
  it('requires the right function among several', () => {
    assert.equal(
      check([{ b: { y: 'q' } }], 'multiple', [a, b], [gt[0]]).error_type,
      'simple_function_checker:wrong_func_name',
    );
    assert.equal(
      check([{ a: { x: 1 } }, { a: { x: 1 } }], 'live_multiple', [a, b], [gt[0]]).error_type,
      'multiple_function_checker:wrong_count',
    );
  });
  it('exposes the ordered and order-free matchers', () => {
    assert.equal(matchCalls([a, b], [{ b: { y: 'Q' } }, { a: { x: 1 } }], gt).valid, true);
    assert.equal(matchCalls([a, b], [{ b: { y: 'Q' } }, { a: { x: 1 } }], gt, { ordered: true }).valid, false);
  });
});

describe('where the official checker raises', () => {
  it('reports a crash verdict instead of stopping', () => {
    const a = doc('a', { x: { type: 'integer' } }, ['x']);
    const v = check([{ a: { x: 1 } }], 'parallel', [a], [{ missing_fn: { x: [1] } }]);
    assert.equal(v.error_type, 'checker_error:crash');
    assert.equal(v.valid, false);
  });
  it('matches BFCL underscored names when asked to', () => {
    const v = checkEntry({
      category: 'simple_python',
      functions: [weather],
      result: [{ weather_get: { city: 'SF', days: 3 } }],
      groundTruth: truth,
      underscoreToDot: true,
    });
    assert.equal(v.valid, true);
    assert.equal(
      check([{ weather_get: { city: 'SF', days: 3 } }]).error_type,
      'simple_function_checker:wrong_func_name',
    );
  });
});

describe('decoding and relevance', () => {
  it('scores text, empty and malformed outputs as BFCL does', () => {
    assert.equal(check('Sure, the weather is nice.').error_type, 'ast_decoder:decoder_failed');
    assert.equal(check('').error_type, 'simple_function_checker:wrong_count'); // "" decodes to no calls
    assert.equal(check([{ 'weather.get': '{"city": "SF", "days": 3}' }]).valid, true); // BFCL's raw FC form
    assert.equal(check([{ 'weather.get': '{"city": ' }]).error_type, 'ast_decoder:decoder_failed');
    assert.equal(check([{ 'weather.get': '5' }]).error_type, 'ast_decoder:decoder_wrong_output_format');
  });
  it('counts only a real call against irrelevance, and requires one for relevance', () => {
    const irr = (result: unknown) => checkEntry({ category: 'live_irrelevance', functions: [weather], result });
    assert.equal(irr('I cannot do that').valid, true);
    assert.equal(irr([]).valid, true);
    assert.equal(irr([{}]).valid, true);
    assert.equal(irr(call({})).error_type, 'irrelevance_error:decoder_success');
    const rel = (result: unknown) => checkEntry({ category: 'live_relevance', functions: [weather], result });
    assert.equal(rel(call({})).valid, true);
    assert.equal(rel('text').error_type, 'relevance_error:decoder_failed');
  });
});

describe('Java and JavaScript arguments are source text', () => {
  const j = dataset.byId.get('simple_java_14')!;
  const js = dataset.byId.get('simple_javascript_3')!;
  it('accepts typed Java literals and rejects non-strings', () => {
    const good = correctCalls(j.groundTruth!, j.functions, 'java');
    assert.equal(
      checkEntry({ category: 'simple_java', functions: j.functions, result: good, groundTruth: j.groundTruth }).valid,
      true,
    );
    assert.equal(
      checkEntry({
        category: 'simple_java',
        functions: j.functions,
        result: [{ 'FunGameBase.onFinish': { layout: 'gameLayout', success: 'false' } }],
        groundTruth: j.groundTruth,
      }).error_type,
      'value_error:others',
    );
    const bad = [{ 'FunGameBase.onFinish': { layout: 'gameLayout', success: true } }];
    assert.equal(
      checkEntry({ category: 'simple_java', functions: j.functions, result: bad, groundTruth: j.groundTruth })
        .error_type,
      'type_error:java',
    );
  });
  it('parses JavaScript arrays and rejects non-strings', () => {
    const ok = [{ submitAtCoordinate: { action: 'submit', formId: 'loginForm', coordinates: '[60, 30]' } }];
    assert.equal(
      checkEntry({ category: 'simple_javascript', functions: js.functions, result: ok, groundTruth: js.groundTruth })
        .valid,
      true,
    );
    const wrong = [{ submitAtCoordinate: { action: 'submit', formId: 'loginForm', coordinates: '[30, 60]' } }];
    assert.equal(
      checkEntry({ category: 'simple_javascript', functions: js.functions, result: wrong, groundTruth: js.groundTruth })
        .error_type,
      'value_error:list/tuple',
    );
    const raw = [{ submitAtCoordinate: { action: 'submit', formId: 'loginForm', coordinates: [60, 30] } }];
    assert.equal(
      checkEntry({ category: 'simple_javascript', functions: js.functions, result: raw, groundTruth: js.groundTruth })
        .error_type,
      'type_error:js',
    );
  });
});

describe('results files', () => {
  it('reports missing, unknown, malformed and duplicate lines instead of skipping them', () => {
    const [first, second] = dataset.byCategory.get('simple_python')!.map((e) => e.id);
    const text = [
      `{"id": "${first}", "result": "no"}`,
      `{"id": "${first}", "result": []}`,
      '{"id": "simple_python_9999", "result": []}',
      `{"id": "${second}", "result": `,
      '{"result": []}',
    ].join('\n');
    const report = scoreResults(dataset, parseResultsJsonl(text));
    assert.deepEqual(report.categories, ['simple_python']);
    assert.deepEqual(report.problems.duplicate, [{ line: 2, id: first }]);
    assert.deepEqual(report.problems.unknown, [{ line: 3, id: 'simple_python_9999' }]);
    assert.deepEqual(
      report.problems.malformed.map((m) => m.line),
      [4, 5],
    );
    assert.equal(report.problems.missing.length, dataset.byCategory.get('simple_python')!.length - 1);
    assert.equal(report.verdicts.length, dataset.byCategory.get('simple_python')!.length);
    assert.equal(report.verdicts.find((v) => v.id === second)!.error_type, 'inftool:missing_result');
  });
  it('keeps 1 and 1.0 apart when parsing, as Python does', () => {
    const v = parsePyJson('[1, 1.0, {"a": 2e3}]') as unknown[];
    assert.equal(v[0], 1);
    assert.ok(v[1] instanceof PyFloat);
    assert.ok(pyEq(v[0] as number, v[1] as PyFloat));
  });
});
