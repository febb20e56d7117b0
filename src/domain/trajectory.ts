// What synthesis produces: the task and its goal, the role-played conversation, the MCP server's trace of
// every call, and (once verified) the gates' verdicts and the split.
import { z } from 'zod';
import { ChatMessageSchema, OpenAIToolSchema } from './chat.js';
import { GoalSchema, TaskSpecSchema } from './task.js';
import { GateVerdictSchema } from './verdict.js';

/** One call as the MCP server answered it. */
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
