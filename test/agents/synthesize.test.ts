// Every category end to end: scripted OpenAI-compatible server for the user simulator and the assistant,
// a real in-memory MCP round trip to the simulated tool-set server, then all verification gates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startScriptedServer, type ScriptedServer } from '../../src/llm/scripted-server.js';
import { createChatClient } from '../../src/llm/client.js';
import { loadExampleCatalog } from '../../src/specs/examples.js';
import { toolsOf, type Catalog } from '../../src/domain/catalog.js';
import { CATEGORIES, type Category } from '../../src/domain/category.js';
import { type TaskSpec } from '../../src/domain/task.js';
import { type Trajectory } from '../../src/domain/trajectory.js';
import { synthesizeTrajectory } from '../../src/agents/synthesize.js';
import { mcpSessionFactory } from '../../src/agents/mcp-session.js';
import { verifyBatch } from '../../src/verify/verify-batch.js';
import { NoveltyIndex } from '../../src/verify/novelty-index.js';
import { scriptedRoles } from '../../src/agents/scripted-roles.js';

let server: ScriptedServer;
let catalog: Catalog;
before(async () => {
  server = await startScriptedServer({ reply: scriptedRoles() });
  catalog = await loadExampleCatalog();
});
after(() => server.close());

const roles = () => ({
  user: createChatClient(
    { kind: 'openai', baseURL: server.baseURL, model: 'scripted-model', maxRetries: 0 },
    { role: 'user_simulator' },
  ),
  assistant: createChatClient(
    { kind: 'openai', baseURL: server.baseURL, model: 'scripted-model', maxRetries: 0 },
    { role: 'assistant' },
  ),
});

function task(
  category: Category,
  toolSetId: string,
  seed: number,
  difficulty: TaskSpec['difficulty'] = 'medium',
): TaskSpec {
  return { id: `t-${category}-${toolSetId}-${seed}`, cycle: 0, toolSetId, category, difficulty, seed };
}

async function synth(t: TaskSpec): Promise<Trajectory> {
  return synthesizeTrajectory({
    task: t,
    tools: toolsOf(catalog, t.toolSetId),
    roles: roles(),
    mcp: mcpSessionFactory(catalog, t.toolSetId, { kind: 'simulated', seed: t.seed }),
  });
}

for (const category of CATEGORIES) {
  test(`${category}: synthesized over MCP and accepted by every gate`, async () => {
    const t = await synth(task(category, category === 'multi_turn_miss_param' ? 'notes' : 'weather', 7));
    assert.equal(t.failure, undefined, `synthesis failed: ${t.failure}`);
    const { verified, rlPrompts, stats } = await verifyBatch({
      trajectories: [t],
      tools: catalog.tools,
      seen: new NoveltyIndex(),
    });
    const v = verified[0];
    assert.deepEqual(
      v.verdicts!.filter((x) => !x.pass),
      [],
      `rejected: ${JSON.stringify(v.verdicts)}`,
    );
    assert.equal(v.accepted, true);
    assert.equal(stats.accepted, 1);
    assert.ok(rlPrompts.length >= 1);
    const calls = t.goal.turns.flat();
    // Every goal call went through MCP and came back in the server's own trace.
    for (const c of calls)
      assert.ok(
        t.trace.some((r) => r.tool === c.name && !r.isError),
        `${c.name} missing from the MCP trace`,
      );
    if (category === 'irrelevance') {
      assert.equal(calls.length, 0);
      assert.equal(t.trace.length, 0);
      assert.deepEqual(rlPrompts[0].reference, []);
    }
    if (category === 'parallel')
      assert.ok(t.goal.turns[0].length >= 2 && new Set(t.goal.turns[0].map((c) => c.name)).size === 1);
    if (category.startsWith('multi_turn'))
      assert.ok(t.goal.turns.length >= 2 && t.turnStarts!.length === t.goal.turns.length);
    if (category === 'multi_turn_miss_param') {
      const w = t.goal.withheld!;
      assert.ok(!t.goal.request.includes(String(w.value)), 'the first request states the withheld value');
      // The assistant asked, the user answered with the value, then the call carried it.
      assert.ok(t.messages.some((m) => m.role === 'user' && m.content.includes(String(w.value))));
    }
    if (category === 'multi_turn_miss_func') {
      assert.deepEqual(t.goal.turns[0], []);
      const firstRequest = server.requests.find(
        (b) => b.messages.some((m) => m.content === t.goal.request) && !b.response_format,
      );
      assert.ok(
        firstRequest && !firstRequest.tools?.some((x) => x.function.name === t.goal.lateTool!.name),
        'late tool was offered in turn 0',
      );
      assert.equal(
        rlPrompts[0].tools.some((x) => x.function.name === t.goal.lateTool!.name),
        false,
      );
    }
    if (category === 'multi_turn_long_context')
      assert.ok(t.turnStarts![0] > 6, 'no prior conversation before the first request');
  });
}

test('deterministic: the same task twice gives the same trajectory', async () => {
  const a = await synth(task('parallel_multiple', 'notes', 11, 'hard'));
  const b = await synth(task('parallel_multiple', 'notes', 11, 'hard'));
  const strip = (t: Trajectory) => ({ ...t, trace: t.trace.map((r) => ({ ...r, latencyMs: 0 })) });
  assert.deepEqual(strip(a), strip(b));
  const c = await synth(task('parallel_multiple', 'notes', 12, 'hard'));
  assert.notDeepEqual(c.goal.turns, a.goal.turns, 'a different seed should give a different goal');
});

test("a weak model's invalid goal proposal is repaired and the repair recorded", async () => {
  server.setReply(
    scriptedRoles({
      goal: () =>
        JSON.stringify({
          persona: 'p',
          calls: [{ name: 'get_forecast', arguments: { city: 42, days: 99, bogus: true } }],
        }),
    }),
  );
  try {
    const t = await synth(task('simple', 'weather', 3));
    const call = t.goal.turns[0][0];
    if (call.name === 'get_forecast') {
      assert.equal(typeof call.arguments.city, 'string');
      assert.ok((call.arguments.days as number) <= 10);
      assert.ok(!('bogus' in call.arguments));
    }
    assert.ok(t.goal.repairs!.length > 0, 'repair not recorded');
  } finally {
    server.setReply(scriptedRoles());
  }
});

test('a valid goal proposal is used as proposed', async () => {
  server.setReply(
    scriptedRoles({
      goal: (p) => {
        const name = /in this order: (\w+)/.exec(p)![1];
        const args = name === 'get_forecast' ? { city: 'Reykjavik', days: 4 } : { city: 'Reykjavik' };
        return JSON.stringify({ persona: 'a birdwatcher', calls: [{ name, arguments: args }] });
      },
    }),
  );
  try {
    const t = await synth(task('simple', 'weather', 5));
    assert.equal(t.goal.turns[0][0].arguments.city, 'Reykjavik');
    assert.deepEqual(t.goal.repairs, []);
    assert.equal(t.goal.persona, 'a birdwatcher');
  } finally {
    server.setReply(scriptedRoles());
  }
});

test('a broken model never throws: failure is set with the phase', async () => {
  server.setReply(() => ({ status: 400, message: 'model exploded' }));
  try {
    const t = await synth(task('simple', 'weather', 9));
    assert.match(t.failure ?? '', /fixing the goal.*model exploded|model exploded/s);
    const { verified, rlPrompts, stats } = await verifyBatch({
      trajectories: [t],
      tools: catalog.tools,
      seen: new NoveltyIndex(),
    });
    assert.equal(verified[0].accepted, false);
    assert.equal(stats.rejectedByGate.goal_sanity, 1);
    assert.equal(rlPrompts.length, 0);
  } finally {
    server.setReply(scriptedRoles());
  }
});

test('a category the tool set cannot express fails with a reason', async () => {
  const t = await synthesizeTrajectory({
    task: task('multiple', 'weather', 1),
    tools: toolsOf(catalog, 'weather').slice(0, 1),
    roles: roles(),
    mcp: mcpSessionFactory(catalog, 'weather', { kind: 'simulated', seed: 1 }),
  });
  assert.match(t.failure ?? '', /at least 2 tools/);
});

test('multi-step: a later call takes an id the simulated server returned, and the gates hold it to that value', async () => {
  const t = await synth(task('multi_turn_base', 'notes', 5));
  assert.equal(t.failure, undefined, `synthesis failed: ${t.failure}`);
  // The goal does not invent the id: it names where it comes from.
  const [producer] = t.goal.turns[0];
  const consumer = t.goal.turns[1][0];
  assert.equal(producer.name, 'create_note');
  assert.deepEqual(consumer.arguments.note_id, { $result: { turn: 0, call: 0, path: '/id' } });
  const created = t.trace.find((r) => r.tool === 'create_note')!.result as { id: string };
  assert.ok(typeof created.id === 'string' && created.id.length > 0);
  assert.ok(!t.goal.request.includes(created.id), 'the first request cannot know the id the server will make');
  const used = t.trace.find((r) => r.tool === consumer.name)!;
  assert.equal(used.arguments.note_id, created.id);

  const { verified, rlPrompts } = await verifyBatch({
    trajectories: [t],
    tools: catalog.tools,
    seen: new NoveltyIndex(),
  });
  assert.deepEqual(
    verified[0].verdicts!.filter((x) => !x.pass),
    [],
  );
  // The second turn's RL prompt carries the conversation's result, and its reference the concrete id.
  const second = rlPrompts.find((p) => p.id.endsWith('/t1'))!;
  assert.deepEqual(second.reference[0][consumer.name].note_id, [created.id]);
  assert.ok(second.messages.some((m) => m.role === 'tool' && m.content.includes(created.id)));

  // The same conversation with the assistant copying some other id fails goal_match, naming the turn.
  const forged = structuredClone(t);
  for (const m of forged.messages) {
    if (m.role !== 'assistant') continue;
    for (const c of m.tool_calls ?? [])
      if (c.function.name === consumer.name)
        c.function.arguments = JSON.stringify({ ...JSON.parse(c.function.arguments), note_id: 'note-made-up' });
  }
  const bad = (await verifyBatch({ trajectories: [forged], tools: catalog.tools, seen: new NoveltyIndex() }))
    .verified[0];
  const verdict = bad.verdicts!.find((v) => v.gate === 'goal_match')!;
  assert.equal(verdict.pass, false);
  assert.match(verdict.reason!, /^turn 1: /);

  // A reference to a field create_note does not return is the goal's fault: goal_sanity says so.
  const wrongField = structuredClone(t);
  wrongField.goal.turns[1][0].arguments.note_id = { $result: { turn: 0, call: 0, path: '/owner' } };
  const sanity = (
    await verifyBatch({ trajectories: [wrongField], tools: catalog.tools, seen: new NoveltyIndex() })
  ).verified[0].verdicts!.find((v) => v.gate === 'goal_sanity')!;
  assert.equal(sanity.pass, false);
  assert.match(sanity.reason!, /create_note does not return 'owner'/);
});
