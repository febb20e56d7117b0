// The cycle's outputs: JSONL rows, the dataset card, the three export formats read back from real files,
// and a secret in the environment (the endpoint's API key) appearing in none of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedServer } from '../../src/llm/scripted-server.js';
import { createChatClient } from '../../src/llm/client.js';
import { loadExampleCatalog } from '../../src/specs/examples.js';
import { toolsOf } from '../../src/domain/catalog.js';
import { CATEGORIES } from '../../src/domain/category.js';
import { RlPromptSchema } from '../../src/domain/rl-prompt.js';
import { TrajectorySchema, type Trajectory } from '../../src/domain/trajectory.js';
import { synthesizeTrajectory } from '../../src/agents/synthesize.js';
import { mcpSessionFactory } from '../../src/agents/mcp-session.js';
import { emptyVerifyStats, verifyBatch } from '../../src/verify/verify-batch.js';
import { NoveltyIndex } from '../../src/verify/novelty-index.js';
import { DatasetCardTally, datasetCard, rlPromptsJsonl, trajectoriesJsonl } from '../../src/verify/dataset-card.js';
import { exportDataset } from '../../src/cli/export.js';
import { scriptedRoles } from '../../src/agents/scripted-roles.js';

const SECRET = 'sk-test-DO-NOT-LEAK-4f9c2a71';

test('a cycle of every category: outputs, card, exports; the API key never appears in any artifact', async () => {
  const server = await startScriptedServer({ reply: scriptedRoles() });
  const catalog = await loadExampleCatalog();
  const env = { INFTOOL_TEST_KEY: SECRET };
  process.env.INFTOOL_TEST_KEY = SECRET;
  const client = (role: string) =>
    createChatClient(
      {
        kind: 'openai',
        baseURL: server.baseURL,
        model: 'scripted-model',
        apiKeyEnv: 'INFTOOL_TEST_KEY',
        maxRetries: 0,
      },
      { role, env },
    );
  const trajectories: Trajectory[] = [];
  try {
    for (const [i, category] of CATEGORIES.entries()) {
      for (const toolSetId of ['weather', 'notes']) {
        const task = {
          id: `c0-${category}-${toolSetId}`,
          cycle: 0,
          toolSetId,
          category,
          difficulty: 'medium' as const,
          seed: 100 + i,
        };
        trajectories.push(
          await synthesizeTrajectory({
            task,
            tools: toolsOf(catalog, toolSetId),
            roles: { user: client('user_simulator'), assistant: client('assistant') },
            mcp: mcpSessionFactory(catalog, toolSetId, { kind: 'simulated', seed: task.seed }),
          }),
        );
      }
    }
    // The key really was sent to the endpoint (so "never in an artifact" is not vacuous).
    assert.ok(server.requests.length > 0);
  } finally {
    await server.close();
    delete process.env.INFTOOL_TEST_KEY;
  }
  const { verified, rlPrompts, stats } = await verifyBatch({
    trajectories,
    tools: catalog.tools,
    seen: new NoveltyIndex(),
  });
  assert.equal(stats.accepted + Object.values(stats.rejectedByGate).reduce((a, b) => a + b, 0), trajectories.length);
  // The scripted user repeats its one irrelevant request and value pools are small, so a few novelty rejections are right.
  assert.ok(
    stats.accepted >= trajectories.length - 4,
    `only ${stats.accepted}/${trajectories.length} accepted: ${JSON.stringify(stats.rejectedByCategoryGate)}`,
  );

  const dir = await mkdtemp(join(tmpdir(), 'inftool-verify-'));
  await writeFile(join(dir, 'trajectories.jsonl'), trajectoriesJsonl(verified));
  await writeFile(join(dir, 'rl_prompts.jsonl'), rlPromptsJsonl(rlPrompts));
  const card = datasetCard({ verified, rlPrompts, stats });

  // Verified in chunks (as the verify activity streams a cycle batch by batch), with one novelty index, one set
  // of running counts and one card tally: the same verdicts, prompts, counts and card as the whole cycle at once.
  const seen = new NoveltyIndex();
  const chunkedStats = emptyVerifyStats();
  const tally = new DatasetCardTally();
  const chunked: { verified: Trajectory[]; rlPrompts: typeof rlPrompts } = { verified: [], rlPrompts: [] };
  for (let i = 0; i < trajectories.length; i += 5) {
    const part = await verifyBatch({
      trajectories: trajectories.slice(i, i + 5),
      tools: catalog.tools,
      seen,
      stats: chunkedStats,
    });
    tally.add(part.verified, part.rlPrompts);
    chunked.verified.push(...part.verified);
    chunked.rlPrompts.push(...part.rlPrompts);
  }
  assert.ok(stats.rejectedByGate.novelty, 'the whole pass rejects repeats, so the chunks must see each other');
  assert.deepEqual(chunked.verified, verified);
  assert.deepEqual(chunked.rlPrompts, rlPrompts);
  assert.deepEqual(chunkedStats, stats);
  assert.deepEqual(tally.card(chunkedStats), card);
  // Per tool set (the cycle stats' byToolSet): every trajectory counted once, under its own tool set.
  const perSet = (id: string) => ({
    trajectories: verified.filter((t) => t.task.toolSetId === id).length,
    accepted: verified.filter((t) => t.task.toolSetId === id && t.accepted).length,
  });
  assert.deepEqual(tally.byToolSet, { weather: perSet('weather'), notes: perSet('notes') });

  await writeFile(join(dir, 'dataset_card.json'), JSON.stringify(card.json, null, 2));
  await writeFile(join(dir, 'dataset_card.md'), card.markdown);

  // Rows read back through the shared schemas.
  const rows = (await readFile(join(dir, 'trajectories.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => TrajectorySchema.parse(JSON.parse(l)));
  assert.equal(rows.length, trajectories.length);
  assert.ok(rows.every((r) => r.verdicts?.length && r.tools && r.goal && r.split));
  const prompts = (await readFile(join(dir, 'rl_prompts.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => RlPromptSchema.parse(JSON.parse(l)));
  assert.equal(prompts.length, rlPrompts.length);

  assert.equal(card.json.trajectories, trajectories.length);
  assert.equal(card.json.accepted, stats.accepted);
  assert.deepEqual(Object.keys(card.json.acceptedByCategory).sort(), Object.keys(stats.acceptedByCategory).sort());
  assert.ok(card.json.toolsCovered.includes('get_current_weather') || card.json.toolsCovered.includes('get_forecast'));
  assert.ok(card.json.synthesisTokensPerAccepted > 0);
  assert.match(card.markdown, new RegExp(`${stats.accepted} of ${trajectories.length} trajectories accepted`));

  for (const format of ['openai', 'sharegpt', 'hf'] as const) {
    const out = await exportDataset({
      trajectoriesFile: join(dir, 'trajectories.jsonl'),
      format,
      outDir: join(dir, 'export'),
    });
    assert.equal(out.counts.train + out.counts.validation, stats.accepted);
    const lines = (await readFile(out.files.train, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const withCall = lines.find((l) => JSON.stringify(l).includes('get_') || JSON.stringify(l).includes('_note'));
    if (format === 'openai') {
      assert.ok(lines.every((l) => Array.isArray(l.messages) && Array.isArray(l.tools)));
      assert.ok(
        lines.some((l) =>
          l.messages.some(
            (m: { tool_calls?: Array<{ function: { arguments: unknown } }> }) =>
              typeof m.tool_calls?.[0]?.function.arguments === 'string',
          ),
        ),
      );
    } else if (format === 'sharegpt') {
      assert.ok(
        lines.every(
          (l) => Array.isArray(l.conversations) && typeof l.tools === 'string' && Array.isArray(JSON.parse(l.tools)),
        ),
      );
      const fc = lines.flatMap((l) => l.conversations).find((c: { from: string }) => c.from === 'function_call');
      assert.ok(fc && JSON.parse(fc.value), 'no function_call turn');
      assert.ok(lines.flatMap((l) => l.conversations).some((c: { from: string }) => c.from === 'observation'));
      assert.ok(
        lines.every((l) =>
          l.conversations.every((c: { from: string }) =>
            ['human', 'gpt', 'function_call', 'observation'].includes(c.from),
          ),
        ),
      );
    } else {
      const call = lines.flatMap((l) => l.messages).find((m: { tool_calls?: unknown[] }) => m.tool_calls);
      assert.equal(typeof call.tool_calls[0].function.arguments, 'object');
      const toolMsg = lines.flatMap((l) => l.messages).find((m: { role: string }) => m.role === 'tool');
      assert.ok(toolMsg.name, 'tool message carries the tool name');
    }
    assert.ok(withCall);
  }

  for (const file of [
    ...(await readdir(dir)).map((f) => join(dir, f)),
    ...(await readdir(join(dir, 'export'))).map((f) => join(dir, 'export', f)),
  ]) {
    if (file.endsWith('export')) continue;
    assert.ok(!(await readFile(file, 'utf8')).includes(SECRET), `${file} contains the API key`);
  }
});

test('exportDataset names the file and line of a malformed trajectory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'inftool-export-'));
  await writeFile(join(dir, 't.jsonl'), '{"id": "x"}\n');
  await assert.rejects(
    exportDataset({ trajectoriesFile: join(dir, 't.jsonl'), format: 'openai', outDir: dir }),
    /t\.jsonl:1: not a trajectory: task/,
  );
});
