// What synthesis produces: a goal fixed by the user simulator, the role-played conversation, and the
// RL prompt (prompt + reference calls) that GRPO trains on.
import { z } from 'zod';
import { ChatMessageSchema, OpenAIToolSchema } from '../llm/types.js';

export const CATEGORIES = [
  'simple', 'multiple', 'parallel', 'parallel_multiple', 'irrelevance',
  'multi_turn_base', 'multi_turn_miss_param', 'multi_turn_miss_func', 'multi_turn_long_context',
] as const;
export const CategorySchema = z.enum(CATEGORIES);
export type Category = z.infer<typeof CategorySchema>;

export const DifficultySchema = z.enum(['easy', 'medium', 'hard']);
export type Difficulty = z.infer<typeof DifficultySchema>;

/** One exact call: tool name and concrete arguments. In a later turn an argument may instead be a
 * reference to an earlier call's result, `{"$result": {turn, call, path}}` (src/agents/result-refs.ts). */
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

export const McpCallRecordSchema = z.object({
  tool: z.string(),
  arguments: z.record(z.unknown()),
  result: z.unknown().optional(),
  isError: z.boolean(),
  error: z.string().optional(),
  latencyMs: z.number(),
  tokens: z.number().int().default(0),
});
export type McpCallRecord = z.infer<typeof McpCallRecordSchema>;

export const GateNameSchema = z.enum(['goal_sanity', 'format', 'schema', 'goal_match', 'execution', 'novelty']);
export type GateName = z.infer<typeof GateNameSchema>;
export const GateVerdictSchema = z.object({ gate: GateNameSchema, pass: z.boolean(), reason: z.string().optional() });
export type GateVerdict = z.infer<typeof GateVerdictSchema>;

export const TrajectorySchema = z.object({
  id: z.string(),
  task: TaskSpecSchema,
  goal: GoalSchema,
  tools: z.array(OpenAIToolSchema),
  messages: z.array(ChatMessageSchema),
  trace: z.array(McpCallRecordSchema),
  usage: z.record(z.object({ promptTokens: z.number(), completionTokens: z.number(), calls: z.number() })).default({}),
  /** Set by verification; absent on raw trajectories. */
  verdicts: z.array(GateVerdictSchema).optional(),
  accepted: z.boolean().optional(),
  /** Index in `messages` of the user message that opens each goal turn (earlier messages are prior context). */
  turnStarts: z.array(z.number().int().nonnegative()).optional(),
  /** Set by verification: a hash of the id decides, so the split is stable across runs. */
  split: z.enum(['train', 'validation']).optional(),
  /** When synthesis itself failed (e.g. the user simulator's reply could not be parsed). */
  failure: z.string().optional(),
});
export type Trajectory = z.infer<typeof TrajectorySchema>;

export const RlPromptSchema = z.object({
  id: z.string(),
  category: CategorySchema,
  toolSetId: z.string(),
  messages: z.array(ChatMessageSchema), // the prompt: system + user (+ earlier turns for multi-turn)
  tools: z.array(OpenAIToolSchema),
  /** BFCL ground-truth form: [{name: {param: [acceptable values]}}]; [] means "no call" (irrelevance). */
  reference: z.array(z.record(z.record(z.array(z.unknown())))),
  split: z.enum(['train', 'validation']),
});
export type RlPrompt = z.infer<typeof RlPromptSchema>;
