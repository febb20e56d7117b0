// How a role reaches a model (an endpoint or the embedded runtime) and what a trained policy is, as a
// reference the LLM layer can serve. The messages and the ChatClient interface are in src/domain/chat.ts.
import { z } from 'zod';

/** How a role reaches a model. API keys are named by environment variable, never stored. */
export const EndpointConfigSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('openai'),
    baseURL: z.string().url(),
    model: z.string().min(1),
    apiKeyEnv: z.string().optional(),
    temperature: z.number().min(0).max(2).default(0.7),
    maxTokens: z.number().int().positive().default(512),
    concurrency: z.number().int().positive().default(4),
    timeoutMs: z.number().int().positive().default(120_000),
    maxRetries: z.number().int().min(0).default(4),
    /** Optional pace for this endpoint, shared by every role and activity of a worker process (see endpoint-limiter.ts). */
    requestsPerMinute: z.number().positive().optional(),
    /** Optional backoff between the client's retries (default 500 ms doubling to 20 s, full jitter). */
    backoff: z
      .object({ baseMs: z.number().nonnegative().optional(), maxMs: z.number().nonnegative().optional() })
      .optional(),
  }),
  z.object({
    kind: z.literal('local'),
    /** Path to a GGUF file; default: the bundled SmolLM2-135M-Instruct installed at set-up. */
    modelPath: z.string().optional(),
    /** Optional LoRA adapter (GGUF) applied on top of modelPath. */
    loraPath: z.string().optional(),
    temperature: z.number().min(0).max(2).default(0.7),
    maxTokens: z.number().int().positive().default(256),
    concurrency: z.number().int().positive().default(1),
    contextSize: z.number().int().positive().default(4096),
    /**
     * CPU threads each context decodes with; default one fewer than the cores (at least 1). Fewer are faster:
     * a decode step waits for its slowest thread, so one thread on a core another process holds stalls them all.
     */
    threads: z.number().int().positive().optional(),
    /**
     * Independent contexts of the model, each with `concurrency` sequences and `threads` threads, sharing its
     * weights: requests on different contexts decode at once on different cores, where sequences batched in one
     * context share its threads (compute-bound on one core at 135M: bench/llm-lanes.ts). Default 1.
     */
    contexts: z.number().int().positive().optional(),
    /**
     * Sequences per context beyond `concurrency` that only keep what they evaluated last: a request goes to the
     * idle sequence holding the longest start of its prompt, and those tokens are not evaluated again. Each one
     * holds `contextSize` tokens of KV cache (SmolLM2-135M: about 23 KB a token, 94 MB at 4096). Default 0.
     */
    cacheSequences: z.number().int().nonnegative().optional(),
  }),
]);
export type EndpointConfig = z.infer<typeof EndpointConfigSchema>;

/** How many requests an endpoint answers at once: an openai endpoint's `concurrency`, an embedded model's
 * contexts times the sequences of each. Work that can run side by side (evaluation) sends this many. */
export function endpointSlots(cfg: EndpointConfig): number {
  return cfg.kind === 'openai' ? cfg.concurrency : (cfg.contexts ?? 1) * cfg.concurrency;
}

/** A policy the LLM layer can serve: what the train stage returns and the next cycle's assistant uses. */
export const ModelRefSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('endpoint'),
    baseURL: z.string().url(),
    model: z.string(),
    adapter: z.string().optional(),
  }),
  z.object({ kind: z.literal('gguf'), path: z.string(), loraPath: z.string().optional() }),
]);
export type ModelRef = z.infer<typeof ModelRefSchema>;
