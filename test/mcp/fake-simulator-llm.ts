// A deterministic stand-in for the LLM that role-plays a backend (the edge of the world in these
// tests): it answers from the call in the prompt, and records every request it saw.
import type { ChatClient, ChatRequest, ChatResponse } from '../../src/domain/chat.js';

export type Answer = (call: {
  tool: string;
  args: Record<string, unknown>;
  prompt: string;
  request: ChatRequest;
  attempt: number;
}) => string | { content: string; finishReason: 'stop' | 'length' };

export class FakeSimulatorLlm implements ChatClient {
  readonly label = 'fake-simulator';
  readonly requests: ChatRequest[] = [];
  constructor(private readonly answer: Answer) {}

  async chat(request: ChatRequest): Promise<ChatResponse> {
    this.requests.push(structuredClone(request));
    const userTurns = request.messages.filter((m) => m.role === 'user');
    const prompt = userTurns[0].content as string;
    const m = /Call: ([\w-]+)\((.*)\)$/m.exec(prompt);
    if (!m) throw new Error(`fake LLM: no 'Call:' line in ${prompt}`);
    const answer = this.answer({ tool: m[1], args: JSON.parse(m[2]), prompt, request, attempt: userTurns.length - 1 });
    const { content, finishReason } = typeof answer === 'string' ? { content: answer, finishReason: 'stop' } : answer;
    return {
      message: { role: 'assistant', content },
      usage: { promptTokens: 100, completionTokens: 20 },
      latencyMs: 0,
      finishReason,
    };
  }
}
