// An outage is never data, at every layer that used to catch it: synthesis (user or simulator endpoint
// away), the simulated MCP server, the judge and the BFCL runner all let EndpointUnavailable through; a
// reply the model actually gave (here: a judge that refuses the format) stays data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startScriptedServer,
  type ChatCompletionBody,
  type ScriptedReply,
  type ScriptedServer,
} from '../../src/llm/scripted-server.js';
import { createChatClient } from '../../src/llm/client.js';
import { isOutage } from '../../src/llm/outage.js';
import { loadExampleCatalog } from '../../src/specs/examples.js';
import { toolsOf, type Catalog } from '../../src/domain/catalog.js';
import type { TaskSpec } from '../../src/domain/task.js';
import { synthesizeTrajectory } from '../../src/agents/synthesize.js';
import { mcpSessionFactory } from '../../src/agents/mcp-session.js';
import { askJudge } from '../../src/verify/judge.js';
import { runBfcl } from '../../src/eval/run-bfcl.js';
import { scriptedRoles } from '../../src/agents/scripted-roles.js';

let good: ScriptedServer;
let down: ScriptedServer;
let catalog: Catalog;
before(async () => {
  const roles = scriptedRoles();
  good = await startScriptedServer({
    reply: (body: ChatCompletionBody, ctx): ScriptedReply | Promise<ScriptedReply> => {
      const fmt = body.response_format as { json_schema?: { name?: string } } | undefined;
      if (fmt?.json_schema?.name === 'tool_result')
        return { content: JSON.stringify({ result: { city: 'Lyon', temperature: 20, conditions: 'clear' } }) };
      if (fmt?.json_schema?.name === 'verdict') return { content: 'I would rather not say' };
      return roles(body, ctx);
    },
  });
  down = await startScriptedServer({ reply: () => ({ status: 503, message: 'upstream gone' }) });
  catalog = await loadExampleCatalog();
});
after(async () => {
  await good.close();
  await down.close();
});

const client = (server: ScriptedServer, role: string) =>
  createChatClient(
    { kind: 'openai', baseURL: server.baseURL, model: 'scripted-model', maxRetries: 1 },
    { role, backoff: { baseMs: 1, maxMs: 2 } },
  );
const task: TaskSpec = {
  id: 't-simple-weather-3',
  cycle: 0,
  toolSetId: 'weather',
  category: 'simple',
  difficulty: 'easy',
  seed: 3,
};
const synth = (user: ScriptedServer, simulator: ScriptedServer) =>
  synthesizeTrajectory({
    task,
    tools: toolsOf(catalog, 'weather'),
    roles: { user: client(user, 'user'), assistant: client(good, 'assistant') },
    mcp: mcpSessionFactory(catalog, 'weather', { kind: 'simulated', llm: client(simulator, 'simulator'), seed: 3 }),
  });

test('with every endpoint up, the trajectory is made and its tool calls were answered by the simulator', async () => {
  const t = await synth(good, good);
  assert.equal(t.failure, undefined);
  assert.ok(t.trace.length > 0 && t.trace.every((r) => !r.isError));
});

test("the user simulator's endpoint away: synthesis throws the outage instead of recording a failure", async () => {
  await assert.rejects(synth(down, good), (e: unknown) => isOutage(e) && /role user/.test((e as Error).message));
});

test("the simulator's endpoint away: not a tool error in the trajectory, but the outage itself", async () => {
  await assert.rejects(synth(good, down), (e: unknown) => isOutage(e) && /role simulator/.test((e as Error).message));
});

test('the judge: an outage propagates; an off-format reply is still a "no"', async () => {
  await assert.rejects(askJudge(client(down, 'judge'), 'Is this fine?'), (e: unknown) => isOutage(e));
  const verdict = await askJudge(client(good, 'judge'), 'Is this fine?');
  assert.equal(verdict.yes, false);
  assert.match(verdict.reason, /did not parse/);
});

test('BFCL: an outage is not scored as a wrong answer; the run throws and a later one resumes', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bfcl-outage-'));
  const dataDir = new URL('../../data/bfcl-sample', import.meta.url).pathname;
  await assert.rejects(
    runBfcl({
      dataDir,
      outDir,
      categories: ['simple_python'],
      limit: 2,
      client: client(down, 'assistant'),
      backoffMs: 1,
    }),
    (e: unknown) => isOutage(e),
  );
  assert.equal(down.stats.chat > 0, true);
  const results = (() => {
    try {
      return readFileSync(join(outDir, 'results.jsonl'), 'utf8');
    } catch {
      return '';
    }
  })();
  assert.equal(results.trim(), '', 'nothing was written as an answer');
});
