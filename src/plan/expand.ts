// Expands a plan into its units of synthesis work: one TaskSpec per planned trajectory, with ids and
// seeds derived from the plan's content, so re-expanding the same plan gives the same tasks.
import { TaskSpecSchema, type TaskSpec } from '../domain/task.js';
import { stableHash } from './allocate.js';
import type { Plan } from '../domain/plan.js';

/**
 * Items in plan order, `count` tasks each. `round` salts the seeds (0 for the plan's own tasks; a
 * workflow that tops up a cycle after rejections asks for round 1, 2, ... and gets fresh, stable seeds).
 */
export function expandPlan(plan: Plan, round = 0): TaskSpec[] {
  return expandPlanRange(plan, 0, planSize(plan), round);
}

/** How many tasks the plan expands to, without expanding it. */
export function planSize(plan: Plan): number {
  return plan.items.reduce((n, item) => n + item.count, 0);
}

/**
 * Tasks `start` to `end` (exclusive) of `expandPlan(plan, round)`, building only those: a synthesis batch
 * reads its slice of a plan of any size in time proportional to the slice.
 */
export function expandPlanRange(plan: Plan, start: number, end: number, round = 0): TaskSpec[] {
  const base = stableHash(plan.seed ?? 0, `cycle-${plan.cycle}/round-${round}`);
  const tasks: TaskSpec[] = [];
  let offset = 0; // index of the item's first task in the whole expansion
  for (const item of plan.items) {
    const from = Math.max(0, start - offset);
    const to = Math.min(item.count, end - offset);
    offset += item.count;
    for (let k = from; k < to; k++) {
      const where = `${item.category}/${item.toolSetId}/${item.difficulty}/${k}`;
      const seed = stableHash(base, where) & 0x7fffffff;
      tasks.push(
        TaskSpecSchema.parse({
          id: `c${plan.cycle}-r${round}-${item.category}-${item.difficulty}-${seed.toString(36)}-${k}`,
          cycle: plan.cycle,
          toolSetId: item.toolSetId,
          category: item.category,
          difficulty: item.difficulty,
          seed,
        }),
      );
    }
    if (offset >= end) break;
  }
  return tasks;
}
