// One unit of synthesis work (TaskSpec, as the plan assigns it) and the goal the user simulator fixes for
// it: the exact calls per turn that verification later holds the assistant's calls to.
import { z } from 'zod';
import { CategorySchema, DifficultySchema } from './category.js';

/** One exact call: tool name and concrete arguments. In a later turn an argument may instead be a
 * reference to an earlier call's result, `{"$result": {turn, call, path}}` (src/domain/result-refs.ts). */
export const GoalCallSchema = z.object({ name: z.string(), arguments: z.record(z.unknown()) });
export type GoalCall = z.infer<typeof GoalCallSchema>;

/** Who wrote a request: the user-simulator model as is, the model with left-out values appended, or the template. */
export const RequestSourceSchema = z.enum(['model', 'model-repaired', 'template']);
export type RequestSource = z.infer<typeof RequestSourceSchema>;
export const ValueSourceSchema = z.enum(['model', 'model-repaired', 'schema']);
export type ValueSource = z.infer<typeof ValueSourceSchema>;

export const GoalSchema = z.object({
  request: z.string(),
  persona: z.string().default(''),
  /** Calls per user turn; single-turn categories have one entry; irrelevance has [[]]. */
  turns: z.array(z.array(GoalCallSchema)),
  /** multi_turn_miss_param: the value withheld from the first request, given when asked. */
  withheld: z.object({ tool: z.string(), parameter: z.string(), value: z.unknown() }).optional(),
  /** What the user says to open each turn (turnRequests[0] === request); multi-turn only. */
  turnRequests: z.array(z.string()).optional(),
  /** multi_turn_miss_func: the tool withheld from the assistant until this turn. */
  lateTool: z.object({ name: z.string(), turn: z.number().int().positive() }).optional(),
  /** Deterministic fixes applied to a model's proposal (empty or absent: used as proposed). */
  repairs: z.array(z.string()).optional(),
  /** Where the calls' values came from: the model's proposal as is, partly repaired, or all filled from the
   * schema (absent: a goal without calls, or an artifact from before this was recorded). */
  valueSource: ValueSourceSchema.optional(),
  /** How the request that opens each turn was written (aligned with `turns`); absent on older artifacts. */
  requestSources: z.array(RequestSourceSchema).optional(),
  /** The least model-written of `requestSources`: 'model' only when the model wrote every request as is. */
  requestSource: RequestSourceSchema.optional(),
});
export type Goal = z.infer<typeof GoalSchema>;

/** One unit of synthesis work, as the plan assigns it. `seed` makes it reproducible. */
export const TaskSpecSchema = z.object({
  id: z.string(), // content-derived: same plan + seed => same id
  cycle: z.number().int().nonnegative(),
  toolSetId: z.string(),
  category: CategorySchema,
  difficulty: DifficultySchema,
  seed: z.number().int(),
});
export type TaskSpec = z.infer<typeof TaskSpecSchema>;
