// `inftool serve`'s endpoint, driven by the official `openai` client against the bundled SmolLM2 GGUF: tool
// calls under every tool_choice, streaming (text and tool calls), n, stop, usage, the errors OpenAI's
// clients expect, requests in flight together, and the same answer the pipeline's own client gets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { createChatClient } from '../../src/llm/client.js';
import { disposeLocalModels, LocalChatClient } from '../../src/llm/local-client.js';
import { ensureLocalModel } from '../../src/llm/local-model.js';
import { cutShortAnswer, startOpenAIServer, type OpenAIServer } from '../../src/serve/openai-server.js';
import { policyFiles } from '../../src/cli/serve.js';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatCallOptions, ChatRequest } from '../../src/domain/chat.js';
import { tools } from '../support/two-tools.js';

const MODEL = 'smollm2-test';
const weather = [{ role: 'user' as const, content: 'What is the weather in Paris?' }];

/** The error an OpenAI client call threw, as the SDK parsed it. */
async function apiError(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof OpenAI.APIError, `expected an API error, got ${String(e)}`);
    return e;
  }
  assert.fail('the request succeeded');
}

describe('the OpenAI-compatible endpoint over the embedded runtime', () => {
  let server: OpenAIServer;
  let openai: OpenAI;
  let modelPath: string;
  let releaseLoad!: () => void;
  const loadGate = new Promise<void>((r) => (releaseLoad = r));
  const seen: ChatRequest[] = []; // every request the endpoint handed the runtime

  before(async () => {
    modelPath = await ensureLocalModel();
    const client = new LocalChatClient(
      { kind: 'local', modelPath, concurrency: 2, contextSize: 2048, temperature: 1, maxTokens: 64 },
      { role: 'serve', strictContext: true },
    );
    // The real load, held until the test has seen the endpoint answer 503 while it waits.
    const held = Object.assign(Object.create(client) as LocalChatClient, {
      load: async () => {
        await loadGate;
        await client.load();
      },
      chat: (request: ChatRequest, call?: ChatCallOptions) => {
        seen.push(structuredClone(request));
        return client.chat(request, call);
      },
    });
    server = await startOpenAIServer({
      models: [{ id: MODEL, client: held, defaultMaxTokens: 64 }],
      apiKey: 'sk-test',
      maxBodyBytes: 256 * 1024,
    });
    openai = new OpenAI({ baseURL: server.baseURL, apiKey: 'sk-test', maxRetries: 0 });
  });
  after(async () => {
    await server?.close();
    await disposeLocalModels();
  });

  it('answers 503 (model_loading) until the model has loaded, then lists it', async () => {
    const e = await apiError(openai.chat.completions.create({ model: MODEL, messages: weather }));
    assert.equal(e.status, 503);
    assert.equal(e.code, 'model_loading');
    const health = await fetch(server.baseURL.replace(/\/v1$/, '/health'));
    assert.equal(health.status, 503);
    releaseLoad();
    await server.ready;
    assert.equal((await fetch(server.baseURL.replace(/\/v1$/, '/health'))).status, 200);
    const models = await openai.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      [MODEL],
    );
    assert.equal((await openai.models.retrieve(MODEL)).id, MODEL);
  });

  it('returns schema-valid tool calls for tool_choice required and a named function, with usage', async () => {
    const required = await openai.chat.completions.create({
      model: MODEL,
      messages: weather,
      tools,
      tool_choice: 'required',
      temperature: 0,
      max_tokens: 96,
    });
    const [choice] = required.choices;
    assert.equal(choice.finish_reason, 'tool_calls');
    const call = choice.message.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.ok(['get_weather', 'add'].includes(call.function.name));
    assert.doesNotThrow(() => JSON.parse(call.function.arguments));
    assert.match(call.id, /^call_/);
    assert.ok(required.usage && required.usage.prompt_tokens > 50 && required.usage.completion_tokens > 0);
    assert.equal(required.usage.total_tokens, required.usage.prompt_tokens + required.usage.completion_tokens);

    const named = await openai.chat.completions.create({
      model: MODEL,
      messages: weather,
      tools,
      tool_choice: { type: 'function', function: { name: 'add' } },
      temperature: 0,
      max_tokens: 96,
    });
    const calls = named.choices[0].message.tool_calls ?? [];
    assert.ok(calls.length >= 1);
    for (const c of calls) {
      assert.equal(c.type === 'function' && c.function.name, 'add');
      const args = JSON.parse(c.type === 'function' ? c.function.arguments : '{}') as Record<string, unknown>;
      assert.ok(
        Number.isInteger(args.a) && Number.isInteger(args.b),
        `add takes two integers, got ${JSON.stringify(args)}`,
      );
    }
  });

  it('answers in text under tool_choice none and never calls', async () => {
    const r = await openai.chat.completions.create({
      model: MODEL,
      messages: weather,
      tools,
      tool_choice: 'none',
      temperature: 0,
      max_tokens: 24,
    });
    assert.equal(r.choices[0].message.tool_calls, undefined);
    assert.equal(typeof r.choices[0].message.content, 'string');
    assert.ok(r.choices[0].message.content!.length > 0);
  });

  it('hands the runtime the very request the pipeline would (same chat format, same grammar, same sampling)', async () => {
    // The pipeline's own remote client, pointed at the endpoint: what it sends must reach the runtime unchanged.
    const remote = createChatClient(
      { kind: 'openai', baseURL: server.baseURL, model: MODEL, apiKeyEnv: 'SERVE_KEY', maxRetries: 0 },
      { role: 'assistant', env: { SERVE_KEY: 'sk-test' } },
    );
    const request: ChatRequest = {
      messages: [
        { role: 'system', content: 'You help with the weather.' },
        { role: 'user', content: 'Weather in Paris, then add 2 and 3.' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
      ],
      tools: tools as never,
      toolChoice: 'required',
      temperature: 0,
      maxTokens: 48,
      seed: 5,
    };
    seen.length = 0;
    const reply = await remote.chat(request);
    assert.deepEqual(seen, [request]);
    assert.ok(reply.message.tool_calls?.length, 'and the reply comes back as tool calls');
  });

  it('streams text as it is written and tool calls as OpenAI does, with the usage chunk', async () => {
    const stream = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Say hello to Ada in one sentence.' }],
      temperature: 0,
      max_tokens: 24,
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const c = chunk.choices[0];
      if (c?.delta.content) deltas.push(c.delta.content);
      if (c?.finish_reason) finish = c.finish_reason;
    }
    assert.ok(deltas.length > 1, `text arrives in pieces, got ${JSON.stringify(deltas)}`);
    assert.ok(finish === 'stop' || finish === 'length');
    assert.ok(usage && usage.completion_tokens > 0);
    assert.ok(deltas.length <= usage.completion_tokens, 'a piece a token at most: pieces are sent as they are written');

    // The SDK's own stream helper assembles the tool-call deltas into complete calls.
    const runner = openai.chat.completions.stream({
      model: MODEL,
      messages: weather,
      tools,
      tool_choice: 'required',
      temperature: 0,
      max_tokens: 96,
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0].message.tool_calls?.[0];
    assert.ok(call && call.type === 'function' && ['get_weather', 'add'].includes(call.function.name));
    assert.doesNotThrow(() => JSON.parse(call.function.arguments));
    assert.equal(final.choices[0].finish_reason, 'tool_calls');
  });

  it('honours stop, n and seed', async () => {
    const messages = [{ role: 'user' as const, content: 'List three fruits.' }];
    const free = await openai.chat.completions.create({ model: MODEL, messages, temperature: 0, max_tokens: 32 });
    const text = free.choices[0].message.content ?? '';
    const words = text.split(/\s+/).filter((w) => w.length > 2);
    assert.ok(words.length >= 3, `need a few words to cut at, got ${JSON.stringify(text)}`);
    const cut = words[2];
    const stopped = await openai.chat.completions.create({
      model: MODEL,
      messages,
      temperature: 0,
      max_tokens: 32,
      stop: [cut],
    });
    assert.equal(stopped.choices[0].message.content, text.slice(0, text.indexOf(cut)), `cut before "${cut}"`);
    assert.equal(stopped.choices[0].finish_reason, 'stop');

    const two = await openai.chat.completions.create({
      model: MODEL,
      messages,
      temperature: 1,
      seed: 11,
      max_tokens: 12,
      n: 2,
    });
    assert.deepEqual(
      two.choices.map((c) => c.index),
      [0, 1],
    );
    for (const c of two.choices) assert.ok((c.message.content ?? '').length > 0);
    const capped = two.choices.filter((c) => c.finish_reason === 'length').length;
    assert.ok(
      two.usage!.completion_tokens >= Math.max(1, 12 * capped),
      `usage counts both choices, got ${two.usage!.completion_tokens}`,
    );
    // Each choice is asked with its own seed (seed + index), so two samples are two draws, not one twice.
    assert.deepEqual(
      seen
        .slice(-2)
        .map((r) => r.seed)
        .sort(),
      [11, 12],
    );
  });

  it('serves requests in flight together', async () => {
    const before = server.stats.maxInFlight;
    const ask = (city: string) =>
      openai.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: `Weather in ${city}?` }],
        tools,
        tool_choice: 'required',
        temperature: 0,
        max_tokens: 64,
      });
    const replies = await Promise.all([ask('Oslo'), ask('Lima'), ask('Kyiv')]);
    assert.equal(replies.length, 3);
    for (const r of replies) assert.ok(r.choices[0].message.tool_calls?.length);
    assert.ok(
      server.stats.maxInFlight >= Math.max(before, 3),
      `three requests were open at once (max in flight ${server.stats.maxInFlight})`,
    );
  });

  it("answers bad requests in OpenAI's error shape, naming the field", async () => {
    const badRole = await apiError(
      openai.chat.completions.create({ model: MODEL, messages: [{ role: 'robot', content: 'hi' } as never] }),
    );
    assert.equal(badRole.status, 400);
    assert.equal(badRole.param, 'messages[0].role');
    assert.equal(badRole.type, 'invalid_request_error');

    const badTemp = await apiError(openai.chat.completions.create({ model: MODEL, messages: weather, temperature: 7 }));
    assert.equal(badTemp.status, 400);
    assert.equal(badTemp.param, 'temperature');

    const unknownTool = await apiError(
      openai.chat.completions.create({
        model: MODEL,
        messages: weather,
        tools,
        tool_choice: { type: 'function', function: { name: 'fly' } },
      }),
    );
    assert.equal(unknownTool.status, 400);
    assert.equal(unknownTool.param, 'tool_choice');
    assert.match(unknownTool.message, /"fly"/);

    const unknownModel = await apiError(openai.chat.completions.create({ model: 'gpt-9', messages: weather }));
    assert.equal(unknownModel.status, 404);
    assert.equal(unknownModel.code, 'model_not_found');

    const overflow = await apiError(
      openai.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'tell me about '.repeat(900) }],
      }),
    );
    assert.equal(overflow.status, 400);
    assert.equal(overflow.code, 'context_length_exceeded');
    assert.match(overflow.message, /2048 tokens/);

    const tooBig = await fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(300 * 1024) }] }),
    });
    assert.equal(tooBig.status, 413);

    const notJson = await fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test' },
      body: '{"model":',
    });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { error: { code: string } }).error.code, 'invalid_json');

    const noKey = await apiError(new OpenAI({ baseURL: server.baseURL, apiKey: 'wrong', maxRetries: 0 }).models.list());
    assert.equal(noKey.status, 401);
  });
});

describe('serving details', () => {
  it('gives a client the words of an answer max_tokens cut short, not the envelope', () => {
    assert.equal(cutShortAnswer('{"answer":"Paris is a city'), 'Paris is a city');
    assert.equal(cutShortAnswer('{"answer":"say \\"hi\\'), 'say "hi');
    assert.equal(cutShortAnswer('{"answer":"caf\\u00'), 'caf');
    assert.equal(cutShortAnswer('plain text'), 'plain text');
  });

  it('names what is missing when a run has no finished cycle to serve', async () => {
    const home = mkdtempSync(join(tmpdir(), 'inftool-serve-'));
    mkdirSync(join(home, 'artifacts'));
    await assert.rejects(
      policyFiles(home, 'run-none'),
      /no finished cycle of run "run-none" in .*artifacts; pass --home/,
    );
  });
});
