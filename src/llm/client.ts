// The one entry point activities use to reach a model: an endpoint config (or a trained policy's ModelRef)
// becomes a ChatClient, remote over the openai SDK or embedded via node-llama-cpp.
import type { z } from 'zod';
import { LocalChatClient } from './local-client.js';
import { OpenAIChatClient, type ClientOptions } from './openai-client.js';
import { EndpointConfigSchema, type EndpointConfig, type ModelRef } from './types.js';
import { type ChatClient } from '../domain/chat.js';

export type { ClientOptions } from './openai-client.js';

/** Validates `cfg` (defaults applied) and builds the client; a bad config names the field. */
export function createChatClient(cfg: z.input<typeof EndpointConfigSchema>, opts: ClientOptions = {}): ChatClient {
  const parsed = EndpointConfigSchema.safeParse(cfg);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`LLM endpoint config for role "${opts.role ?? 'default'}" is invalid: ${issues}`);
  }
  const valid: EndpointConfig = parsed.data;
  return valid.kind === 'openai' ? new OpenAIChatClient(valid, opts) : new LocalChatClient(valid, opts);
}

/** Settings a ModelRef does not carry (sampling, limits, key), taken from the role's configured endpoint. */
export type ModelRefDefaults = ClientOptions & {
  openai?: Partial<Omit<Extract<EndpointConfig, { kind: 'openai' }>, 'kind' | 'baseURL' | 'model'>>;
  local?: Partial<Omit<Extract<EndpointConfig, { kind: 'local' }>, 'kind' | 'modelPath' | 'loraPath'>>;
};

/**
 * A client for a policy the train stage produced. An endpoint ref with an adapter is addressed by the
 * adapter's name, which is how vLLM and SGLang expose LoRA modules (`--lora-modules name=path`).
 */
export function createClientForModelRef(ref: ModelRef, defaults: ModelRefDefaults = {}): ChatClient {
  const { openai, local, ...opts } = defaults;
  if (ref.kind === 'endpoint') {
    return createChatClient({ ...openai, kind: 'openai', baseURL: ref.baseURL, model: ref.adapter ?? ref.model }, opts);
  }
  return createChatClient({ ...local, kind: 'local', modelPath: ref.path, loraPath: ref.loraPath }, opts);
}
