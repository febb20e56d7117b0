// Hard-sample mining from training rollouts: each RL prompt's group of G rollouts is scored by how many
// pass; always-solved prompts are easy (no GRPO signal), rarely solved ones are hard and seed new synthesis.
import { z } from 'zod';
import { CategorySchema } from '../domain/category.js';

/** One RL prompt's rollout group: `passes` of `group` rollouts passed every gate. */
export const RolloutConsistencySchema = z
  .object({
    promptId: z.string(),
    category: CategorySchema,
    toolSetId: z.string(),
    group: z.number().int().positive(),
    passes: z.number().int().nonnegative(),
  })
  .refine((r) => r.passes <= r.group, { message: 'passes cannot exceed the group size', path: ['passes'] });
export type RolloutConsistency = z.infer<typeof RolloutConsistencySchema>;

export type RolloutClasses = { easy: RolloutConsistency[]; hard: RolloutConsistency[]; frontier: RolloutConsistency[] };

export const passRate = (r: RolloutConsistency) => r.passes / r.group;

/**
 * easy: pass rate >= easyAt (default: every rollout passed); hard: pass rate <= hardAt (default 1 in 4
 * or fewer); frontier: in between, where GRPO's group advantage is largest. Order within a class:
 * hardest (or easiest) first, then by prompt id, so the result is deterministic.
 */
export function classifyRollouts(
  groups: RolloutConsistency[],
  opts: { easyAt?: number; hardAt?: number } = {},
): RolloutClasses {
  const easyAt = opts.easyAt ?? 1;
  const hardAt = opts.hardAt ?? 0.25;
  if (hardAt >= easyAt) throw new Error(`classifyRollouts: hardAt (${hardAt}) must be below easyAt (${easyAt})`);
  const out: RolloutClasses = { easy: [], hard: [], frontier: [] };
  groups.forEach((g, i) => {
    if (g.passes > g.group || g.group < 1) {
      throw new Error(
        `rollout group #${i} (prompt ${g.promptId}): ${g.passes} passes of a group of ${g.group} is impossible`,
      );
    }
    const rate = passRate(g);
    if (rate >= easyAt) out.easy.push(g);
    else if (rate <= hardAt) out.hard.push(g);
    else out.frontier.push(g);
  });
  const byId = (a: RolloutConsistency, b: RolloutConsistency) =>
    a.promptId < b.promptId ? -1 : a.promptId > b.promptId ? 1 : 0;
  out.hard.sort((a, b) => passRate(a) - passRate(b) || byId(a, b));
  out.easy.sort((a, b) => passRate(b) - passRate(a) || byId(a, b));
  out.frontier.sort(byId);
  return out;
}
