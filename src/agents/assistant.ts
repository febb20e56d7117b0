// The Tool-Calling Assistant: the policy model in a bounded agent loop over an MCP client — it may call
// tools (several per step), ask, or answer; every call goes through MCP and comes back as a tool message.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ChatClient, ChatMessage, OpenAITool, ToolCall } from '../domain/chat.js';
import { parseToolArguments } from '../llm/parse-output.js';
import type { McpCallRecord } from '../domain/trajectory.js';
import { emptyUsage, type RoleTokenUsage } from './user-simulator.js';

/** What the assistant needs of a trajectory's MCP session (not mcp-client's McpConnection, a raw client). */
export type McpSession = {
  client: Pick<Client, 'callTool'>;
  /** Filled by the MCP server as it answers; when absent, the loop records each call itself. */
  trace?: McpCallRecord[];
  /** The endpoint outage that made the server fail a call, if any: it ends the trajectory instead of becoming a tool error. */
  outage?: () => Error | undefined;
};

export type AssistantTurn = {
  /** Messages appended during this turn (assistant messages and tool results). */
  messages: ChatMessage[];
  /** The final assistant text of the turn ('' when the step bound was hit while still calling). */
  finalText: string;
  stepsExhausted: boolean;
};

function toolResultText(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> })?.content;
  if (Array.isArray(content))
    return content.map((c) => (c.type === 'text' ? (c.text ?? '') : JSON.stringify(c))).join('\n');
  return JSON.stringify((result as { structuredContent?: unknown })?.structuredContent ?? result);
}

export class ToolCallingAssistant {
  readonly usage: RoleTokenUsage = emptyUsage();
  private readonly localTrace: McpCallRecord[] = [];
  constructor(
    private readonly client: ChatClient,
    private readonly mcp: McpSession,
    private readonly maxSteps = 4,
  ) {}

  /** The calls MCP answered, in order (the server's own record when it keeps one). */
  get trace(): McpCallRecord[] {
    return this.mcp.trace ?? this.localTrace;
  }

  /** Runs one user turn to its end: tool rounds until the model answers or asks, at most maxSteps model calls. */
  async runTurn(history: ChatMessage[], tools: OpenAITool[]): Promise<AssistantTurn> {
    const added: ChatMessage[] = [];
    for (let step = 0; step < this.maxSteps; step++) {
      const res = await this.client.chat({
        messages: [...history, ...added],
        tools: tools.length ? tools : undefined,
        toolChoice: tools.length ? 'auto' : undefined,
        temperature: 0,
      });
      this.usage.promptTokens += res.usage.promptTokens;
      this.usage.completionTokens += res.usage.completionTokens;
      this.usage.calls += 1;
      const msg = res.message;
      const calls = msg.tool_calls ?? [];
      added.push(
        calls.length
          ? { role: 'assistant', content: msg.content ?? null, tool_calls: calls }
          : { role: 'assistant', content: msg.content ?? '' },
      );
      if (!calls.length) return { messages: added, finalText: msg.content ?? '', stepsExhausted: false };
      for (const call of calls) added.push(await this.execute(call, tools));
    }
    return { messages: added, finalText: '', stepsExhausted: true };
  }

  /** One call through MCP; a call that cannot be made (bad JSON, unknown tool) is answered with the reason. */
  private async execute(call: ToolCall, tools: OpenAITool[]): Promise<ChatMessage> {
    const reply = (content: string): ChatMessage => ({ role: 'tool', tool_call_id: call.id, content });
    const args = parseToolArguments(call);
    if (!args.ok)
      return reply(
        `Error: arguments for ${call.function.name} are not a JSON object (${args.error}); resend the call with valid JSON.`,
      );
    if (!tools.some((t) => t.function.name === call.function.name))
      return reply(
        `Error: there is no tool named '${call.function.name}'. Available: ${tools.map((t) => t.function.name).join(', ') || 'none'}.`,
      );
    const started = Date.now();
    try {
      const result = await this.mcp.client.callTool({ name: call.function.name, arguments: args.value });
      const text = toolResultText(result);
      const isError = Boolean((result as { isError?: boolean }).isError);
      if (!this.mcp.trace) {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* plain text result */
        }
        this.localTrace.push({
          tool: call.function.name,
          arguments: args.value,
          result: parsed,
          isError,
          error: isError ? text : undefined,
          latencyMs: Date.now() - started,
          tokens: 0,
        });
      }
      return reply(text);
    } catch (err) {
      const outage = this.mcp.outage?.();
      if (outage) throw outage;
      const error = (err as Error).message;
      if (!this.mcp.trace)
        this.localTrace.push({
          tool: call.function.name,
          arguments: args.value,
          isError: true,
          error,
          latencyMs: Date.now() - started,
          tokens: 0,
        });
      return reply(`Error: ${error}`);
    }
  }
}
