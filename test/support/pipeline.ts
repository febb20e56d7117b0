// Test support for whole runs: a scripted OpenAI-compatible endpoint playing every role (the edge of
// the world), run configs pointing at it, and helpers to start runs and wait on them.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import {
  startScriptedServer,
  type ChatCompletionBody,
  type ScriptedReply,
  type ScriptedServer,
} from '../../src/llm/scripted-server.js';
import { parseRunConfig, type RunConfig } from '../../src/config.js';
import { statusQuery, type RunStatus } from '../../src/workflows/definitions.js';
import { listedCalls, scriptedRoles } from '../../src/agents/scripted-roles.js';
import { REPO_ROOT } from './temporal.js';

export type Weakness = 'parallel' | null;

/**
 * One endpoint for every role: the scripted user simulator and oracle assistant, a simulator that
 * answers tool calls with a small JSON result, and optionally an assistant that is weak at one category
 * (parallel: it makes only the first of several calls to the same tool).
 */
export async function startScriptedRoles(
  o: { delayMs?: number; weak?: Weakness; beforeReply?: () => Promise<void> } = {},
): Promise<ScriptedServer> {
  const roles = scriptedRoles({
    assistant: (body: ChatCompletionBody): ScriptedReply | undefined => {
      if (o.weak !== 'parallel') return undefined;
      const last = [...body.messages].reverse().find((m) => m.role === 'user');
      const calls = listedCalls(typeof last?.content === 'string' ? last.content : '');
      const sameTool = calls.length >= 2 && calls.every((c) => c.name === calls[0].name);
      if (!sameTool || body.messages.at(-1)?.role === 'tool') return undefined;
      return { toolCalls: [{ id: 'call_weak_0', name: calls[0].name, arguments: calls[0].arguments }] };
    },
  });
  return startScriptedServer({
    delayMs: o.delayMs ?? 0,
    reply: async (body, ctx) => {
      await o.beforeReply?.(); // a test holding replies: the call is in flight until it lets go
      const fmt = body.response_format as { json_schema?: { name?: string } } | undefined;
      if (fmt?.json_schema?.name === 'tool_result') return { content: JSON.stringify({ result: { ok: true } }) };
      return roles(body, ctx);
    },
  });
}

export function testConfig(llm: ScriptedServer, overrides: Record<string, unknown> = {}): RunConfig {
  const endpoint = { kind: 'openai', baseURL: llm.baseURL, model: 'scripted-model', maxRetries: 2, temperature: 0 };
  return parseRunConfig({
    name: 'test',
    seed: 11,
    cycles: { max: 2 },
    synthesis: {
      perCycle: 8,
      batchSize: 2,
      parallelBatches: 2,
      categories: ['simple', 'multiple', 'parallel', 'irrelevance'],
    },
    roles: { user: endpoint, assistant: endpoint, simulator: endpoint },
    train: { backend: 'none' },
    evaluate: { categories: ['simple_python', 'irrelevance'], limit: 2 },
    temporal: { taskQueue: `q-${Math.random().toString(36).slice(2, 8)}`, heartbeatSeconds: 3 },
    ...overrides,
  });
}

export { tempHome, workerEnv } from '../../temporal/harness.js';

export { startEvolution as startRun } from '../../src/cli/run.js';

export async function status(client: Client, runId: string): Promise<RunStatus> {
  return client.workflow.getHandle(runId).query(statusQuery);
}

/**
 * The folder a recording run writes its histories to (`INFTOOL_RECORD_HISTORIES=<label>`): one folder per shape of
 * the workflow code, kept beside the older ones, so replay.test.ts checks the path of runs still in flight too.
 */
export function recordDir(label: string): string {
  if (!/^[\w.-]+$/.test(label) || label === '1') {
    throw new Error(
      `INFTOOL_RECORD_HISTORIES=${label}: name the folder to record into (letters, digits, '.', '-', '_')`,
    );
  }
  const dir = join(REPO_ROOT, 'test', 'fixtures', 'histories', label);
  mkdirSync(dir, { recursive: true });
  return dir;
}
