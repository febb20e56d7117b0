// What GRPO trains on: a prompt (system + user, and earlier turns for multi-turn) with the BFCL-style
// reference calls, and the system prompt the policy is given in synthesis and in every RL prompt alike.
import { z } from 'zod';
import { ChatMessageSchema, OpenAIToolSchema } from './chat.js';
import { CategorySchema } from './category.js';

export const ASSISTANT_SYSTEM_PROMPT =
  'You are a helpful assistant that can call tools. Call a tool when it does what the user asks, with argument values ' +
  'taken exactly from the conversation. If a required value is missing, ask the user for it instead of guessing. ' +
  'If no tool can do what the user asks, say so plainly. After tool results arrive, answer using them.';

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
