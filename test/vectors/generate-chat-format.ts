// Writes test/vectors/chat-format-vectors.jsonl: how the embedded runtime shows a conversation to the model
// (the exact text node-llama-cpp builds for SmolLM2, BOS included) and how it reads a reply back. The Python
// trainer's runtime-json format (trainer/inftool_trainer/chat_format.py) must render the same prompts and
// training targets and parse the same replies, or the policy it trains is not the one the runtime serves.
// test/vectors/chat-format-vectors.test.ts fails when this file and the TypeScript code drift apart.
// Regenerate after an intended change: npx tsx test/vectors/generate-chat-format.ts
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { fromToolEnvelope, renderAssistantTurn, toLlamaHistory } from '../../src/llm/local-chat-format.js';
import { ensureLocalModel } from '../../src/llm/local-model.js';
import type { ChatMessage, OpenAITool, ToolCall } from '../../src/domain/chat.js';

const fn = (name: string, parameters: Record<string, unknown>, description?: string): OpenAITool => ({
  type: 'function',
  function: { name, ...(description === undefined ? {} : { description }), parameters },
});
const WEATHER = fn(
  'get_weather',
  {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer' }, units: { type: 'string', enum: ['c', 'f'] } },
    required: ['city'],
  },
  'Forecast for a city',
);
const CONVERT = fn(
  'convert_currency',
  {
    type: 'object',
    properties: { amount: { type: 'number' }, from: { type: 'string' }, to: { type: 'string' } },
    required: ['amount', 'from', 'to'],
  },
  'Convert money',
);
const SEARCH = fn(
  'search_products',
  {
    type: 'object',
    properties: {
      query: { type: 'string' },
      filters: { $ref: '#/$defs/filters' },
      sort: {
        allOf: [
          { type: 'object', properties: { field: { type: 'string' } }, required: ['field'] },
          { properties: { descending: { type: 'boolean' } } },
        ],
      },
      tags: {
        type: 'array',
        items: {
          type: 'object',
          properties: { name: { type: 'string' }, weight: { type: 'number' } },
          required: ['name'],
        },
      },
      extra: { type: 'object' },
    },
    required: ['query'],
    $defs: {
      filters: {
        type: 'object',
        properties: {
          brand: { type: 'string' },
          max_price: { type: 'number' },
          in_stock: { type: 'boolean', nullable: true },
        },
      },
    },
  },
  'Search the catalog — "quotes", ünïcode and a\nnewline',
);
const NO_DESCRIPTION = fn('ping', { type: 'object', properties: {} });

let n = 0;
const call = (name: string, args: Record<string, unknown> | string): ToolCall => ({
  id: `call_${n++}`,
  type: 'function',
  function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) },
});
const user = (content: string): ChatMessage => ({ role: 'user', content });
const calls = (...tool_calls: ToolCall[]): ChatMessage => ({ role: 'assistant', content: null, tool_calls });
const say = (content: string): ChatMessage => ({ role: 'assistant', content });
const result = (c: ToolCall, content: string): ChatMessage => ({ role: 'tool', tool_call_id: c.id, content });

type Conversation = { name: string; tools: OpenAITool[]; messages: ChatMessage[] };
function conversations(): Conversation[] {
  const w1 = call('get_weather', { city: 'Lisbon' });
  const w2 = call('get_weather', { city: 'Oslo', days: 2, units: 'c' });
  const c1 = call('convert_currency', { amount: 12.5, from: 'EUR', to: 'JPY' });
  const s1 = call('search_products', {
    query: 'tent',
    filters: { brand: 'Acme' },
    sort: { field: 'price' },
    tags: [{ name: 'camping' }, { name: 'sale', weight: 0.5 }],
    extra: { color: 'green' },
  });
  return [
    {
      name: 'simple_call_optional_args_absent',
      tools: [WEATHER, CONVERT],
      messages: [user('Weather in Lisbon?'), calls(w1)],
    },
    {
      name: 'multi_turn_with_system_results_and_answers',
      tools: [WEATHER, CONVERT],
      messages: [
        { role: 'system', content: 'You are a travel helper.' },
        user('Weather in Lisbon, then Oslo for 2 days in celsius, and 12.5 EUR in JPY.'),
        calls(w1),
        result(w1, '{"temp": 21}'),
        calls(w2, c1),
        result(w2, '{"temp": 3}'),
        result(c1, '{"amount": 2031}'),
        say('Lisbon 21°, Oslo 3°; 12.5 EUR is 2031 JPY.'),
        user('Thanks! And tomorrow?'),
        say('Which city do you mean?'),
      ],
    },
    {
      name: 'nested_ref_allof_array_and_free_form',
      tools: [SEARCH, NO_DESCRIPTION],
      messages: [user('Find a green tent by Acme, cheapest first.'), calls(s1)],
    },
    {
      name: 'irrelevance_answer_with_tools_offered',
      tools: [WEATHER],
      messages: [user('Tell me a joke.'), say('Why did the "tool" cross the road?\nTo get called.')],
    },
    { name: 'no_tools_plain_text', tools: [], messages: [user('Hi there'), say('Hello!')] },
    {
      name: 'malformed_arguments_kept_verbatim',
      tools: [WEATHER],
      messages: [user('Weather?'), calls(call('get_weather', '{"city": "Paris"'))],
    },
  ];
}

function completions(): Array<{ name: string; tools: OpenAITool[]; text: string }> {
  return [
    {
      name: 'call_with_optional_nulls',
      tools: [WEATHER],
      text: '{"tool_calls":[{"name":"get_weather","arguments":{"city":"Rome","days":null,"units":null}}]}',
    },
    {
      name: 'parallel_calls',
      tools: [WEATHER, CONVERT],
      text: '{"tool_calls":[{"name":"get_weather","arguments":{"city":"Rome","days":3,"units":"f"}},{"name":"convert_currency","arguments":{"amount":5,"from":"USD","to":"EUR"}}]}',
    },
    {
      name: 'nested_nulls_dropped_nullable_kept',
      tools: [SEARCH],
      text: '{"tool_calls":[{"name":"search_products","arguments":{"query":"tent","filters":{"brand":null,"max_price":50,"in_stock":null},"sort":{"field":"price","descending":null},"tags":[{"name":"x","weight":null}],"extra":null}}]}',
    },
    { name: 'answer', tools: [WEATHER], text: '{"answer":"I cannot help with that."}' },
    {
      name: 'spaced_json_still_parses',
      tools: [WEATHER],
      text: '{ "tool_calls": [ { "name": "get_weather", "arguments": { "city": "Rome" } } ] }',
    },
    {
      name: 'unknown_tool_kept_for_the_gate',
      tools: [WEATHER],
      text: '{"tool_calls":[{"name":"book_hotel","arguments":{"city":"Rome","nights":null}}]}',
    },
    {
      name: 'arguments_as_string',
      tools: [WEATHER],
      text: '{"tool_calls":[{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}]}',
    },
    {
      name: 'call_without_name_or_arguments',
      tools: [WEATHER],
      text: '{"tool_calls":[{"arguments":{"city":"Rome"}},{"name":"get_weather"},7]}',
    },
    {
      name: 'repeated_call_kept_once',
      tools: [WEATHER, CONVERT],
      text: '{"tool_calls":[{"name":"get_weather","arguments":{"city":"Rome","days":null,"units":null}},{"name":"get_weather","arguments":{"city":"Rome","days":null,"units":null}},{"name":"get_weather","arguments":{"city":"Paris","days":null,"units":null}},{"name":"get_weather","arguments":{"city":"Rome"}}]}',
    },
    { name: 'empty_call_list', tools: [WEATHER], text: '{"tool_calls":[]}' },
    { name: 'truncated', tools: [WEATHER], text: '{"tool_calls":[{"name":"get_weather","arguments":{"ci' },
    { name: 'plain_text', tools: [WEATHER], text: 'The weather is nice.' },
    { name: 'json_but_neither_form', tools: [WEATHER], text: '{"city":"Rome"}' },
    { name: 'json_array', tools: [WEATHER], text: '[1,2]' },
    { name: 'answer_not_a_string', tools: [WEATHER], text: '{"answer":42}' },
  ];
}

type Runtime = {
  bos: string;
  tokens: (messages: ChatMessage[], tools: OpenAITool[]) => number[];
  render: (messages: ChatMessage[], tools: OpenAITool[]) => string;
  dispose: () => Promise<void>;
};

/** The runtime's own renderer: node-llama-cpp's chat wrapper for the bundled model, tokens back to text. */
async function runtime(): Promise<Runtime> {
  const { getLlama, LlamaChat } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 0, progressLogs: false });
  const model = await llama.loadModel({ modelPath: await ensureLocalModel() });
  const context = await model.createContext({ contextSize: 512 });
  const chat = new LlamaChat({ contextSequence: context.getSequence() });
  const bosToken = model.tokens.bos;
  const tokens = (messages: ChatMessage[], tools: OpenAITool[]): number[] => {
    const history = toLlamaHistory(messages, tools, tools.length ? 'auto' : 'none');
    return Array.from(
      chat.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(model.tokenizer),
    );
  };
  return {
    bos: bosToken === null ? '' : model.detokenize([bosToken], true),
    tokens,
    render: (messages, tools) => model.detokenize(tokens(messages, tools) as never, true),
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}

export async function chatFormatVectorLines(): Promise<string[]> {
  n = 0;
  const rt = await runtime();
  try {
    const lines: string[] = [];
    for (const { name, tools, messages } of conversations()) {
      const lastAssistant = messages.map((m) => m.role).lastIndexOf('assistant');
      const mode = tools.length ? 'auto' : 'none';
      lines.push(
        JSON.stringify({
          kind: 'conversation',
          name,
          bos: rt.bos,
          tools,
          messages,
          // Everything the model reads before writing its last turn: what GRPO samples from.
          prompt: rt.render(messages.slice(0, lastAssistant), tools),
          // The whole conversation, each assistant turn as the model writes it, then an open turn: SFT's text.
          context: rt.render(messages, tools),
          // The token ids the runtime feeds the model: the trainer's tokenizer must produce the same ones.
          context_tokens: rt.tokens(messages, tools),
          turns: messages
            .filter((m) => m.role === 'assistant')
            .map((m) => renderAssistantTurn(m as Extract<ChatMessage, { role: 'assistant' }>, tools, mode)),
        }),
      );
    }
    for (const { name, tools, text } of completions()) {
      const { message, errors } = fromToolEnvelope(text, tools);
      const expected = {
        format_ok: errors.length === 0,
        content: message.content,
        tool_calls: (message.tool_calls ?? []).map((c) => ({
          name: c.function.name,
          arguments: JSON.parse(c.function.arguments) as unknown,
        })),
      };
      lines.push(JSON.stringify({ kind: 'completion', name, tools, text, expected }));
    }
    return lines;
  } finally {
    await rt.dispose();
  }
}

export const CHAT_FORMAT_VECTORS_PATH = new URL('./chat-format-vectors.jsonl', import.meta.url).pathname;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const lines = await chatFormatVectorLines();
  writeFileSync(CHAT_FORMAT_VECTORS_PATH, lines.join('\n') + '\n');
  console.log(`wrote ${lines.length} vectors to ${CHAT_FORMAT_VECTORS_PATH}`);
}
