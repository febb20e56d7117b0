// The embedded model for real: SmolLM2-135M from the set-up cache, forced by grammar into schema-valid
// tool calls and structured replies. maxTokens stays tiny so this runs in seconds on 2 CPU cores.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createChatClient } from '../../src/llm/client.js';
import { renderAssistantTurn } from '../../src/llm/local-chat-format.js';
import { disposeLocalModels } from '../../src/llm/local-client.js';
import { ensureLocalModel } from '../../src/llm/local-model.js';
import { parseToolArguments } from '../../src/llm/parse-output.js';
import { checkStructuredContent } from '../../src/llm/structured-output.js';
import type { ChatClient } from '../../src/domain/chat.js';
import { UsageMeter } from '../../src/llm/usage-meter.js';
import { tools } from '../support/two-tools.js';

describe('LocalChatClient with the bundled SmolLM2 GGUF', () => {
  let client: ChatClient;
  const meter = new UsageMeter({ cycle: 0, stage: 'synthesize' });
  before(async () => {
    const modelPath = await ensureLocalModel(); // set-up step: a no-op when the cache already holds the file
    client = createChatClient(
      { kind: 'local', modelPath, temperature: 0, maxTokens: 48 },
      { role: 'assistant', meter },
    );
  });
  after(() => disposeLocalModels());

  it('produces a schema-valid forced tool call from a 2-tool set', async () => {
    const res = await client.chat({
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools,
      toolChoice: 'required',
      maxTokens: 128,
    });
    assert.equal(res.formatErrors, undefined, JSON.stringify(res));
    const calls = res.message.tool_calls ?? [];
    assert.ok(calls.length >= 1, JSON.stringify(res.message));
    for (const call of calls) {
      const tool = tools.find((t) => t.function.name === call.function.name);
      assert.ok(tool, `unknown tool ${call.function.name}`);
      const args = parseToolArguments(call);
      assert.ok(args.ok, JSON.stringify(args));
      assert.deepEqual(
        checkStructuredContent(call.function.arguments, tool.function.parameters).ok,
        true,
        call.function.arguments,
      );
      assert.match(call.id, /^call_[0-9a-f]{12}_\d$/);
    }
    assert.equal(res.finishReason, 'tool_calls');
    // The trainer renders targets with renderAssistantTurn: it must be byte for byte what the grammar made the model
    // write, less any repeated identical call (a turn's calls are read as uniqueItems, so a repeat is kept once).
    const written = (JSON.parse(res.rawText!) as { tool_calls: unknown[] }).tool_calls.map((c) => JSON.stringify(c));
    const unique = written.filter((c, i) => written.indexOf(c) === i);
    const expected = unique.length === written.length ? res.rawText : `{"tool_calls":[${unique.join(',')}]}`;
    assert.equal(renderAssistantTurn(res.message, tools, 'required'), expected);
    assert.ok(res.usage.promptTokens > 50 && res.usage.completionTokens > 0, JSON.stringify(res.usage));
  });

  it('honours a named toolChoice', async () => {
    const res = await client.chat({
      messages: [{ role: 'user', content: 'What is 2 plus 3?' }],
      tools,
      toolChoice: { name: 'add' },
    });
    assert.ok(res.message.tool_calls?.length, JSON.stringify(res.message));
    assert.ok(
      res.message.tool_calls.every((c) => c.function.name === 'add'),
      JSON.stringify(res.message.tool_calls),
    );
    const args = parseToolArguments(res.message.tool_calls![0]);
    assert.ok(args.ok && Number.isInteger(args.value.a) && Number.isInteger(args.value.b), JSON.stringify(args));
  });

  it('returns a structured JSON reply matching the requested schema', async () => {
    const schema = {
      type: 'object',
      properties: {
        city: { type: 'string', maxLength: 16 },
        days: { type: 'integer' },
        note: { type: 'string', maxLength: 8 },
      },
      required: ['city', 'days'],
    };
    const res = await client.chat({
      messages: [{ role: 'user', content: 'Plan a short trip: pick a city and a number of days.' }],
      jsonSchema: { name: 'trip', schema },
    });
    assert.equal(res.formatErrors, undefined, JSON.stringify(res));
    const checked = checkStructuredContent(res.message.content, schema);
    assert.ok(checked.ok, JSON.stringify(checked));
  });

  it('in auto mode, calls or answers in a layout the trainer renders byte for byte', async () => {
    const res = await client.chat({
      messages: [{ role: 'user', content: 'Say hello.' }],
      tools,
      toolChoice: 'auto',
      maxTokens: 128,
    });
    assert.equal(res.formatErrors, undefined, JSON.stringify(res));
    assert.equal(renderAssistantTurn(res.message, tools, 'auto'), res.rawText);
  });

  it('counts its usage in the meter, with where each request spent its time', () => {
    const a = meter.snapshot().roles.assistant;
    assert.equal(a.requests, 4);
    assert.ok(a.completionTokens > 0);
    assert.ok(a.latencyMsTotal > 0);
    // Every request reports its set-up, queue, prompt and decode time, and they fit inside its latency.
    assert.equal(a.timedRequests, 4);
    assert.equal(a.timedCompletionTokens, a.completionTokens);
    assert.ok(a.promptMsTotal > 0 && a.decodeMsTotal > 0, JSON.stringify(a));
    const parts = a.setupMsTotal + a.queueMsTotal + a.promptMsTotal + a.decodeMsTotal;
    assert.ok(parts <= a.latencyMsTotal, JSON.stringify(a));
  });
});

describe('LocalChatClient with two contexts of one model', () => {
  after(() => disposeLocalModels());

  it('two requests made at once run on a fresh context each: each answered as it is alone on one', async () => {
    const modelPath = await ensureLocalModel();
    const requests = ['What is the weather in Oslo?', 'Add a note: buy milk.'].map((content) => ({
      messages: [{ role: 'user' as const, content }],
      tools,
      toolChoice: 'auto' as const,
    }));
    // Greedy, but not bit-stable across a sequence's history (a reused prefix is evaluated in other batches),
    // so each reference comes from a freshly loaded context.
    const alone: string[] = [];
    for (const r of requests) {
      const one = createChatClient({ kind: 'local', modelPath, temperature: 0, maxTokens: 40 }, { role: 'one' });
      alone.push((await one.chat(r)).rawText ?? '');
      await disposeLocalModels();
    }
    const two = createChatClient(
      { kind: 'local', modelPath, temperature: 0, maxTokens: 40, contexts: 2 },
      { role: 'two' },
    );
    const atOnce = await Promise.all(requests.map((r) => two.chat(r)));
    assert.deepEqual(
      atOnce.map((r) => r.rawText),
      alone,
    );
  });
});

describe('LocalChatClient with a prefix cache (cacheSequences)', () => {
  after(() => disposeLocalModels());

  // A tool set's prompt, an unrelated request in between (another role, another lane), then the first
  // conversation one step on: does the third evaluate its prompt again?
  const system = { role: 'system' as const, content: 'You answer questions about the weather. '.repeat(20) };
  const first = [system, { role: 'user' as const, content: 'What is the weather in Oslo?' }];
  const run = async (cacheSequences: number) => {
    const modelPath = await ensureLocalModel();
    const meter = new UsageMeter({ cycle: 0, stage: 'synthesize' });
    const client = createChatClient(
      { kind: 'local', modelPath, temperature: 0, maxTokens: 8, cacheSequences },
      { role: 'assistant', meter },
    );
    const a = await client.chat({ messages: first, tools, toolChoice: 'auto' });
    await client.chat({ messages: [{ role: 'user', content: 'Add a note: buy milk.' }], tools, toolChoice: 'auto' });
    const next = await client.chat({
      messages: [...first, a.message, { role: 'user', content: 'And in Bergen?' }],
      tools,
      toolChoice: 'auto',
    });
    await disposeLocalModels();
    return { a, next, meter: meter.snapshot() };
  };

  it('without one, the unrelated request evicts the conversation: its prompt is evaluated again', async () => {
    const { next } = await run(0);
    assert.ok(next.usage.cachedPromptTokens! < 16, JSON.stringify(next.usage));
  });

  it('with one spare sequence, the conversation one step on reuses its evaluated start; the meter counts it', async () => {
    const { a, next, meter } = await run(1);
    assert.ok(a.usage.promptTokens > 200, JSON.stringify(a.usage));
    // Everything up to the first reply's own tokens is held (the reply as re-rendered may differ at its end).
    assert.ok(next.usage.cachedPromptTokens! >= a.usage.promptTokens - 2, JSON.stringify([a.usage, next.usage]));
    assert.ok(next.usage.cachedPromptTokens! < next.usage.promptTokens);
    assert.equal(meter.roles.assistant.cachedPromptTokens > a.usage.promptTokens - 2, true);
  });
});
