// An OpenAI-compatible HTTP endpoint over InfTool's ChatClients (the embedded runtime, a trained policy):
// /v1/models, /v1/chat/completions (tools, tool_choice, n, stop, seed, streaming, usage), /health.
//
// The request is turned into the same ChatRequest the pipeline sends its own clients, so the served policy
// answers with the same chat format and grammar it is trained and scored with. Errors come back in
// OpenAI's error shape: 400 naming the field, 401 without the key, 404 for an unknown model or path,
// 400 `context_length_exceeded` when the prompt does not fit, 413 for an oversized body, 503 while loading.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { ContextOverflowError } from '../llm/local-client.js';
import type {
  ChatCallOptions,
  ChatClient,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  OpenAITool,
} from '../domain/chat.js';

/** A model the endpoint serves under `id`; `load` (if any) runs once at start, and requests wait for it. */
export type ServedModel = {
  id: string;
  client: ChatClient & { load?: () => Promise<void> };
  /** Shown in /v1/models as `owned_by`. */
  ownedBy?: string;
  /** Used when a request sets no max_tokens. */
  defaultMaxTokens?: number;
};

export type ServeOptions = {
  models: ServedModel[];
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** When set, every /v1 request must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Largest request body accepted, bytes (default 16 MiB). */
  maxBodyBytes?: number;
  /** One line a request (method, path, status, ms); default silent. */
  log?: (line: string) => void;
  /** Every error a model call threw (before it became an HTTP error): a caller can tell an outage from an answer. */
  onModelError?: (err: unknown) => void;
};

export type OpenAIServer = {
  /** Base URL ending in /v1, as OpenAI clients take it. */
  baseURL: string;
  port: number;
  /** Resolves when every model has loaded; rejects if one cannot. */
  ready: Promise<void>;
  /** Requests answered so far, and how many were in flight at most at once (tests, the CLI's summary). */
  stats: { requests: number; completions: number; inFlight: number; maxInFlight: number };
  close(): Promise<void>;
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

const badRequest = (message: string, param: string | null, code: string | null = null) =>
  new HttpError(400, message, 'invalid_request_error', param, code);

// ---- the request shape (OpenAI's chat completions API, the fields InfTool serves) ----

const TextContent = z.union([
  z.string(),
  z.array(z.object({ type: z.literal('text'), text: z.string() }).passthrough()),
]);
const WireToolCall = z.object({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
const WireMessage = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: TextContent }).passthrough(),
  z.object({ role: z.literal('developer'), content: TextContent }).passthrough(),
  z.object({ role: z.literal('user'), content: TextContent }).passthrough(),
  z
    .object({
      role: z.literal('assistant'),
      content: TextContent.nullable().optional(),
      tool_calls: z.array(WireToolCall).nullable().optional(),
    })
    .passthrough(),
  z.object({ role: z.literal('tool'), tool_call_id: z.string(), content: TextContent }).passthrough(),
]);
const WireTool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a function name is 1 to 64 letters, digits, _ . or -'),
    description: z.string().optional(),
    parameters: z.record(z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});
const WireToolChoice = z.union([
  z.enum(['auto', 'none', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
]);
// Fields OpenAI defines that do not change what this runtime writes are accepted and ignored (passthrough):
// store, user, metadata, parallel_tool_calls, top_p, presence_penalty, frequency_penalty, logit_bias...
const ChatCompletionBody = z
  .object({
    model: z.string().min(1),
    messages: z.array(WireMessage).min(1),
    tools: z.array(WireTool).optional(),
    tool_choice: WireToolChoice.optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    max_tokens: z.number().int().positive().nullable().optional(),
    max_completion_tokens: z.number().int().positive().nullable().optional(),
    seed: z.number().int().nullable().optional(),
    stop: z
      .union([z.string(), z.array(z.string()).max(4)])
      .nullable()
      .optional(),
    n: z.number().int().min(1).max(8).nullable().optional(),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
    response_format: z
      .union([
        z.object({ type: z.literal('text') }),
        z.object({
          type: z.literal('json_schema'),
          json_schema: z.object({ name: z.string(), schema: z.record(z.unknown()).optional() }).passthrough(),
        }),
      ])
      .nullable()
      .optional(),
  })
  .passthrough();
type ChatCompletionBody = z.infer<typeof ChatCompletionBody>;

/** zod's path as OpenAI names a parameter: `messages[0].content`. */
function paramName(path: (string | number)[]): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');
}

function parseBody(raw: unknown): ChatCompletionBody {
  const parsed = ChatCompletionBody.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = paramName(issue.path);
  throw badRequest(`${param || 'body'}: ${issue.message}`, param || null);
}

const text = (c: z.infer<typeof TextContent> | null | undefined): string =>
  c == null ? '' : typeof c === 'string' ? c : c.map((p) => p.text).join('');

/** The wire request as the pipeline's ChatRequest; inconsistencies (an unknown forced tool) are 400s. */
export function toChatRequest(body: ChatCompletionBody, defaultMaxTokens: number | undefined): ChatRequest {
  const messages: ChatMessage[] = body.messages.map((m): ChatMessage => {
    switch (m.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: text(m.content) };
      case 'user':
        return { role: 'user', content: text(m.content) };
      case 'assistant':
        return {
          role: 'assistant',
          content: m.content == null ? null : text(m.content),
          ...(m.tool_calls?.length
            ? { tool_calls: m.tool_calls.map((c) => ({ id: c.id, type: 'function' as const, function: c.function })) }
            : {}),
        };
      case 'tool':
        return { role: 'tool', tool_call_id: m.tool_call_id, content: text(m.content) };
    }
  });
  const tools: OpenAITool[] | undefined = body.tools?.map((t) => ({
    type: 'function',
    function: {
      name: t.function.name,
      description: t.function.description,
      parameters: t.function.parameters ?? { type: 'object', properties: {} },
    },
  }));
  let toolChoice: ChatRequest['toolChoice'];
  const choice = body.tool_choice;
  if (choice !== undefined) {
    if (typeof choice === 'string') toolChoice = choice;
    else toolChoice = { name: choice.function.name };
    const names = new Set((tools ?? []).map((t) => t.function.name));
    if (typeof toolChoice === 'object' && !names.has(toolChoice.name)) {
      throw badRequest(`tool_choice names the function "${toolChoice.name}", which is not in tools`, 'tool_choice');
    }
    if (toolChoice === 'required' && names.size === 0)
      throw badRequest('tool_choice "required" needs at least one tool in tools', 'tool_choice');
  }
  const stop = body.stop == null ? undefined : typeof body.stop === 'string' ? [body.stop] : body.stop;
  const rf = body.response_format;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? defaultMaxTokens;
  return {
    messages,
    ...(tools?.length ? { tools } : {}),
    ...(toolChoice ? { toolChoice } : {}),
    ...(rf?.type === 'json_schema' && rf.json_schema.schema
      ? { jsonSchema: { name: rf.json_schema.name, schema: rf.json_schema.schema } }
      : {}),
    temperature: body.temperature ?? 1,
    ...(maxTokens ? { maxTokens } : {}),
    ...(body.seed != null ? { seed: body.seed } : {}),
    ...(stop?.length ? { stop } : {}),
  };
}

// ---- the response shapes ----

/**
 * The text of an `{"answer":"...` envelope that max_tokens cut short (the runtime keeps the raw text and records a
 * format error); a client is owed the words, not the envelope, or it feeds the envelope back in the next turn.
 */
export function cutShortAnswer(content: string | null): string | null {
  const prefix = '{"answer":"';
  if (!content?.startsWith(prefix)) return content;
  let body = content.slice(prefix.length).replace(/"\}?$/, '');
  for (let i = 0; i < 6 && body.length; i++) {
    try {
      return JSON.parse(`"${body}"`) as string;
    } catch {
      body = body.slice(0, -1); // a torn escape (\, \u12) at the cut
    }
  }
  return content;
}

function wireMessage(r: ChatResponse) {
  return {
    role: 'assistant' as const,
    content:
      r.formatErrors?.length && !r.message.tool_calls?.length ? cutShortAnswer(r.message.content) : r.message.content,
    ...(r.message.tool_calls?.length
      ? { tool_calls: r.message.tool_calls.map((c) => ({ id: c.id, type: 'function', function: c.function })) }
      : {}),
    refusal: null,
  };
}

const usageOf = (rs: ChatResponse[]) => {
  const prompt = rs[0]?.usage.promptTokens ?? 0; // the same prompt for every choice
  const completion = rs.reduce((s, r) => s + r.usage.completionTokens, 0);
  const cached = rs[0]?.usage.cachedPromptTokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    // As OpenAI and vLLM report it: the prompt tokens the prefix cache held.
    ...(cached !== undefined ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
  };
};

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit)
      throw new HttpError(
        413,
        `the request body is larger than ${limit} bytes`,
        'invalid_request_error',
        null,
        'request_too_large',
      );
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw badRequest(`the request body is not JSON: ${(e as Error).message}`, null, 'invalid_json');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers });
  res.end(data);
}

function sendError(res: ServerResponse, e: HttpError): void {
  const headers: Record<string, string> = e.status === 503 ? { 'retry-after': '1' } : {};
  if (res.headersSent) {
    // Mid-stream: OpenAI's clients read an `error` event; then the stream ends.
    res.end(
      `data: ${JSON.stringify({ error: { message: e.message, type: e.type, param: e.param, code: e.code } })}\n\n`,
    );
    return;
  }
  sendJson(res, e.status, { error: { message: e.message, type: e.type, param: e.param, code: e.code } }, headers);
}

export async function startOpenAIServer(opts: ServeOptions): Promise<OpenAIServer> {
  if (opts.models.length === 0) throw new Error('startOpenAIServer: no model to serve');
  const ids = new Set<string>();
  for (const m of opts.models) {
    if (ids.has(m.id)) throw new Error(`startOpenAIServer: model id "${m.id}" is given twice`);
    ids.add(m.id);
  }
  const byId = new Map(opts.models.map((m) => [m.id, m]));
  const loaded = new Map<string, boolean>(opts.models.map((m) => [m.id, !m.client.load]));
  const loadErrors = new Map<string, Error>();
  const created = Math.floor(Date.now() / 1000);
  const stats = { requests: 0, completions: 0, inFlight: 0, maxInFlight: 0 };
  const maxBody = opts.maxBodyBytes ?? 16 * 1024 * 1024;

  const ready = Promise.all(
    opts.models.map(async (m) => {
      if (!m.client.load) return;
      try {
        await m.client.load();
        loaded.set(m.id, true);
      } catch (e) {
        loadErrors.set(m.id, e as Error);
        throw e;
      }
    }),
  ).then(() => undefined);
  ready.catch(() => undefined); // reported per request and to whoever awaits `ready`

  const modelFor = (id: string): ServedModel => {
    const m = byId.get(id);
    if (!m)
      throw new HttpError(
        404,
        `The model "${id}" does not exist; this endpoint serves: ${[...ids].join(', ')}`,
        'invalid_request_error',
        'model',
        'model_not_found',
      );
    const failed = loadErrors.get(id);
    if (failed)
      throw new HttpError(
        500,
        `the model "${id}" failed to load: ${failed.message}`,
        'server_error',
        null,
        'model_load_failed',
      );
    if (!loaded.get(id))
      throw new HttpError(
        503,
        `the model "${id}" is still loading; retry shortly`,
        'server_error',
        null,
        'model_loading',
      );
    return m;
  };

  async function completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseBody(await readJson(req, maxBody));
    const model = modelFor(body.model);
    const request = toChatRequest(body, model.defaultMaxTokens);
    const n = body.n ?? 1;
    const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const ask = (i: number, call: ChatCallOptions = {}) =>
      model.client
        .chat(
          { ...request, ...(request.seed !== undefined ? { seed: request.seed + i } : {}) },
          { ...call, signal: abort.signal },
        )
        .catch((e: unknown) => {
          opts.onModelError?.(e);
          if (e instanceof ContextOverflowError) {
            throw badRequest(
              `This model's maximum context length is ${e.contextSize} tokens; ${e.message}`,
              'messages',
              'context_length_exceeded',
            );
          }
          throw e;
        });

    if (!body.stream) {
      // Choices are asked together: the runtime spreads them over its parallel sequences.
      const replies = await Promise.all(Array.from({ length: n }, (_, i) => ask(i)));
      stats.completions++;
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: model.id,
        system_fingerprint: null,
        choices: replies.map((r, index) => ({
          index,
          message: wireMessage(r),
          logprobs: null,
          finish_reason: r.finishReason ?? 'stop',
        })),
        usage: usageOf(replies),
      });
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: model.id, system_fingerprint: null, choices, ...extra })}\n\n`,
      );
    const replies: ChatResponse[] = [];
    for (let index = 0; index < n; index++) {
      chunk([{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
      let streamed = false;
      const r = await ask(index, {
        onText: (t) => {
          streamed = true;
          if (t) chunk([{ index, delta: { content: t }, logprobs: null, finish_reason: null }]);
        },
      });
      replies.push(r);
      if (r.message.tool_calls?.length) {
        r.message.tool_calls.forEach((c, i) =>
          chunk([
            {
              index,
              delta: {
                tool_calls: [
                  {
                    index: i,
                    id: c.id,
                    type: 'function',
                    function: { name: c.function.name, arguments: c.function.arguments },
                  },
                ],
              },
              logprobs: null,
              finish_reason: null,
            },
          ]),
        );
      } else if (!streamed && r.message.content) {
        // A grammar-forced answer is known only once it is complete.
        chunk([{ index, delta: { content: wireMessage(r).content }, logprobs: null, finish_reason: null }]);
      }
      chunk([{ index, delta: {}, logprobs: null, finish_reason: r.finishReason ?? 'stop' }]);
    }
    if (body.stream_options?.include_usage) chunk([], { usage: usageOf(replies) });
    stats.completions++;
    res.end('data: [DONE]\n\n');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/health') {
      const failed = [...loadErrors.keys()];
      const waiting = [...loaded].filter(([, ok]) => !ok).map(([m]) => m);
      if (failed.length) return sendJson(res, 500, { status: 'failed', models: failed });
      return waiting.length
        ? sendJson(res, 503, { status: 'loading', models: waiting }, { 'retry-after': '1' })
        : sendJson(res, 200, { status: 'ok' });
    }
    if (!path.startsWith('/v1/'))
      throw new HttpError(
        404,
        `no route ${req.method} ${url.pathname}; this endpoint serves /v1/models and /v1/chat/completions`,
        'invalid_request_error',
        null,
        'unknown_url',
      );
    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      throw new HttpError(
        401,
        'Incorrect or missing API key: send Authorization: Bearer <key>',
        'invalid_request_error',
        null,
        'invalid_api_key',
      );
    }
    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(res, 200, {
        object: 'list',
        data: opts.models.map((m) => ({ id: m.id, object: 'model', created, owned_by: m.ownedBy ?? 'inftool' })),
      });
    }
    const one = /^\/v1\/models\/(.+)$/.exec(path);
    if (req.method === 'GET' && one) {
      const m = byId.get(decodeURIComponent(one[1]));
      if (!m)
        throw new HttpError(
          404,
          `The model "${decodeURIComponent(one[1])}" does not exist`,
          'invalid_request_error',
          'model',
          'model_not_found',
        );
      return sendJson(res, 200, { id: m.id, object: 'model', created, owned_by: m.ownedBy ?? 'inftool' });
    }
    if (path === '/v1/chat/completions') {
      if (req.method !== 'POST')
        throw new HttpError(
          405,
          'use POST for /v1/chat/completions',
          'invalid_request_error',
          null,
          'method_not_allowed',
        );
      return completions(req, res);
    }
    throw new HttpError(404, `no route ${req.method} ${url.pathname}`, 'invalid_request_error', null, 'unknown_url');
  }

  const server: Server = createServer((req, res) => {
    const t0 = performance.now();
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    handle(req, res)
      .catch((e: unknown) => {
        if (e instanceof HttpError) return sendError(res, e);
        sendError(res, new HttpError(500, `the model failed: ${(e as Error)?.message ?? String(e)}`, 'server_error'));
      })
      .finally(() => {
        stats.inFlight--;
        opts.log?.(`${req.method} ${req.url} ${res.statusCode} ${Math.round(performance.now() - t0)} ms`);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1';
  return {
    baseURL: `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1`,
    port,
    ready,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
