// Renders an OpenAI-style conversation into the chat history node-llama-cpp templates, with the offered
// tools described in the system prompt, and turns the model's forced JSON back into OpenAI tool calls.
import { createHash } from 'node:crypto';
import type { ChatHistoryItem } from 'node-llama-cpp';
import { dropOptionalNulls, fillOptionalNulls, type ToolMode } from './grammar-schema.js';
import type { AssistantMessage, ChatMessage, OpenAITool, ReplyFormatError } from '../domain/chat.js';

function toolInstructions(tools: OpenAITool[], mode: ToolMode): string {
  const listed = tools.map((t) =>
    JSON.stringify({
      name: t.function.name,
      description: t.function.description ?? '',
      parameters: t.function.parameters,
    }),
  );
  const must =
    typeof mode === 'object'
      ? `You must call the tool "${mode.name}".`
      : mode === 'required'
        ? 'You must call at least one tool.'
        : 'Call a tool when it helps; otherwise answer directly.';
  return [
    'You can call these tools:',
    ...listed,
    `${must} To call tools reply with JSON {"tool_calls":[{"name":"<tool name>","arguments":{...}}]}; use null for optional arguments you do not need.`,
    ...(mode === 'auto' ? ['To answer the user directly reply with JSON {"answer":"<text>"}.'] : []),
  ].join('\n');
}

/**
 * An assistant turn exactly as the grammar makes the model write it: `{"tool_calls":[...]}` with every
 * declared argument (optional ones it skipped as null), `{"answer":"..."}` when tools were offered, plain
 * text otherwise. Earlier turns are shown to the model in this form, and the trainer renders its targets in
 * it (trainer/inftool_trainer/chat_format.py, runtime-json; test/vectors/chat-format-vectors.jsonl keeps
 * the two identical), so what the policy learns to write is what it is later forced to write.
 */
export function renderAssistantTurn(
  message: AssistantMessage,
  tools: OpenAITool[] | undefined,
  mode: ToolMode | 'none',
): string {
  if (message.tool_calls?.length) {
    const byName = new Map((tools ?? []).map((t) => [t.function.name, t.function.parameters]));
    const calls = message.tool_calls.map((c) => {
      let args: unknown = c.function.arguments;
      try {
        args = fillOptionalNulls(JSON.parse(c.function.arguments || '{}'), byName.get(c.function.name));
      } catch {
        // Keep the raw text: history is shown to the model as it was, malformed or not.
      }
      return { name: c.function.name, arguments: args };
    });
    return JSON.stringify({ tool_calls: calls });
  }
  const text = message.content ?? '';
  return tools?.length && mode !== 'none' ? JSON.stringify({ answer: text }) : text;
}

/** OpenAI messages (+ tools) to node-llama-cpp history ending in an open model turn. */
export function toLlamaHistory(
  messages: ChatMessage[],
  tools: OpenAITool[] | undefined,
  mode: ToolMode | 'none',
): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const toolNames = new Map<string, string>();
  const pushUser = (text: string) => {
    const last = history[history.length - 1];
    // Tool results arrive as several messages; ChatML models expect one user turn, so they are merged.
    if (last?.type === 'user') last.text = `${last.text}\n\n${text}`;
    else history.push({ type: 'user', text });
  };
  const systemText = messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
  const toolText = tools?.length && mode !== 'none' ? toolInstructions(tools, mode) : '';
  if (systemText || toolText)
    history.push({ type: 'system', text: [systemText, toolText].filter(Boolean).join('\n\n') });
  for (const m of messages) {
    if (m.role === 'user') pushUser(m.content);
    else if (m.role === 'assistant') {
      for (const c of m.tool_calls ?? []) toolNames.set(c.id, c.function.name);
      history.push({ type: 'model', response: [renderAssistantTurn(m, tools, mode)] });
    } else if (m.role === 'tool') {
      pushUser(`Tool result from ${toolNames.get(m.tool_call_id) ?? 'a tool'} (call ${m.tool_call_id}):\n${m.content}`);
    }
  }
  history.push({ type: 'model', response: [] });
  return history;
}

/** Stable call ids: the same reply text gives the same ids, so replays and caches stay deterministic. */
function callId(text: string, index: number): string {
  return `call_${createHash('sha256').update(text).digest('hex').slice(0, 12)}_${index}`;
}

/** The model's forced JSON back to an OpenAI assistant message; a truncated or broken reply becomes text plus a format error. */
export function fromToolEnvelope(
  text: string,
  tools: OpenAITool[],
): { message: AssistantMessage; errors: ReplyFormatError[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return {
      message: { role: 'assistant', content: text },
      errors: [
        {
          kind: 'tool_arguments',
          message: `local model reply is not complete JSON (raise maxTokens?): ${(err as Error).message}`,
        },
      ],
    };
  }
  const obj = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as {
    tool_calls?: Array<{ name: string; arguments: unknown }>;
    answer?: unknown;
  };
  if (Array.isArray(obj.tool_calls)) {
    const byName = new Map(tools.map((t) => [t.function.name, t.function.parameters]));
    const seen = new Set<string>();
    const toolCalls: NonNullable<AssistantMessage['tool_calls']> = [];
    for (const c of obj.tool_calls as unknown[]) {
      const call = (typeof c === 'object' && c !== null && !Array.isArray(c) ? c : {}) as {
        name?: unknown;
        arguments?: unknown;
      };
      const name = typeof call.name === 'string' ? call.name : '';
      const args = JSON.stringify('arguments' in call ? dropOptionalNulls(call.arguments, byName.get(name)) : {});
      // The envelope's call list is read as uniqueItems: a turn never needs the same call twice, and a small
      // model repeats its one call until the grammar's maxItems (the largest error class on BFCL before this).
      const key = JSON.stringify([name, args]);
      if (seen.has(key)) continue;
      seen.add(key);
      toolCalls.push({
        id: callId(text, toolCalls.length),
        type: 'function' as const,
        function: { name, arguments: args },
      });
    }
    return { message: { role: 'assistant', content: null, tool_calls: toolCalls }, errors: [] };
  }
  if (typeof obj.answer === 'string') return { message: { role: 'assistant', content: obj.answer }, errors: [] };
  // Only reachable without the grammar (a policy sampled freely while training): JSON, but neither form.
  return {
    message: { role: 'assistant', content: text },
    errors: [
      {
        kind: 'tool_arguments',
        message: 'local model reply is JSON but neither {"tool_calls":[...]} nor {"answer":"..."}',
      },
    ],
  };
}
