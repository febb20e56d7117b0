// The two tools the embedded-runtime tests (test/llm/local-client.test.ts) and the OpenAI-compatible server's
// tests (test/serve/openai-server.test.ts) both offer the model: one with a bounded string and an enum, one
// with two required integers.
import type { OpenAITool } from '../../src/domain/chat.js';

export const tools: OpenAITool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string', maxLength: 24 },
          unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        },
        required: ['city'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'add',
      description: 'Add two integers',
      parameters: {
        type: 'object',
        properties: { a: { type: 'integer' }, b: { type: 'integer' } },
        required: ['a', 'b'],
      },
    },
  },
];
