// The remote client against the scripted OpenAI-compatible server, through the real openai SDK:
// tool calls, retries, dead endpoints, key hygiene, malformed replies and the concurrency cap.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { createChatClient, createClientForModelRef } from '../../src/llm/client.js';
import { LlmEndpointError } from '../../src/llm/openai-client.js';
import { parseJsonContent, parseToolArguments } from '../../src/llm/parse-output.js';
import { replyByRules, startScriptedServer, type ScriptedServer } from '../../src/llm/scripted-server.js';
import type { OpenAITool } from '../../src/domain/chat.js';
import { UsageMeter } from '../../src/llm/usage-meter.js';

const tools: OpenAITool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
  {
    type: 'function',
    function: {
      name: 'add',
      parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
    },
  },
];
const fastBackoff = { baseMs: 5, maxMs: 20 };

describe('OpenAIChatClient against the scripted server', () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer({
      reply: replyByRules([
        { hasToolResult: true, reply: { content: 'It is sunny in Paris.' } },
        {
          lastUser: /weather/i,
          tools: ['get_weather'],
          reply: { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
        },
        {
          lastUser: 'two calls',
          reply: {
            toolCalls: [
              { name: 'add', arguments: { a: 1, b: 2 } },
              { name: 'get_weather', arguments: { city: 'Rome' } },
            ],
          },
        },
        { lastUser: 'broken args', reply: { toolCalls: [{ name: 'add', arguments: '{"a": 1, "b":' }] } },
        { lastUser: 'bad structured', reply: { content: '{"city": 42}' } },
        {
          lastUser: 'cached prefix',
          reply: { content: 'ok', usage: { promptTokens: 900, completionTokens: 2, cachedPromptTokens: 768 } },
        },
        { lastUser: 'structured', reply: { content: 'Sure! ```json\n{"city": "Oslo", "days": 3}\n```' } },
      ]),
    });
  });
  after(() => server.close());

  it('returns OpenAI tool calls whose arguments parse, and sends tools + tool_choice', async () => {
    const meter = new UsageMeter({ cycle: 2, stage: 'synthesize' });
    const client = createChatClient(
      { kind: 'openai', baseURL: server.baseURL, model: 'scripted-model' },
      { role: 'assistant', meter },
    );
    const res = await client.chat({
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools,
      toolChoice: { name: 'get_weather' },
    });
    assert.equal(res.message.tool_calls?.length, 1);
    const call = res.message.tool_calls![0];
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(parseToolArguments(call), { ok: true, value: { city: 'Paris' } });
    assert.equal(res.finishReason, 'tool_calls');
    assert.equal(res.formatErrors, undefined);
    const sent = server.requests.at(-1)!;
    assert.deepEqual(sent.tool_choice, { type: 'function', function: { name: 'get_weather' } });
    assert.deepEqual(
      sent.tools?.map((t) => t.function.name),
      ['get_weather', 'add'],
    );
    assert.equal(sent.temperature, 0.7); // the config default reaches the wire

    const snap = meter.snapshot();
    assert.equal(snap.cycle, 2);
    assert.equal(snap.stage, 'synthesize');
    assert.equal(snap.roles.assistant.requests, 1);
    assert.ok(snap.roles.assistant.promptTokens > 0 && snap.roles.assistant.completionTokens > 0);
  });

  it("reads the prompt tokens the endpoint's prefix cache held, and the meter adds them up", async () => {
    const meter = new UsageMeter({ cycle: 0, stage: 'evaluate' });
    const client = createChatClient(
      { kind: 'openai', baseURL: server.baseURL, model: 'scripted-model' },
      { role: 'assistant', meter },
    );
    const cached = await client.chat({ messages: [{ role: 'user', content: 'cached prefix' }] });
    assert.deepEqual(cached.usage, { promptTokens: 900, completionTokens: 2, cachedPromptTokens: 768 });
    const plain = await client.chat({ messages: [{ role: 'user', content: 'What is the weather in Paris?' }], tools });
    assert.equal(plain.usage.cachedPromptTokens, undefined, 'an endpoint that does not say reports nothing cached');
    assert.equal(meter.snapshot().roles.assistant.cachedPromptTokens, 768);
  });

  it('carries a multi-turn conversation with tool results and parallel calls', async () => {
    const client = createChatClient({ kind: 'openai', baseURL: server.baseURL, model: 'scripted-model' });
    const two = await client.chat({ messages: [{ role: 'user', content: 'two calls please' }], tools });
    assert.deepEqual(
      two.message.tool_calls?.map((c) => c.function.name),
      ['add', 'get_weather'],
    );
    const followUp = await client.chat({
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: '{"sky":"clear"}' },
      ],
      tools,
    });
    assert.equal(followUp.message.content, 'It is sunny in Paris.');
    assert.equal(followUp.message.tool_calls, undefined);
  });

  it('counts malformed tool arguments instead of throwing', async () => {
    const meter = new UsageMeter();
    const client = createChatClient(
      { kind: 'openai', baseURL: server.baseURL, model: 'scripted-model' },
      { role: 'assistant', meter },
    );
    const res = await client.chat({ messages: [{ role: 'user', content: 'broken args' }], tools });
    assert.equal(res.message.tool_calls![0].function.arguments, '{"a": 1, "b":');
    assert.equal(res.formatErrors?.[0].kind, 'tool_arguments');
    assert.match(res.formatErrors![0].message, /tool call "add"/);
    assert.equal(parseToolArguments(res.message.tool_calls![0]).ok, false);
    assert.equal(meter.snapshot().roles.assistant.formatErrors, 1);
    assert.deepEqual(meter.snapshot().roles.assistant.formatErrorsByKind, { tool_arguments: 1 });
  });

  it('asks for json_schema output and checks the reply against the schema', async () => {
    const meter = new UsageMeter();
    const client = createChatClient(
      { kind: 'openai', baseURL: server.baseURL, model: 'scripted-model' },
      { role: 'judge', meter },
    );
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' } },
      required: ['city'],
    };
    const good = await client.chat({
      messages: [{ role: 'user', content: 'structured please' }],
      jsonSchema: { name: 'trip', schema },
    });
    assert.equal(good.formatErrors, undefined);
    assert.deepEqual(server.requests.at(-1)!.response_format, {
      type: 'json_schema',
      json_schema: { name: 'trip', schema },
    });
    assert.deepEqual(parseJsonContent(good.message.content, z.object({ city: z.string(), days: z.number() })), {
      ok: true,
      value: { city: 'Oslo', days: 3 },
    });

    const bad = await client.chat({
      messages: [{ role: 'user', content: 'bad structured' }],
      jsonSchema: { name: 'trip', schema },
    });
    assert.equal(bad.formatErrors?.[0].kind, 'json_content');
    assert.match(bad.formatErrors![0].message, /\/city must be string/);
    assert.equal(meter.snapshot().roles.judge.formatErrorsByKind.json_content, 1);
  });
});

describe('retries', () => {
  it('retries 429 (honouring Retry-After) and 500 until the endpoint answers', async () => {
    for (const failure of [{ status: 429, retryAfter: 0 }, { status: 500 }, { status: 503, retryAfterMs: 10 }]) {
      const server = await startScriptedServer({
        failFirst: { count: 2, ...failure },
        reply: () => ({ content: 'finally' }),
      });
      try {
        const meter = new UsageMeter();
        const client = createChatClient(
          { kind: 'openai', baseURL: server.baseURL, model: 'm', maxRetries: 3 },
          { role: 'user_simulator', meter, backoff: fastBackoff },
        );
        const res = await client.chat({ messages: [{ role: 'user', content: 'hi' }] });
        assert.equal(res.message.content, 'finally', `status ${failure.status}`);
        assert.equal(server.stats.chat, 3);
        assert.equal(server.stats.injectedFailures, 2);
        assert.equal(meter.snapshot().roles.user_simulator.retries, 2);
        assert.equal(meter.snapshot().roles.user_simulator.failures, 0);
      } finally {
        await server.close();
      }
    }
  });

  it('does not retry a 400 and says the request shape was rejected', async () => {
    const server = await startScriptedServer({ reply: () => ({ status: 400, message: 'tools not supported' }) });
    try {
      const client = createChatClient(
        { kind: 'openai', baseURL: server.baseURL, model: 'm' },
        { backoff: fastBackoff },
      );
      await assert.rejects(client.chat({ messages: [{ role: 'user', content: 'hi' }] }), (err: LlmEndpointError) => {
        assert.equal(err.status, 400);
        assert.equal(err.retryable, false);
        assert.match(err.message, /tools not supported/);
        assert.match(err.message, /rejected the request shape/);
        return true;
      });
      assert.equal(server.stats.chat, 1);
    } finally {
      await server.close();
    }
  });

  it('gives up on a dead endpoint with an error naming baseURL and model, never the key', async () => {
    const secret = 'sk-test-DO-NOT-LEAK-1234567890';
    const env = { INFTOOL_TEST_KEY: secret };
    const dead = await startScriptedServer();
    const baseURL = dead.baseURL;
    await dead.close(); // nothing listens on this port any more: connection refused
    const meter = new UsageMeter();
    const client = createChatClient(
      { kind: 'openai', baseURL, model: 'qwen-7b', apiKeyEnv: 'INFTOOL_TEST_KEY', maxRetries: 2 },
      { role: 'judge', meter, env, backoff: fastBackoff },
    );
    assert.ok(!client.label.includes(secret));
    assert.ok(client.label.includes('qwen-7b'));
    await assert.rejects(client.chat({ messages: [{ role: 'user', content: 'hi' }] }), (err: LlmEndpointError) => {
      assert.ok(err instanceof LlmEndpointError);
      assert.ok(err.message.includes(baseURL), err.message);
      assert.ok(err.message.includes('qwen-7b'));
      assert.match(err.message, /after 3 attempt/);
      assert.match(err.message, /ECONNREFUSED|connection/i);
      assert.ok(!JSON.stringify({ ...err, message: err.message, stack: err.stack }).includes(secret));
      return true;
    });
    const snap = JSON.stringify(meter.snapshot());
    assert.ok(!snap.includes(secret));
    assert.equal(meter.snapshot().roles.judge.failures, 1);
    assert.equal(meter.snapshot().roles.judge.retries, 2);
  });

  it('sends the key from the named env var, scrubs it from error bodies, and refuses a missing one', async () => {
    const secret = 'sk-live-SECRET-abcdef';
    // A misbehaving server that echoes the Authorization header into its error message.
    const server = await startScriptedServer({ reply: () => ({ status: 401, message: 'bad key' }) });
    const seen: string[] = [];
    server.setReply((body) => {
      seen.push(JSON.stringify(body));
      return { status: 401, message: `invalid key Bearer ${secret}` };
    });
    try {
      const client = createChatClient(
        { kind: 'openai', baseURL: server.baseURL, model: 'm', apiKeyEnv: 'MY_KEY' },
        { role: 'assistant', env: { MY_KEY: secret }, backoff: fastBackoff },
      );
      await assert.rejects(client.chat({ messages: [{ role: 'user', content: 'hi' }] }), (err: Error) => {
        assert.ok(!err.message.includes(secret), err.message);
        assert.match(err.message, /\*\*\*/);
        assert.match(err.message, /environment variable MY_KEY/);
        return true;
      });
      assert.throws(
        () =>
          createChatClient(
            { kind: 'openai', baseURL: server.baseURL, model: 'm', apiKeyEnv: 'NOT_SET_ANYWHERE' },
            { role: 'judge', env: {} },
          ),
        /environment variable NOT_SET_ANYWHERE named by apiKeyEnv is not set/,
      );
    } finally {
      await server.close();
    }
  });

  it('times out a slow endpoint and retries', async () => {
    const server = await startScriptedServer({
      reply: (_b, { index }) => (index === 0 ? { content: 'late', delayMs: 400 } : { content: 'quick' }),
    });
    try {
      const client = createChatClient(
        { kind: 'openai', baseURL: server.baseURL, model: 'm', timeoutMs: 100, maxRetries: 1 },
        { backoff: fastBackoff },
      );
      const res = await client.chat({ messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.message.content, 'quick');
      assert.equal(server.stats.chat, 2);
    } finally {
      await server.close();
    }
  });
});

describe('concurrency', () => {
  it('never has more requests in flight at the server than the configured limit', async () => {
    const server = await startScriptedServer({ delayMs: 30, reply: () => ({ content: 'ok' }) });
    try {
      const client = createChatClient({ kind: 'openai', baseURL: server.baseURL, model: 'm', concurrency: 3 });
      await Promise.all(
        Array.from({ length: 12 }, (_, i) => client.chat({ messages: [{ role: 'user', content: `q${i}` }] })),
      );
      assert.equal(server.stats.chat, 12);
      assert.equal(server.stats.maxInFlight, 3);
      // Two clients are two roles, each with its own budget.
      const other = createChatClient({ kind: 'openai', baseURL: server.baseURL, model: 'm', concurrency: 1 });
      await Promise.all(Array.from({ length: 4 }, () => other.chat({ messages: [{ role: 'user', content: 'x' }] })));
      assert.equal(server.stats.chat, 16);
    } finally {
      await server.close();
    }
  });
});

describe('createClientForModelRef', () => {
  it('addresses an endpoint policy by its adapter name and keeps the role defaults', async () => {
    const server = await startScriptedServer({ reply: () => ({ content: 'from adapter' }) });
    try {
      const client = createClientForModelRef(
        { kind: 'endpoint', baseURL: server.baseURL, model: 'Qwen/Qwen2.5-0.5B-Instruct', adapter: 'policy-cycle-3' },
        { role: 'assistant', openai: { temperature: 0.1, maxTokens: 64 } },
      );
      const res = await client.chat({ messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.message.content, 'from adapter');
      const sent = server.requests.at(-1)!;
      assert.equal(sent.model, 'policy-cycle-3');
      assert.equal(sent.temperature, 0.1);
      assert.equal(sent.max_tokens, 64);
      assert.equal(client.label, `assistant:policy-cycle-3@${server.baseURL}`);
    } finally {
      await server.close();
    }
  });

  it('rejects an invalid endpoint config naming the field', () => {
    assert.throws(
      () => createChatClient({ kind: 'openai', baseURL: 'not a url', model: 'm' }, { role: 'judge' }),
      /role "judge".*baseURL/,
    );
  });

  it('names a missing local GGUF and what to do', async () => {
    const client = createClientForModelRef({ kind: 'gguf', path: '/nonexistent/policy.gguf' }, { role: 'assistant' });
    await assert.rejects(
      client.chat({ messages: [{ role: 'user', content: 'hi' }] }),
      /\/nonexistent\/policy\.gguf is missing.*modelPath/,
    );
  });
});
