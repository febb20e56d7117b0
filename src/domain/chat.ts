// The shapes every LLM role speaks: OpenAI chat messages, tools and tool calls, and the one
// ChatClient interface that remote endpoints, the embedded local model and test scripts all implement.
import { z } from 'zod';

export const ToolCallSchema = z.object({
  id: z.string(),
  type: z.literal('function').default('function'),
  function: z.object({ name: z.string(), arguments: z.string() }), // arguments: JSON text, as OpenAI sends it
});
export type ToolCall = z.infer<typeof ToolCallSchema>;

export const ChatMessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: z.string() }),
  z.object({ role: z.literal('user'), content: z.string() }),
  z.object({
    role: z.literal('assistant'),
    content: z.string().nullable(),
    tool_calls: z.array(ToolCallSchema).optional(),
  }),
  z.object({ role: z.literal('tool'), tool_call_id: z.string(), content: z.string() }),
]);
export type ChatMessage = z.infer<typeof ChatMessageSchema>;
export type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

/** An OpenAI-style tool definition (what `tools` holds in a chat request). */
export const OpenAIToolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string(),
    description: z.string().optional(),
    parameters: z.record(z.unknown()),
  }),
});
export type OpenAITool = z.infer<typeof OpenAIToolSchema>;

export type ChatRequest = {
  messages: ChatMessage[];
  tools?: OpenAITool[];
  /** 'required' forces at least one call; a name forces that tool; 'none' forbids calls. */
  toolChoice?: 'auto' | 'required' | 'none' | { name: string };
  /** Ask for a JSON object matching this JSON Schema as the message content (structured output). */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  /** Stop sequences (plain-text replies only: a grammar-forced reply always runs to its closing brace). */
  stop?: string[];
};

/** Per-call options that are not part of the request: streaming text as it is written, cancellation. */
export type ChatCallOptions = {
  /** Called with each piece of text as the model writes it (plain-text replies; forced JSON comes whole at the end). */
  onText?: (text: string) => void;
  signal?: AbortSignal;
};

/** `cachedPromptTokens`: of the prompt, the tokens the runtime did not evaluate again (its prefix cache held them);
 * absent where the endpoint does not say. */
export type Usage = { promptTokens: number; completionTokens: number; cachedPromptTokens?: number };

/** Where an embedded model's request spent its time (the runtime knows; a remote endpoint does not say):
 * preparing it (the grammar for its tools or schema, the history), waiting for a free sequence, evaluating the
 * prompt until the first token, and decoding the rest. */
export type ChatTiming = { setupMs: number; queueMs: number; promptMs: number; decodeMs: number };

/** A reply that broke the requested shape; the response still comes back and the meter counts it. */
export type ReplyFormatError = { kind: 'tool_arguments' | 'json_content' | 'empty_choice'; message: string };

export type ChatResponse = {
  message: AssistantMessage;
  usage: Usage;
  latencyMs: number;
  timing?: ChatTiming;
  finishReason: string | null;
  /** Present and non-empty only when the reply broke the requested format (added by the LLM layer; optional). */
  formatErrors?: ReplyFormatError[];
  /** The text exactly as generated, where the runtime constrains it (local models); lets tests hold the
   * trainer's rendering of a turn to what the model really wrote. */
  rawText?: string;
};

export interface ChatClient {
  /** Human-readable identity for logs and artifacts (never contains a key). */
  readonly label: string;
  chat(request: ChatRequest, call?: ChatCallOptions): Promise<ChatResponse>;
}
