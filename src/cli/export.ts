// `inftool export`: accepted trajectories from a cycle's trajectories.jsonl as OpenAI fine-tuning JSONL,
// ShareGPT (LLaMA-Factory style) or Hugging Face chat format with tools, one file per split.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { TrajectorySchema, type Trajectory } from '../domain/trajectory.js';
import type { ChatMessage } from '../domain/chat.js';
import { parseToolArguments } from '../llm/parse-output.js';

export const ExportFormatSchema = z.enum(['openai', 'sharegpt', 'hf']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;

/** The task proper plus context, without nothing else: OpenAI's `{messages, tools}`. */
export function toOpenAIRow(t: Trajectory): { messages: ChatMessage[]; tools: Trajectory['tools'] } {
  return { messages: t.messages, tools: t.tools };
}

/**
 * ShareGPT as LLaMA-Factory reads it: system prompt apart, `function_call` turns holding one call or a
 * list of calls as JSON `{name, arguments}`, `observation` turns holding results, `tools` as a JSON string.
 */
export function toShareGptRow(t: Trajectory): {
  conversations: Array<{ from: string; value: string }>;
  system: string;
  tools: string;
} {
  const conversations: Array<{ from: string; value: string }> = [];
  let system = '';
  let pendingObservations: string[] = [];
  const flush = () => {
    if (pendingObservations.length)
      conversations.push({
        from: 'observation',
        value: pendingObservations.length === 1 ? pendingObservations[0] : JSON.stringify(pendingObservations),
      });
    pendingObservations = [];
  };
  for (const m of t.messages) {
    if (m.role === 'tool') {
      pendingObservations.push(m.content);
      continue;
    }
    flush();
    if (m.role === 'system') {
      if (!system && !conversations.length) system = m.content;
      else conversations.push({ from: 'human', value: `[system] ${m.content}` });
    } else if (m.role === 'user') conversations.push({ from: 'human', value: m.content });
    else if (m.tool_calls?.length) {
      const calls = m.tool_calls.map((c) => ({
        name: c.function.name,
        arguments: (parseToolArguments(c) as { value?: unknown }).value ?? c.function.arguments,
      }));
      conversations.push({ from: 'function_call', value: JSON.stringify(calls.length === 1 ? calls[0] : calls) });
    } else conversations.push({ from: 'gpt', value: m.content ?? '' });
  }
  flush();
  return { conversations, system, tools: JSON.stringify(t.tools.map((x) => x.function)) };
}

/** Hugging Face chat-template form: tool-call arguments as objects, tool results carry the tool's name. */
export function toHfRow(t: Trajectory): { messages: Array<Record<string, unknown>>; tools: Trajectory['tools'] } {
  const names = new Map<string, string>();
  const messages = t.messages.map((m) => {
    if (m.role === 'assistant' && m.tool_calls?.length) {
      for (const c of m.tool_calls) names.set(c.id, c.function.name);
      return {
        role: 'assistant',
        content: m.content ?? '',
        tool_calls: m.tool_calls.map((c) => ({
          id: c.id,
          type: 'function',
          function: { name: c.function.name, arguments: (parseToolArguments(c) as { value?: unknown }).value ?? {} },
        })),
      };
    }
    if (m.role === 'tool')
      return { role: 'tool', tool_call_id: m.tool_call_id, name: names.get(m.tool_call_id) ?? '', content: m.content };
    return { role: m.role, content: m.content ?? '' };
  });
  return { messages, tools: t.tools };
}

const FORMATTERS: Record<ExportFormat, (t: Trajectory) => unknown> = {
  openai: toOpenAIRow,
  sharegpt: toShareGptRow,
  hf: toHfRow,
};

export type ExportResult = {
  files: Record<'train' | 'validation', string>;
  counts: Record<'train' | 'validation', number>;
  skipped: number;
};

/** Writes `<outDir>/<format>.train.jsonl` and `<format>.validation.jsonl` from the accepted trajectories. */
export async function exportDataset(opts: {
  trajectoriesFile: string;
  format: ExportFormat;
  outDir: string;
}): Promise<ExportResult> {
  const format = ExportFormatSchema.parse(opts.format);
  const text = await readFile(opts.trajectoriesFile, 'utf8').catch((err) => {
    throw new Error(`cannot read trajectories file '${opts.trajectoriesFile}': ${(err as Error).message}`);
  });
  const rows: Record<'train' | 'validation', string[]> = { train: [], validation: [] };
  let skipped = 0;
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      throw new Error(`${opts.trajectoriesFile}:${i + 1}: not JSON (${(err as Error).message})`);
    }
    const parsed = TrajectorySchema.safeParse(json);
    if (!parsed.success)
      throw new Error(
        `${opts.trajectoriesFile}:${i + 1}: not a trajectory: ${parsed.error.issues[0]?.path.join('/')}: ${parsed.error.issues[0]?.message}`,
      );
    const t = parsed.data;
    if (!t.accepted) {
      skipped++;
      continue;
    }
    rows[t.split === 'validation' ? 'validation' : 'train'].push(JSON.stringify(FORMATTERS[format](t)));
  }
  await mkdir(opts.outDir, { recursive: true });
  const files = {
    train: join(opts.outDir, `${format}.train.jsonl`),
    validation: join(opts.outDir, `${format}.validation.jsonl`),
  };
  for (const split of ['train', 'validation'] as const)
    await writeFile(files[split], rows[split].join('\n') + (rows[split].length ? '\n' : ''));
  return { files, counts: { train: rows.train.length, validation: rows.validation.length }, skipped };
}
