// A deterministic OpenAI-compatible HTTP server on 127.0.0.1 that stands in for a remote LLM in tests:
// scripted chat replies, hash-vector embeddings, a model list, request counting and injected failures.
//
// Usage (the whole API):
//
//   import { startScriptedServer, replyByRules } from '../../src/llm/scripted-server.js';
//   const server = await startScriptedServer({
//     reply: replyByRules([
//       { lastUser: /weather/i, reply: { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] } },
//       { tools: ['search'], system: 'You are', reply: (body) => ({ content: `saw ${body.messages.length} messages` }) },
//       { hasToolResult: true, reply: { content: 'It is sunny.' } },
//     ], { content: 'fallback answer' }),     // no fallback: an unmatched request gets HTTP 400 naming it
//     failFirst: { count: 2, status: 429, retryAfter: 0 },  // first 2 chat requests fail (retryAfter in seconds)
//     delayMs: 0,                              // every chat reply sent this long after its request arrived
//   });
//   const cfg = { kind: 'openai', baseURL: server.baseURL, model: 'scripted-model' };   // baseURL ends in /v1
//   server.stats     // { requests, chat, embeddings, models, injectedFailures, inFlight, maxInFlight }
//   server.requests  // every chat request body, in arrival order
//   server.setReply(fn)  // swap the script mid-test
//   await server.close();
//
// A reply is one of: `{ content?, toolCalls?, finishReason?, usage?, delayMs? }` (a normal completion;
// toolCalls[].arguments may be an object or a raw string, so malformed JSON can be sent on purpose),
// `{ status, retryAfter?, retryAfterMs?, message? }` (an HTTP error), or `{ rawBody, status? }` (bytes as given).
// `reply` may also be any function `(body, { index }) => reply | Promise<reply>`; `index` counts chat requests from 0.
// Streaming (`stream: true`) is answered as one SSE chunk plus [DONE]. Embeddings: `/v1/embeddings` returns
// unit vectors derived from sha256 of each input (same text, same vector), `dimensions` honoured (default 16).
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The subset of an OpenAI chat-completions request body that scripts usually look at. */
export type ChatCompletionBody = {
  model: string;
  messages: Array<{ role: string; content?: unknown; tool_calls?: unknown[]; tool_call_id?: string }>;
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>;
  tool_choice?: unknown;
  response_format?: unknown;
  temperature?: number;
  max_tokens?: number;
  seed?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  [key: string]: unknown;
};

export type ScriptedCompletion = {
  content?: string | null;
  toolCalls?: Array<{ name: string; arguments: string | Record<string, unknown>; id?: string }>;
  finishReason?: string;
  usage?: { promptTokens: number; completionTokens: number; cachedPromptTokens?: number };
  delayMs?: number;
};
export type ScriptedFailure = {
  status: number;
  retryAfter?: number;
  retryAfterMs?: number;
  message?: string;
  delayMs?: number;
};
export type ScriptedRaw = { rawBody: string; status?: number; delayMs?: number };
export type ScriptedReply = ScriptedCompletion | ScriptedFailure | ScriptedRaw;

export type ReplyContext = { index: number };
export type ReplyFn = (body: ChatCompletionBody, ctx: ReplyContext) => ScriptedReply | Promise<ScriptedReply>;

export type ScriptedRule = {
  /** Substring of (or pattern for) the last user message. */
  lastUser?: string | RegExp;
  /** Substring of (or pattern for) the system prompt. */
  system?: string | RegExp;
  /** Every one of these tool names must be offered. */
  tools?: string[];
  /** True: the conversation already holds a tool result; false: it holds none. */
  hasToolResult?: boolean;
  model?: string;
  /** Anything else, as a predicate. */
  when?: (body: ChatCompletionBody) => boolean;
  reply: ScriptedReply | ReplyFn;
};

export type ScriptedServerOptions = {
  reply?: ReplyFn;
  failFirst?: { count: number; status: number; retryAfter?: number; retryAfterMs?: number };
  delayMs?: number;
  /** Keep every chat request body in `requests` (default true); a benchmark of many thousand calls turns it off. */
  keepRequests?: boolean;
  /** Model ids listed by /v1/models (default ['scripted-model']). */
  models?: string[];
  embeddingDimensions?: number;
};

export type ScriptedServerStats = {
  requests: number;
  chat: number;
  embeddings: number;
  models: number;
  injectedFailures: number;
  inFlight: number;
  maxInFlight: number;
};

export type ScriptedServer = {
  /** e.g. http://127.0.0.1:41234/v1 — pass as EndpointConfig.baseURL. */
  baseURL: string;
  port: number;
  stats: ScriptedServerStats;
  requests: ChatCompletionBody[];
  /** LoRA adapters registered through `POST /v1/load_lora_adapter` (vLLM's runtime loading): name -> path. */
  adapters: Map<string, string>;
  setReply(reply: ReplyFn): void;
  close(): Promise<void>;
};

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content.map((p) => (typeof p === 'object' && p && 'text' in p ? String(p.text) : '')).join('');
  return '';
}

function matches(pattern: string | RegExp | undefined, text: string | undefined): boolean {
  if (pattern === undefined) return true;
  if (text === undefined) return false;
  return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
}

/** Builds a reply function from a rule table: the first rule whose every condition holds answers. */
export function replyByRules(rules: ScriptedRule[], fallback?: ScriptedReply | ReplyFn): ReplyFn {
  return (body, ctx) => {
    const lastUser = [...body.messages].reverse().find((m) => m.role === 'user');
    const system = body.messages.find((m) => m.role === 'system');
    const offered = new Set((body.tools ?? []).map((t) => t.function.name));
    const hasToolResult = body.messages.some((m) => m.role === 'tool');
    for (const rule of rules) {
      if (!matches(rule.lastUser, lastUser && textOf(lastUser.content))) continue;
      if (!matches(rule.system, system && textOf(system.content))) continue;
      if (rule.tools && !rule.tools.every((name) => offered.has(name))) continue;
      if (rule.hasToolResult !== undefined && rule.hasToolResult !== hasToolResult) continue;
      if (rule.model !== undefined && rule.model !== body.model) continue;
      if (rule.when && !rule.when(body)) continue;
      return typeof rule.reply === 'function' ? rule.reply(body, ctx) : rule.reply;
    }
    if (fallback !== undefined) return typeof fallback === 'function' ? fallback(body, ctx) : fallback;
    const preview = lastUser ? JSON.stringify(textOf(lastUser.content).slice(0, 80)) : '(no user message)';
    // 400, not 500: a script gap is a test bug and must not be retried into a slow, confusing timeout.
    return {
      status: 400,
      message: `scripted server: no rule matched request #${ctx.index} (last user message ${preview}, tools [${[...offered].join(', ')}])`,
    };
  };
}

/** Deterministic unit vector for a text: sha256 chained blocks mapped to [-1, 1], then normalised. */
export function hashEmbedding(text: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}\u0000${text}`).digest();
    for (let i = 0; i + 1 < digest.length && values.length < dimensions; i += 2)
      values.push(digest.readUInt16LE(i) / 32767.5 - 1);
  }
  const norm = Math.hypot(...values) || 1;
  return values.map((v) => v / norm);
}

const approxTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

function completionBody(body: ChatCompletionBody, reply: ScriptedCompletion, index: number) {
  const toolCalls = (reply.toolCalls ?? []).map((call, i) => ({
    id: call.id ?? `call_${index}_${i}`,
    type: 'function',
    function: {
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    },
  }));
  const content = reply.content === undefined ? (toolCalls.length ? null : '') : reply.content;
  const promptText = body.messages.map((m) => textOf(m.content)).join('\n');
  const completionText = (content ?? '') + toolCalls.map((c) => c.function.name + c.function.arguments).join('');
  const usage: NonNullable<ScriptedCompletion['usage']> = reply.usage ?? {
    promptTokens: approxTokens(promptText),
    completionTokens: approxTokens(completionText),
  };
  return {
    id: `chatcmpl-scripted-${index}`,
    object: 'chat.completion',
    created: 0,
    model: body.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
        finish_reason: reply.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop'),
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
      ...(usage.cachedPromptTokens !== undefined
        ? { prompt_tokens_details: { cached_tokens: usage.cachedPromptTokens } }
        : {}),
    },
  };
}

function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(payload));
}

function sendStream(res: ServerResponse, completion: ReturnType<typeof completionBody>, includeUsage: boolean): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const choice = completion.choices[0];
  const base = { id: completion.id, object: 'chat.completion.chunk', created: 0, model: completion.model };
  const toolCalls = (choice.message.tool_calls ?? []).map((c, index) => ({ index, ...c }));
  const delta = {
    role: 'assistant',
    content: choice.message.content,
    ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
  };
  const chunks: unknown[] = [
    { ...base, choices: [{ index: 0, delta, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: choice.finish_reason }] },
  ];
  if (includeUsage) chunks.push({ ...base, choices: [], usage: completion.usage });
  for (const chunk of chunks) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  res.end('data: [DONE]\n\n');
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startScriptedServer(options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
  let reply: ReplyFn = options.reply ?? (() => ({ content: 'ok' }));
  const models = [...(options.models ?? ['scripted-model'])];
  const stats: ScriptedServerStats = {
    requests: 0,
    chat: 0,
    embeddings: 0,
    models: 0,
    injectedFailures: 0,
    inFlight: 0,
    maxInFlight: 0,
  };
  const requests: ChatCompletionBody[] = [];

  /** `arrived`: when the request came in; the reply leaves `delayMs` after it, the script's own work included, as a
   * model's latency includes its server's. */
  async function chat(body: ChatCompletionBody, res: ServerResponse, arrived: number): Promise<void> {
    const index = stats.chat++;
    if (options.keepRequests !== false) requests.push(body);
    const fail = options.failFirst;
    const scripted: ScriptedReply =
      fail && index < fail.count
        ? (stats.injectedFailures++,
          {
            status: fail.status,
            retryAfter: fail.retryAfter,
            retryAfterMs: fail.retryAfterMs,
            message: `injected failure ${index + 1}/${fail.count}`,
          })
        : await reply(body, { index });
    const wait = (options.delayMs ?? 0) - (performance.now() - arrived);
    if (wait > 0) await sleep(wait);
    if (scripted.delayMs) await sleep(scripted.delayMs);
    if ('rawBody' in scripted) {
      res.writeHead(scripted.status ?? 200, { 'content-type': 'application/json' });
      res.end(scripted.rawBody);
    } else if ('status' in scripted) {
      const headers: Record<string, string> = {};
      if (scripted.retryAfter !== undefined) headers['retry-after'] = String(scripted.retryAfter);
      if (scripted.retryAfterMs !== undefined) headers['retry-after-ms'] = String(scripted.retryAfterMs);
      const type =
        scripted.status === 429
          ? 'rate_limit_exceeded'
          : scripted.status >= 500
            ? 'server_error'
            : 'invalid_request_error';
      sendJson(
        res,
        scripted.status,
        { error: { message: scripted.message ?? `scripted HTTP ${scripted.status}`, type, code: null } },
        headers,
      );
    } else {
      const completion = completionBody(body, scripted, index);
      if (body.stream) sendStream(res, completion, body.stream_options?.include_usage === true);
      else sendJson(res, 200, completion);
    }
  }

  function embeddings(
    body: { input?: unknown; model?: string; dimensions?: number; encoding_format?: string },
    res: ServerResponse,
  ): void {
    stats.embeddings++;
    const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
    const dims = body.dimensions ?? options.embeddingDimensions ?? 16;
    const data = inputs.map((text, index) => {
      const vector = hashEmbedding(text, dims);
      // The openai SDK asks for base64 (little-endian float32) unless told otherwise, then decodes it.
      const embedding =
        body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    });
    const tokens = inputs.reduce((n, t) => n + approxTokens(t), 0);
    sendJson(res, 200, {
      object: 'list',
      data,
      model: body.model ?? models[0],
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  const adapters = new Map<string, string>();
  const server = createServer(async (req, res) => {
    const arrived = performance.now();
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.on('close', () => stats.inFlight--);
    try {
      const path = (req.url ?? '').split('?')[0].replace(/\/+$/, '');
      if (req.method === 'GET' && path === '/v1/models') {
        stats.models++;
        sendJson(res, 200, {
          object: 'list',
          data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'scripted' })),
        });
      } else if (req.method === 'POST' && path === '/v1/chat/completions') {
        await chat((await readBody(req)) as ChatCompletionBody, res, arrived);
      } else if (req.method === 'POST' && path === '/v1/embeddings') {
        embeddings((await readBody(req)) as Parameters<typeof embeddings>[0], res);
      } else if (req.method === 'POST' && path === '/v1/load_lora_adapter') {
        // vLLM's runtime LoRA loading, as the deploy step uses it: a second load of a name is refused like vLLM does.
        const body = (await readBody(req)) as { lora_name?: string; lora_path?: string };
        if (!body.lora_name || !body.lora_path)
          sendJson(res, 400, { error: { message: 'lora_name and lora_path are required' } });
        else if (adapters.has(body.lora_name))
          sendJson(res, 400, { error: { message: `The lora adapter '${body.lora_name}' has already been loaded.` } });
        else {
          adapters.set(body.lora_name, body.lora_path);
          models.push(body.lora_name);
          res
            .writeHead(200, { 'content-type': 'text/plain' })
            .end(`Success: LoRA adapter '${body.lora_name}' added successfully.`);
        }
      } else {
        sendJson(res, 404, {
          error: { message: `scripted server: no route ${req.method} ${req.url}`, type: 'not_found' },
        });
      }
    } catch (err) {
      if (!res.headersSent)
        sendJson(res, 500, { error: { message: `scripted server: ${(err as Error).message}`, type: 'server_error' } });
      else res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    port,
    stats,
    adapters,
    requests,
    setReply(next) {
      reply = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
