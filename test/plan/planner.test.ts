// The planner: weak categories gain weight, floors hold, reasons explain, plans are deterministic,
// the reported benchmark never steers, hard/easy rollouts are told apart, and stopping rules fire.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Category } from '../../src/domain/category.js';
import {
  classifyErrorType,
  classifyRollouts,
  initialPlan,
  planAfterCycle,
  planNextCycle,
  PlannerConfigSchema,
  shouldStop,
  summarizeValidation,
  type Plan,
  type RolloutConsistency,
  type ValidationSummary,
} from '../../src/plan/index.js';
import type { CycleRecord } from '../../src/domain/cycle-record.js';
import { CATS, syntheticRun, TOOLSETS } from '../report/fixtures.js';

const synthesis: CycleRecord['synthesis'] = {
  trajectories: 300,
  accepted: 240,
  rejectedByGate: {},
  rejectedByCategoryGate: {},
  acceptedByCategory: {},
  rlPrompts: 200,
};
const even = (acc: number): ValidationSummary['perCategory'] =>
  Object.fromEntries(CATS.map((c) => [c, { acc, n: 40 }]));
const start = () => initialPlan({ cycle: 0, categories: CATS, toolSetIds: TOOLSETS, total: 300, seed: 11 });
const countOf = (p: Plan, c: Category) => p.items.filter((i) => i.category === c).reduce((a, i) => a + i.count, 0);

describe('initialPlan', () => {
  it('spreads the total evenly over categories and tool sets, exactly', () => {
    const p = start();
    assert.equal(
      p.items.reduce((a, i) => a + i.count, 0),
      300,
    );
    for (const c of CATS) {
      assert.equal(countOf(p, c), 60);
      assert.equal(p.weights[c].weight, 0.2);
      assert.match(p.weights[c].reason, /cycle 0/);
      for (const ts of TOOLSETS)
        assert.ok(
          p.items.some((i) => i.category === c && i.toolSetId === ts),
          `${c} misses ${ts}`,
        );
    }
    assert.deepEqual(start(), p, 'same input, same plan');
  });
});

describe('planNextCycle', () => {
  const weakParallel = (): ValidationSummary => ({
    perCategory: { ...even(0.8), parallel: { acc: 0.25, n: 40 }, irrelevance: { acc: 0.99, n: 40 } },
    errorClasses: { parallel: { wrong_count: 18, wrong_value: 12 } },
  });

  it('gives a weak category more weight, keeps mastered ones at the floor, and says why', () => {
    const prev = start();
    const next = planNextCycle({ cycle: 1, previous: prev, validation: weakParallel(), synthesis });
    const w = (c: Category) => next.weights[c].weight;
    assert.ok(
      w('parallel') > prev.weights.parallel.weight,
      `parallel ${w('parallel')} should exceed ${prev.weights.parallel.weight}`,
    );
    assert.ok(
      CATS.filter((c) => c !== 'parallel').every((c) => w('parallel') > w(c)),
      'parallel is the heaviest',
    );
    assert.ok(countOf(next, 'parallel') > countOf(prev, 'parallel'));
    const floor = PlannerConfigSchema.parse({}).floor;
    assert.equal(w('irrelevance'), floor, 'mastered irrelevance sits at the floor');
    assert.match(next.weights.irrelevance.reason, /mastered .* floor/);
    assert.ok(countOf(next, 'irrelevance') >= 1, 'the floor still buys trajectories');
    for (const c of CATS) assert.ok(w(c) >= floor - 1e-9, `${c} below floor`);
    assert.ok(Math.abs(CATS.reduce((a, c) => a + w(c), 0) - 1) < 1e-5, 'weights sum to 1');
    assert.equal(
      next.items.reduce((a, i) => a + i.count, 0),
      300,
      'counts sum to the total',
    );
    assert.match(next.weights.parallel.reason, /validation acc 0\.25 \(n=40\)/);
    assert.match(next.weights.parallel.reason, /top errors: wrong_count 18, wrong_value 12/);
    assert.deepEqual(next.focus?.parallel, ['wrong_count', 'wrong_value']);
    assert.equal(next.cycle, 1);
  });

  it('is deterministic, and a different previous seed only changes tie-breaks', () => {
    const a = planNextCycle({ cycle: 1, previous: start(), validation: weakParallel(), synthesis });
    const b = planNextCycle({ cycle: 1, previous: start(), validation: weakParallel(), synthesis });
    assert.deepEqual(a, b);
    const c = planNextCycle({ cycle: 1, previous: { ...start(), seed: 99 }, validation: weakParallel(), synthesis });
    assert.deepEqual(c.weights, a.weights);
  });

  it('respects a custom floor even for a category with perfect scores everywhere else', () => {
    const v: ValidationSummary = { perCategory: { ...even(1), parallel: { acc: 0, n: 200 } }, errorClasses: {} };
    const next = planNextCycle({
      cycle: 1,
      previous: start(),
      validation: v,
      synthesis,
      config: { floor: 0.1, ceiling: 1, momentum: 0 },
    });
    for (const c of CATS.filter((x) => x !== 'parallel')) assert.equal(next.weights[c].weight, 0.1);
    assert.ok(Math.abs(next.weights.parallel.weight - 0.6) < 1e-6);
  });

  it('caps a category at the ceiling and hands the rest back', () => {
    const v: ValidationSummary = { perCategory: { ...even(0.85), parallel: { acc: 0, n: 500 } }, errorClasses: {} };
    const next = planNextCycle({
      cycle: 1,
      previous: start(),
      validation: v,
      synthesis,
      config: { ceiling: 0.4, temperature: 0.05, momentum: 0 },
    });
    assert.equal(next.weights.parallel.weight, 0.4);
    assert.match(next.weights.parallel.reason, /capped at the ceiling 0\.4/);
  });

  it('few validation items move a category less than many (smoothing)', () => {
    const mk = (n: number) =>
      planNextCycle({
        cycle: 1,
        previous: start(),
        synthesis,
        validation: { perCategory: { ...even(0.8), parallel: { acc: 0.3, n } }, errorClasses: {} },
      }).weights.parallel.weight;
    assert.ok(mk(2) < mk(200), `n=2 gives ${mk(2)}, n=200 gives ${mk(200)}`);
  });

  it('turns hard rollouts into seeds, retires easy prompts, and cuts a low-yield tool set', () => {
    const rollouts: RolloutConsistency[] = [
      { promptId: 'p-hard-1', category: 'parallel', toolSetId: 'weather', group: 8, passes: 0 },
      { promptId: 'p-hard-2', category: 'parallel', toolSetId: 'weather', group: 8, passes: 2 },
      { promptId: 'p-mid', category: 'simple', toolSetId: 'petstore', group: 8, passes: 4 },
      { promptId: 'p-easy', category: 'simple', toolSetId: 'petstore', group: 8, passes: 8 },
    ];
    const next = planNextCycle({
      cycle: 1,
      previous: start(),
      validation: weakParallel(),
      rollouts,
      synthesis: {
        ...synthesis,
        byToolSet: {
          petstore: { trajectories: 100, accepted: 90 },
          weather: { trajectories: 100, accepted: 70 },
          calendar: { trajectories: 100, accepted: 5 },
        },
      },
    });
    assert.deepEqual(
      next.hardSeeds.map((s) => s.promptId),
      ['p-hard-1', 'p-hard-2'],
    );
    assert.deepEqual(next.hardSeeds[0], { promptId: 'p-hard-1', toolSetId: 'weather', category: 'parallel' });
    assert.deepEqual(next.retiredPrompts, ['p-easy']);
    assert.equal(next.toolSets?.calendar.factor, 0.5);
    assert.match(next.toolSets!.calendar.reason, /acceptance 0\.05 .*below 0\.2/);
    const inPar = (ts: string) =>
      next.items.filter((i) => i.category === 'parallel' && i.toolSetId === ts).reduce((a, i) => a + i.count, 0);
    assert.ok(inPar('weather') > inPar('petstore'), 'hard rollouts tilt parallel toward weather');
    assert.ok(inPar('calendar') < inPar('petstore'), 'low yield cuts calendar');
    assert.match(next.weights.parallel.reason, /rollout pass rate 0\.125 \(2 groups\)/);
  });

  it('raises difficulty with cycles and skill', () => {
    const next = planNextCycle({ cycle: 1, previous: start(), validation: weakParallel(), synthesis });
    const d = next.difficulty!;
    assert.ok(d.simple.hard > d.parallel.hard, 'the stronger category gets harder tasks');
    assert.ok(d.simple.level > start().difficulty!.simple.level);
    for (const c of CATS) assert.ok(Math.abs(d[c].easy + d[c].medium + d[c].hard - 1) < 1e-5);
  });

  it('refuses to steer by the reported split, and a dev split it was not told about', () => {
    assert.throws(
      () => PlannerConfigSchema.parse({ devSplit: { benchmark: 'BFCL-v4', split: 'Test' } }),
      /reported split/,
    );
    const dev = { benchmark: 'bfcl-v4', split: 'test', perCategory: { parallel: { acc: 0.9, n: 50 } } };
    assert.throws(
      () => planNextCycle({ cycle: 1, previous: start(), validation: weakParallel(), synthesis, dev }),
      /never steers by the test set/,
    );
    const other = { benchmark: 'my-dev', split: 'dev', perCategory: { parallel: { acc: 0.9, n: 50 } } };
    assert.throws(
      () => planNextCycle({ cycle: 1, previous: start(), validation: weakParallel(), synthesis, dev: other }),
      /config\.devSplit is not set/,
    );
    const steered = planNextCycle({
      cycle: 1,
      previous: start(),
      validation: weakParallel(),
      synthesis,
      dev: other,
      config: { devSplit: { benchmark: 'my-dev', split: 'dev', weight: 0.5 } },
    });
    const plain = planNextCycle({ cycle: 1, previous: start(), validation: weakParallel(), synthesis });
    assert.ok(
      steered.weights.parallel.weight < plain.weights.parallel.weight,
      'a strong dev score for parallel lowers its weight',
    );
    assert.match(steered.weights.parallel.reason, /dev split my-dev\/dev/);
  });

  it('names the cycle it expected when called out of order', () => {
    assert.throws(
      () => planNextCycle({ cycle: 3, previous: start(), validation: weakParallel(), synthesis }),
      /pass cycle 1/,
    );
  });
});

describe('planAfterCycle (the 3-cycle synthetic run)', () => {
  it('cycle 2 weights the weak category higher than cycle 0 did, from validation only', () => {
    const run = syntheticRun();
    assert.equal(run.length, 3);
    assert.ok(run[2].plan.weights.parallel.weight > run[0].plan.weights.parallel.weight);
    const heaviest = Object.entries(run[2].plan.weights).sort((a, b) => b[1].weight - a[1].weight)[0][0];
    assert.equal(heaviest, 'parallel');
    // BFCL numbers never reach the planner: scrambling them leaves the next plan unchanged.
    const scrambled: CycleRecord = {
      ...run[1],
      evaluation: { ...run[1].evaluation, bfcl: { parallel: 1, simple_python: 0 }, bfclSummary: { overall: 0 } },
    };
    assert.deepEqual(planAfterCycle(scrambled), planAfterCycle(run[1]));
  });
});

describe('classifyRollouts', () => {
  const g = (promptId: string, passes: number, group = 4): RolloutConsistency => ({
    promptId,
    category: 'simple',
    toolSetId: 't',
    group,
    passes,
  });
  it('splits groups into easy, hard and frontier by pass rate', () => {
    const r = classifyRollouts([g('a', 4), g('b', 0), g('c', 1), g('d', 2), g('e', 3), g('f', 8, 8)]);
    assert.deepEqual(
      r.easy.map((x) => x.promptId),
      ['a', 'f'],
    );
    assert.deepEqual(
      r.hard.map((x) => x.promptId),
      ['b', 'c'],
    );
    assert.deepEqual(
      r.frontier.map((x) => x.promptId),
      ['d', 'e'],
    );
  });
  it('honours custom thresholds and rejects impossible groups', () => {
    const r = classifyRollouts([g('a', 3), g('b', 1)], { easyAt: 0.75, hardAt: 0.5 });
    assert.deepEqual([r.easy.length, r.hard.length, r.frontier.length], [1, 1, 0]);
    assert.throws(() => classifyRollouts([g('x', 5)]), /prompt x.*5 passes of a group of 4/);
  });
});

describe('error classes', () => {
  it('maps BFCL error types onto the planner classes', () => {
    const cases: Array<[string, string]> = [
      ['simple_function_checker:wrong_func_name', 'wrong_function'],
      ['simple_function_checker:missing_required', 'missing_argument'],
      ['simple_function_checker:missing_optional', 'missing_argument'],
      ['simple_function_checker:unexpected_param', 'extra_argument'],
      ['value_error:string', 'wrong_value'],
      ['value_error:list/tuple', 'wrong_value'],
      ['value_error:dict_key', 'wrong_value'],
      ['type_error:simple', 'wrong_type'],
      ['type_error:nested', 'wrong_type'],
      ['irrelevance_error:decoder_success', 'call_on_irrelevance'],
      ['multi_turn:irrelevance_error:decoder_success', 'call_on_irrelevance'],
      ['relevance_error:decoder_failed', 'no_call'],
      ['multi_turn:empty_turn_model_response', 'no_call'],
      ['ast_decoder:decoder_failed', 'no_call'],
      ['parallel_function_checker_no_order:wrong_count', 'wrong_count'],
      ['simple_function_checker:wrong_count', 'wrong_count'],
      ['parallel_function_checker_no_order:cannot_find_match', 'wrong_function'],
      ['multi_turn:instance_state_mismatch', 'wrong_state'],
      ['ast_decoder:decoder_wrong_output_format', 'malformed'],
      ['multi_turn:force_terminated', 'other'],
    ];
    for (const [t, cls] of cases) assert.equal(classifyErrorType(t), cls, t);
  });
  it('summarizes validation verdicts per category and refuses BFCL categories', () => {
    const s = summarizeValidation([
      { id: '1', category: 'parallel', valid: false, error_type: 'value_error:string', error: [] },
      { id: '2', category: 'parallel', valid: true, error: [] },
      { id: '3', category: 'simple', valid: true, error: [] },
    ]);
    assert.deepEqual(s.perCategory, { parallel: { acc: 0.5, n: 2 }, simple: { acc: 1, n: 1 } });
    assert.deepEqual(s.errorClasses, { parallel: { wrong_value: 1 } });
    assert.throws(
      () => summarizeValidation([{ id: 'x', category: 'simple_python', valid: true, error: [] }]),
      /'simple_python' is not a synthetic category/,
    );
  });
});

describe('shouldStop', () => {
  const run = syntheticRun();
  it('stops after max cycles', () => {
    assert.deepEqual(shouldStop(run, { maxCycles: 3 }).stop, true);
    assert.match(shouldStop(run, { maxCycles: 3 }).reason, /3 cycles finished/);
    assert.equal(shouldStop(run.slice(0, 2), { maxCycles: 3 }).stop, false);
  });
  it('stops at a target validation score', () => {
    // macro validation of cycle 2 = (0.88 + 0.83 + 0.5 + 0.66 + 0.97) / 5 = 0.768
    assert.equal(shouldStop(run, { targetScore: 0.76 }).stop, true);
    assert.equal(shouldStop(run, { targetScore: 0.77 }).stop, false);
  });
  it('stops when the score has not improved for K cycles', () => {
    const flat = run.map((r, i) => ({
      ...r,
      evaluation: { ...r.evaluation, validation: i === 0 ? { simple: 0.6 } : { simple: 0.6 + 0.001 * i } },
    }));
    const verdict = shouldStop(flat, { patience: 2 });
    assert.equal(verdict.stop, true);
    assert.match(verdict.reason, /no validation gain > 0\.005 in the last 2 cycles/);
    assert.equal(shouldStop(run, { patience: 2 }).stop, false, 'the synthetic run keeps improving');
    assert.equal(shouldStop([], { maxCycles: 1 }).stop, false);
  });
});
