// Writes test/vectors/reward-vectors.jsonl: inputs to gatedReward and what it returns for them, covering every
// gate, every reward-hacking pattern, partial credit and irrelevance. The Python trainer must reproduce each
// `expected`; test/vectors/reward-vectors.test.ts fails when this file and the TypeScript code drift apart.
// Regenerate after an intended change: npx tsx test/vectors/generate.ts
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { OpenAITool, ToolCall } from '../../src/domain/chat.js';
import { gatedReward, type RewardInput } from '../../src/eval/reward.js';

const tool = (name: string, properties: Record<string, unknown>, required: string[]): OpenAITool => ({
  type: 'function',
  function: { name, description: `${name} tool`, parameters: { type: 'object', properties, required } },
});
const TOOLS: OpenAITool[] = [
  tool(
    'get_weather',
    { city: { type: 'string' }, days: { type: 'integer', minimum: 1 }, units: { type: 'string', enum: ['c', 'f'] } },
    ['city'],
  ),
  tool(
    'book_flight',
    {
      origin: { type: 'string' },
      destination: { type: 'string' },
      passengers: { type: 'integer' },
      max_price: { type: 'number' },
    },
    ['origin', 'destination'],
  ),
  tool(
    'search_products',
    {
      query: { type: 'string' },
      filters: { type: 'object', properties: { brand: { type: 'string' }, max_price: { type: 'number' } } },
      tags: { type: 'array', items: { type: 'string' } },
    },
    ['query'],
  ),
];

const WEATHER_REF = { get_weather: { city: ['Paris'], days: [3], units: ['', 'c'] } };
const FLIGHT_REF = { book_flight: { origin: ['SFO'], destination: ['JFK'], passengers: [2], max_price: ['', 450.5] } };
const SEARCH_REF = {
  search_products: {
    query: ['running shoes'],
    filters: [{ brand: ['Acme'], max_price: [100, ''] }],
    tags: [['sale', 'new'], ''],
  },
};

let callId = 0;
const c = (name: string, args: Record<string, unknown> | string): ToolCall => ({
  id: `call_${callId++}`,
  type: 'function',
  function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) },
});
const say = (content: string | null, ...tool_calls: ToolCall[]): RewardInput['completion'] =>
  tool_calls.length ? { content, tool_calls } : { content };

type Vector = { name: string; input: RewardInput };
export function vectorInputs(): Vector[] {
  callId = 0;
  const single = (
    category: string,
    reference: RewardInput['reference'],
    completion: RewardInput['completion'],
  ): RewardInput => ({ tools: TOOLS, reference, category, completion });
  const parallel = [WEATHER_REF, FLIGHT_REF];
  return [
    {
      name: 'exact_single_call',
      input: single('simple', [WEATHER_REF], say(null, c('get_weather', { city: 'Paris', days: 3 }))),
    },
    {
      name: 'exact_with_optional_given',
      input: single('simple', [WEATHER_REF], say(null, c('get_weather', { city: 'Paris', days: 3, units: 'c' }))),
    },
    {
      name: 'string_normalised_match',
      input: single('simple', [WEATHER_REF], say(null, c('get_weather', { city: 'paris', days: 3 }))),
    },
    {
      name: 'content_beside_correct_call',
      input: single(
        'simple',
        [WEATHER_REF],
        say('Checking the weather.', c('get_weather', { city: 'Paris', days: 3 })),
      ),
    },
    {
      name: 'int_for_number_accepted',
      input: single(
        'simple',
        [{ book_flight: { ...FLIGHT_REF.book_flight, max_price: [450] } }],
        say(null, c('book_flight', { origin: 'SFO', destination: 'JFK', passengers: 2, max_price: 450 })),
      ),
    },
    {
      name: 'float_text_for_integer_partial',
      input: single('simple', [WEATHER_REF], say(null, c('get_weather', '{"city": "Paris", "days": 3.0}'))),
    },
    {
      name: 'wrong_argument_value_partial',
      input: single('simple', [WEATHER_REF], say(null, c('get_weather', { city: 'London', days: 3 }))),
    },
    {
      name: 'missing_reference_argument_partial',
      input: single('simple', [WEATHER_REF], say(null, c('get_weather', { city: 'Paris' }))),
    },
    {
      name: 'wrong_function_offered',
      input: single('multiple', [WEATHER_REF], say(null, c('book_flight', { origin: 'SFO', destination: 'JFK' }))),
    },
    {
      name: 'dict_argument_match',
      input: single(
        'simple',
        [SEARCH_REF],
        say(
          null,
          c('search_products', {
            query: 'Running Shoes',
            filters: { brand: 'acme', max_price: 100 },
            tags: ['sale', 'new'],
          }),
        ),
      ),
    },
    {
      name: 'list_argument_reordered_partial',
      input: single(
        'simple',
        [SEARCH_REF],
        say(null, c('search_products', { query: 'running shoes', filters: { brand: 'Acme' }, tags: ['new', 'sale'] })),
      ),
    },
    {
      name: 'parallel_exact_any_order',
      input: single(
        'parallel_multiple',
        parallel,
        say(
          null,
          c('book_flight', { origin: 'SFO', destination: 'JFK', passengers: 2 }),
          c('get_weather', { city: 'Paris', days: 3 }),
        ),
      ),
    },
    {
      name: 'parallel_one_argument_wrong',
      input: single(
        'parallel_multiple',
        parallel,
        say(
          null,
          c('get_weather', { city: 'Paris', days: 3 }),
          c('book_flight', { origin: 'SFO', destination: 'LAX', passengers: 2 }),
        ),
      ),
    },
    {
      name: 'parallel_one_call_missing',
      input: single('parallel_multiple', parallel, say(null, c('get_weather', { city: 'Paris', days: 3 }))),
    },
    {
      name: 'parallel_same_call_repeated',
      input: single(
        'parallel_multiple',
        parallel,
        say(null, c('get_weather', { city: 'Paris', days: 3 }), c('get_weather', { city: 'Paris', days: 3 })),
      ),
    },
    {
      name: 'hack_padded_duplicate_call',
      input: single(
        'simple',
        [WEATHER_REF],
        say(null, c('get_weather', { city: 'Paris', days: 3 }), c('get_weather', { city: 'Paris', days: 3 })),
      ),
    },
    {
      name: 'hack_padded_extra_call',
      input: single(
        'simple',
        [WEATHER_REF],
        say(
          null,
          c('get_weather', { city: 'Paris', days: 3 }),
          c('get_weather', { city: 'Lyon', days: 3 }),
          c('book_flight', { origin: 'A', destination: 'B' }),
        ),
      ),
    },
    {
      name: 'hack_text_only_answer',
      input: single('simple', [WEATHER_REF], say('It will be sunny in Paris for 3 days.')),
    },
    { name: 'hack_never_acts_empty', input: single('simple', [WEATHER_REF], say(null)) },
    {
      name: 'hack_call_unoffered_tool',
      input: single(
        'simple',
        [WEATHER_REF],
        say(null, c('get_weather', { city: 'Paris', days: 3 }), c('delete_account', {})),
      ),
    },
    {
      name: 'format_gate_bad_json',
      input: single('simple', [WEATHER_REF], say(null, c('get_weather', '{"city": "Paris", "days": '))),
    },
    {
      name: 'format_gate_arguments_not_object',
      input: single('simple', [WEATHER_REF], say(null, c('get_weather', '["Paris", 3]'))),
    },
    {
      name: 'schema_gate_wrong_type',
      input: single('simple', [WEATHER_REF], say(null, c('get_weather', { city: 'Paris', days: '3' }))),
    },
    {
      name: 'schema_gate_missing_required',
      input: single('simple', [WEATHER_REF], say(null, c('get_weather', { days: 3 }))),
    },
    {
      name: 'schema_gate_enum_violation',
      input: single('simple', [WEATHER_REF], say(null, c('get_weather', { city: 'Paris', days: 3, units: 'kelvin' }))),
    },
    {
      name: 'schema_gate_minimum_violation',
      input: single('simple', [WEATHER_REF], say(null, c('get_weather', { city: 'Paris', days: 0 }))),
    },
    { name: 'irrelevance_no_call', input: single('irrelevance', [], say('None of my tools can book a restaurant.')) },
    {
      name: 'irrelevance_called_anyway',
      input: single('irrelevance', [], say(null, c('get_weather', { city: 'Paris' }))),
    },
    { name: 'irrelevance_malformed_call', input: single('irrelevance', [], say(null, c('get_weather', '{oops'))) },
    {
      name: 'reference_tool_not_offered',
      input: {
        tools: TOOLS.slice(0, 1),
        reference: [FLIGHT_REF],
        category: 'simple',
        completion: say(null, c('get_weather', { city: 'SFO' })),
      },
    },
  ];
}

export function vectorLines(): string[] {
  return vectorInputs().map(({ name, input }) => {
    const { reward, gates, components } = gatedReward(input);
    return JSON.stringify({ name, input, expected: { reward, gates, components } });
  });
}

export const VECTORS_PATH = new URL('./reward-vectors.jsonl', import.meta.url).pathname;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const lines = vectorLines();
  writeFileSync(VECTORS_PATH, lines.join('\n') + '\n');
  console.log(`wrote ${lines.length} vectors to ${VECTORS_PATH}`);
}
