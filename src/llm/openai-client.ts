// ChatClient for any OpenAI-compatible endpoint (vLLM, SGLang, Ollama, OpenAI) over the `openai` SDK:
// the endpoint's shared limiter, retries with jittered backoff honouring Retry-After, outages raised as
// EndpointUnavailable (outage.ts decides what is one), usage and fault metering, key hygiene.
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { BackoffSchema, backoffDelayMs, retryAfterMs, type Backoff } from './retry-policy.js';
import { limiterFor, type EndpointLimiter } from './endpoint-limiter.js';
import {
  EndpointUnavailable,
  GarbageReply,
  LlmEndpointError,
  chatCompletionProblem,
  classifyAttempt,
  type AttemptFailure,
} from './outage.js';
import { findFormatErrors } from './structured-output.js';
import type { AssistantMessage, ChatClient, ChatRequest, ChatResponse, ToolCall } from '../domain/chat.js';
import type { EndpointConfig } from './types.js';
import { activeMeter, type UsageMeter } from './usage-meter.js';

export { EndpointUnavailable, LlmEndpointError } from './outage.js';

export type OpenAIEndpointConfig = Extract<EndpointConfig, { kind: 'openai' }>;

export type ClientOptions = {
  /** Which role this client serves (user_simulator, assistant, mcp_simulator, judge, ...): keys the meter and the label. */
  role?: string;
  meter?: UsageMeter;
  /** Backoff between retries; defaults 500 ms doubling to 20 s, full jitter. */
  backoff?: Partial<Backoff>;
  /** Where `apiKeyEnv` is looked up; default process.env (tests pass their own). */
  env?: Record<string, string | undefined>;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function toolChoiceParam(choice: ChatRequest['toolChoice']): ChatCompletionCreateParamsNonStreaming['tool_choice'] {
  if (choice === undefined) return undefined;
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

export class OpenAIChatClient implements ChatClient {
  readonly label: string;
  readonly role: string;
  private readonly sdk: OpenAI;
  private readonly limiter: EndpointLimiter;
  private readonly backoff: Backoff;
  private readonly secret: string | undefined;

  constructor(
    private readonly cfg: OpenAIEndpointConfig,
    private readonly opts: ClientOptions = {},
  ) {
    this.role = opts.role ?? 'default';
    this.label = `${this.role}:${cfg.model}@${cfg.baseURL}`;
    const env = opts.env ?? process.env;
    if (cfg.apiKeyEnv && !env[cfg.apiKeyEnv]) {
      throw new Error(
        `LLM role "${this.role}" (${cfg.baseURL}, model ${cfg.model}): environment variable ${cfg.apiKeyEnv} named by apiKeyEnv is not set; export it or drop apiKeyEnv for an endpoint without auth`,
      );
    }
    this.secret = cfg.apiKeyEnv ? env[cfg.apiKeyEnv] : undefined;
    this.sdk = new OpenAI({
      baseURL: cfg.baseURL,
      // An explicit placeholder, so the SDK never falls back to OPENAI_API_KEY and sends it to a foreign server.
      apiKey: this.secret ?? 'no-key',
      maxRetries: 0, // our own loop retries, so it can meter retries and name the endpoint when it gives up
      timeout: cfg.timeoutMs,
    });
    this.limiter = limiterFor(cfg.baseURL, { concurrency: cfg.concurrency, requestsPerMinute: cfg.requestsPerMinute });
    this.backoff = BackoffSchema.parse({ ...cfg.backoff, ...opts.backoff });
  }

  chat(request: ChatRequest): Promise<ChatResponse> {
    return this.chatWithRetries(request);
  }

  /** The activity's meter when the request runs inside one (withMeter), else the one given at construction. */
  private get meter(): UsageMeter | undefined {
    return activeMeter() ?? this.opts.meter;
  }

  private body(request: ChatRequest): ChatCompletionCreateParamsNonStreaming {
    return {
      model: this.cfg.model,
      messages: request.messages as ChatCompletionCreateParamsNonStreaming['messages'],
      temperature: request.temperature ?? this.cfg.temperature,
      max_tokens: request.maxTokens ?? this.cfg.maxTokens,
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.stop?.length ? { stop: request.stop } : {}),
      ...(request.tools?.length ? { tools: request.tools, tool_choice: toolChoiceParam(request.toolChoice) } : {}),
      ...(request.jsonSchema
        ? {
            response_format: {
              type: 'json_schema',
              json_schema: { name: request.jsonSchema.name, schema: request.jsonSchema.schema },
            },
          }
        : {}),
    };
  }

  private async chatWithRetries(request: ChatRequest): Promise<ChatResponse> {
    const started = performance.now();
    const body = this.body(request);
    for (let attempt = 0; ; attempt++) {
      // The slot is held for one attempt only: a request backing off does not keep others from the endpoint.
      await this.limiter.acquire();
      const outcome = await this.attempt(body);
      if (!('failure' in outcome)) {
        this.limiter.release();
        return this.toResponse(outcome.completion, request, performance.now() - started);
      }
      const { failure } = outcome;
      this.limiter.release({
        throttled: failure.throttled,
        pauseMs: failure.throttled ? retryAfterMs(failure.headers) : undefined,
      });
      const { kind, status, reason, headers } = failure;
      if (failure.throttled) this.meter?.recordThrottle(this.role);
      if (failure.garbage) this.meter?.recordGarbage(this.role);
      if (kind !== 'outage' || attempt >= this.cfg.maxRetries) {
        this.meter?.recordFailure(this.role, kind === 'outage');
        throw this.endpointError(reason, attempt + 1, status, kind === 'outage');
      }
      this.meter?.recordRetry(this.role);
      await sleep(backoffDelayMs(attempt, this.backoff, retryAfterMs(headers)));
    }
  }

  /** One request; a body that is not a chat completion counts as a failed attempt, like a 5xx. */
  private async attempt(
    body: ChatCompletionCreateParamsNonStreaming,
  ): Promise<{ completion: OpenAI.Chat.Completions.ChatCompletion } | { failure: AttemptFailure }> {
    try {
      const completion: unknown = await this.sdk.chat.completions.create(body);
      const problem = chatCompletionProblem(completion);
      if (problem) throw new GarbageReply(problem);
      return { completion: completion as OpenAI.Chat.Completions.ChatCompletion };
    } catch (err) {
      return { failure: classifyAttempt(err, this.cfg.timeoutMs) };
    }
  }

  private endpointError(
    reason: string,
    attempts: number,
    status: number | undefined,
    outage: boolean,
  ): LlmEndpointError {
    const retryable = outage;
    const hint =
      status === 401 || status === 403
        ? this.cfg.apiKeyEnv
          ? `check the key in environment variable ${this.cfg.apiKeyEnv}`
          : 'the endpoint wants a key: set apiKeyEnv to the name of the environment variable holding it'
        : status === 404
          ? 'check the model name and that baseURL ends in the API root (usually .../v1)'
          : status === 400 || status === 422
            ? 'the endpoint rejected the request shape (tools, tool_choice or response_format may be unsupported by this server)'
            : retryable
              ? `is the server up at ${this.cfg.baseURL}? raise maxRetries/timeoutMs if it is just slow`
              : '';
    const what = retryable ? `still failing after ${attempts} attempt(s)` : `failed (not retryable)`;
    // A server may echo request headers in an error body; the key must never reach logs or workflow history.
    const message = this.scrub(
      `LLM endpoint ${this.cfg.baseURL} (model ${this.cfg.model}, role ${this.role}) ${what}: ${reason}${hint ? `; ${hint}` : ''}`,
    );
    const endpoint = { baseURL: this.cfg.baseURL, model: this.cfg.model, role: this.role };
    if (outage) return new EndpointUnavailable(message, endpoint, attempts, status, this.scrub(reason));
    return new LlmEndpointError(message, endpoint, attempts, status, false);
  }

  private scrub(text: string): string {
    return this.secret ? text.split(this.secret).join('***') : text;
  }

  private toResponse(
    completion: OpenAI.Chat.Completions.ChatCompletion,
    request: ChatRequest,
    latencyMs: number,
  ): ChatResponse {
    const choice = completion.choices?.[0];
    const usage = {
      promptTokens: completion.usage?.prompt_tokens ?? 0,
      completionTokens: completion.usage?.completion_tokens ?? 0,
      // vLLM (with prefix caching), SGLang and OpenAI report the prompt tokens their cache held.
      ...(completion.usage?.prompt_tokens_details?.cached_tokens !== undefined
        ? { cachedPromptTokens: completion.usage.prompt_tokens_details.cached_tokens }
        : {}),
    };
    this.meter?.record(this.role, usage, latencyMs);
    if (!choice) {
      this.meter?.recordFormatError(this.role, 'empty_choice');
      return {
        message: { role: 'assistant', content: null },
        usage,
        latencyMs,
        finishReason: null,
        formatErrors: [{ kind: 'empty_choice', message: `${this.label}: completion has no choices` }],
      };
    }
    const toolCalls: ToolCall[] = (choice.message.tool_calls ?? []).flatMap((call, i) =>
      call.type === 'function'
        ? [
            {
              id: call.id || `call_${i}`,
              type: 'function' as const,
              function: { name: call.function.name, arguments: call.function.arguments ?? '' },
            },
          ]
        : [],
    );
    const message: AssistantMessage = {
      role: 'assistant',
      content: choice.message.content ?? null,
      ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
    };
    const formatErrors = findFormatErrors(message, request.jsonSchema);
    for (const e of formatErrors) this.meter?.recordFormatError(this.role, e.kind);
    return {
      message,
      usage,
      latencyMs,
      finishReason: choice.finish_reason ?? null,
      ...(formatErrors.length ? { formatErrors } : {}),
    };
  }
}
