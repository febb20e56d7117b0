// Turns the config's role endpoints and the cycle's policy into ChatClients. Clients are cached per
// worker process: the embedded model loads once, and each endpoint's limiter (concurrency, pace, backoff
// on 429) is shared by every activity. Clients record usage and faults into the UsageMeter of the activity
// attempt the request runs in (activities/faults.ts: meteredAttempt), keyed by these role names.
import type { RunConfig } from '../config.js';
import { ensureLocalModel } from '../llm/local-model.js';
import { createChatClient, createClientForModelRef } from '../llm/client.js';
import type { ChatClient } from '../domain/chat.js';
import type { EndpointConfig, ModelRef } from '../llm/types.js';
import { canonicalJson } from '../store/artifact-store.js';

const cache = new Map<string, ChatClient>();

function cached(key: string, make: () => ChatClient): ChatClient {
  let c = cache.get(key);
  if (!c) cache.set(key, (c = make()));
  return c;
}

export function roleClient(role: 'user' | 'simulator' | 'judge' | 'assistant', cfg: EndpointConfig): ChatClient {
  return cached(`${role}:${canonicalJson(cfg)}`, () => createChatClient(cfg, { role }));
}

/** The policy being trained is the assistant: cycle 0 starts from the configured assistant. */
export async function initialPolicy(config: RunConfig): Promise<ModelRef> {
  const a = config.roles.assistant;
  if (a.kind === 'openai') return { kind: 'endpoint', baseURL: a.baseURL, model: a.model };
  return {
    kind: 'gguf',
    path: a.modelPath ?? (await ensureLocalModel()),
    ...(a.loraPath ? { loraPath: a.loraPath } : {}),
  };
}

/** The policy's client keeps the assistant role's sampling settings and limits. */
export function policyClient(policy: ModelRef, config: RunConfig): ChatClient {
  const a = config.roles.assistant;
  const defaults =
    a.kind === 'openai'
      ? {
          openai: {
            temperature: a.temperature,
            maxTokens: a.maxTokens,
            concurrency: a.concurrency,
            timeoutMs: a.timeoutMs,
            maxRetries: a.maxRetries,
            apiKeyEnv: a.apiKeyEnv,
          },
        }
      : {
          local: {
            temperature: a.temperature,
            maxTokens: a.maxTokens,
            concurrency: a.concurrency,
            contextSize: a.contextSize,
            ...(a.threads ? { threads: a.threads } : {}),
            ...(a.contexts ? { contexts: a.contexts } : {}),
            ...(a.cacheSequences ? { cacheSequences: a.cacheSequences } : {}),
          },
        };
  return cached(`policy:${canonicalJson(policy)}:${canonicalJson(a)}`, () =>
    createClientForModelRef(policy, { role: 'assistant', ...defaults }),
  );
}
