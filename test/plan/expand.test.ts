// expandPlan: one task per planned trajectory, stable ids and seeds, fresh ones per round.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { expandPlan, expandPlanRange, initialPlan, planSize } from '../../src/plan/index.js';

it('expands every planned trajectory into a unique, reproducible task', () => {
  const plan = initialPlan({
    cycle: 0,
    categories: ['simple', 'parallel'],
    toolSetIds: ['a', 'b'],
    total: 20,
    seed: 3,
  });
  const tasks = expandPlan(plan);
  assert.equal(tasks.length, 20);
  assert.equal(new Set(tasks.map((t) => t.id)).size, 20);
  assert.deepEqual(expandPlan(plan), tasks);
  for (const item of plan.items) {
    assert.equal(
      tasks.filter(
        (t) => t.category === item.category && t.toolSetId === item.toolSetId && t.difficulty === item.difficulty,
      ).length,
      item.count,
    );
  }
  const again = expandPlan(plan, 1);
  assert.equal(again.length, 20);
  assert.ok(
    again.every((t, i) => t.seed !== tasks[i].seed || t.id !== tasks[i].id),
    'a new round gives new seeds',
  );
  assert.notDeepEqual(
    expandPlan({ ...plan, seed: 4 }).map((t) => t.seed),
    tasks.map((t) => t.seed),
  );
});

it('a range is the same slice of the expansion, built alone (what a synthesis batch reads)', () => {
  const plan = initialPlan({
    cycle: 0,
    categories: ['simple', 'multiple', 'irrelevance'],
    toolSetIds: ['a', 'b', 'c'],
    total: 37,
    seed: 9,
  });
  const all = expandPlan(plan, 1);
  assert.equal(planSize(plan), all.length);
  for (const [start, end] of [
    [0, 4],
    [3, 9],
    [10, 37],
    [36, 40],
    [40, 44],
    [0, 37],
  ]) {
    assert.deepEqual(expandPlanRange(plan, start, end, 1), all.slice(start, end), `[${start}, ${end})`);
  }
});
