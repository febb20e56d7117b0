// Each gate rejects its own kind of bad trajectory, with a reason that names what was wrong; starting
// from real synthesized trajectories that every gate accepts.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Catalog } from '../../src/domain/catalog.js';
import type { GateName } from '../../src/domain/verdict.js';
import type { Trajectory } from '../../src/domain/trajectory.js';
import { verifyBatch, splitOf } from '../../src/verify/verify-batch.js';
import { NoveltyIndex } from '../../src/verify/novelty-index.js';
import { ContaminationIndex } from '../../src/verify/contamination-index.js';
import { startScriptedServer } from '../../src/llm/scripted-server.js';
import { createChatClient } from '../../src/llm/client.js';
import { goodTrajectories } from './good-trajectory.js';

let catalog: Catalog;
let simple: Trajectory;
let parallel: Trajectory;
let irrelevance: Trajectory;
let multiTurn: Trajectory;
before(async () => {
  const r = await goodTrajectories([
    { category: 'simple', toolSetId: 'weather', seed: 1 },
    { category: 'parallel', toolSetId: 'notes', seed: 2 },
    { category: 'irrelevance', toolSetId: 'weather', seed: 3 },
    { category: 'multi_turn_base', toolSetId: 'city-library', seed: 4 },
  ]);
  catalog = r.catalog;
  [simple, parallel, irrelevance, multiTurn] = r.trajectories;
});

const copy = (t: Trajectory): Trajectory => structuredClone(t);

async function verdictOf(t: Trajectory, opts: Partial<Parameters<typeof verifyBatch>[0]> = {}) {
  const r = await verifyBatch({ trajectories: [t], tools: catalog.tools, seen: new NoveltyIndex(), ...opts });
  const v = r.verified[0];
  return { v, first: v.verdicts!.find((x) => !x.pass), r };
}
function expectRejected(first: { gate: GateName; reason?: string } | undefined, gate: GateName, reason: RegExp) {
  assert.ok(first, `expected rejection by ${gate}, but every gate passed`);
  assert.equal(first.gate, gate, `rejected by ${first.gate} (${first.reason}) instead of ${gate}`);
  assert.match(first.reason ?? '', reason);
}
function lastCall(t: Trajectory) {
  const m = [...t.messages].reverse().find((x) => x.role === 'assistant' && x.tool_calls?.length);
  return (m as { tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> }).tool_calls[0];
}

test('the untouched trajectories pass every gate', async () => {
  for (const t of [simple, parallel, irrelevance, multiTurn]) {
    const { v } = await verdictOf(t);
    assert.equal(v.accepted, true, `${t.task.category}: ${JSON.stringify(v.verdicts)}`);
    assert.equal(v.verdicts!.length, 6);
  }
});

test('goal_sanity: a goal value the request never states', async () => {
  const t = copy(simple);
  const city = t.goal.turns[0][0].arguments.city as string;
  const start = t.turnStarts![0];
  t.goal.request = 'Can you check the weather for me?';
  t.messages[start] = { role: 'user', content: t.goal.request };
  const { first } = await verdictOf(t);
  expectRejected(first, 'goal_sanity', new RegExp(`does not state ${t.goal.turns[0][0].name}\\.city = "${city}"`));
});

test('goal_sanity: the judge decides what rules cannot (yes passes, no keeps the reason)', async () => {
  const t = copy(simple);
  t.goal.request = 'Can you check the weather where I live?';
  t.messages[t.turnStarts![0]] = { role: 'user', content: t.goal.request };
  for (const answer of ['yes', 'no'] as const) {
    const server = await startScriptedServer({
      reply: () => ({ content: JSON.stringify({ answer, reason: `scripted ${answer}` }) }),
    });
    try {
      const judge = createChatClient({ kind: 'openai', baseURL: server.baseURL, model: 'judge', maxRetries: 0 });
      const { v, r } = await verdictOf(t, { judge });
      const g0 = v.verdicts!.find((x) => x.gate === 'goal_sanity')!;
      assert.equal(g0.pass, answer === 'yes');
      assert.match(g0.reason ?? '', answer === 'yes' ? /judge: yes/ : /judge: no, scripted no/);
      assert.equal(r.stats.judgeCalls, 1);
      assert.ok(server.stats.chat >= 1);
    } finally {
      await server.close();
    }
  }
});

test('goal_sanity: a schema-invalid goal call and a goal the category cannot have', async () => {
  const bad = copy(simple);
  bad.goal.turns[0][0].arguments = { ...bad.goal.turns[0][0].arguments, city: 17 };
  expectRejected((await verdictOf(bad)).first, 'goal_sanity', /not schema-valid: \/city: must be string/);
  const shape = copy(parallel);
  shape.goal.turns[0] = shape.goal.turns[0].slice(0, 1);
  expectRejected((await verdictOf(shape)).first, 'goal_sanity', /parallel goal must be 2\+ calls/);
  // The same call twice in one turn (keys in another order still the same): the request names no second value.
  const twice = copy(parallel);
  const call = twice.goal.turns[0][0];
  const reordered = Object.fromEntries(Object.entries(call.arguments).reverse());
  twice.goal.turns[0] = [call, ...twice.goal.turns[0].slice(1, -1), { ...call, arguments: reordered }];
  expectRejected(
    (await verdictOf(twice)).first,
    'goal_sanity',
    new RegExp(`turn 0: calls 0 and ${twice.goal.turns[0].length - 1} are the same call \\(${call.name} `),
  );
});

test('format: arguments that are not JSON, and a tool that was not offered', async () => {
  const t = copy(simple);
  lastCall(t).function.arguments = '{"city": "Lis';
  expectRejected((await verdictOf(t)).first, 'format', /arguments do not parse/);
  const u = copy(simple);
  lastCall(u).function.name = 'delete_everything';
  expectRejected((await verdictOf(u)).first, 'format', /no offered tool is named 'delete_everything'/);
});

test('schema: well-formed arguments of the wrong type name the tool and the pointer', async () => {
  const t = copy(simple);
  const call = lastCall(t);
  call.function.arguments = JSON.stringify({ ...JSON.parse(call.function.arguments), city: ['not', 'a', 'string'] });
  expectRejected((await verdictOf(t)).first, 'schema', new RegExp(`${call.function.name}: /city: must be string`));
});

test('goal_match: a valid call with the wrong value, a call in irrelevance, a missing parallel call', async () => {
  const t = copy(simple);
  const call = lastCall(t);
  call.function.arguments = JSON.stringify({ ...JSON.parse(call.function.arguments), city: 'Atlantis' });
  expectRejected((await verdictOf(t)).first, 'goal_match', /turn 0: value_error:string.*Atlantis/);

  const i = copy(irrelevance);
  const last = i.messages.length - 1;
  i.messages.splice(
    last,
    0,
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'c1', type: 'function', function: { name: i.tools[0].function.name, arguments: '{"city":"Paris"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'c1', content: '{}' },
  );
  expectRejected((await verdictOf(i)).first, 'goal_match', /expected no call/);

  const p = copy(parallel);
  const m = p.messages.find((x) => x.role === 'assistant' && x.tool_calls?.length) as { tool_calls: unknown[] };
  m.tool_calls = m.tool_calls.slice(1);
  expectRejected((await verdictOf(p)).first, 'goal_match', /wrong_count/);
});

test('goal_match: multi-turn compares turn by turn', async () => {
  const t = copy(multiTurn);
  // Turn 1 is asked but the assistant never calls: turn 0 still matches, turn 1 does not.
  t.messages = [...t.messages.slice(0, t.turnStarts![1] + 1), { role: 'assistant', content: 'I would rather not.' }];
  t.turnStarts = t.turnStarts!.slice(0, 2);
  t.goal.turns = t.goal.turns.slice(0, 2);
  expectRejected((await verdictOf(t)).first, 'goal_match', /^turn 1: .*wrong_count/);
  const u = copy(multiTurn);
  u.messages = u.messages.slice(0, u.turnStarts![1]);
  u.turnStarts = u.turnStarts!.slice(0, 1);
  u.goal.turns = u.goal.turns.slice(0, 2);
  u.goal.turnRequests = u.goal.turnRequests!.slice(0, 1); // keep goal_sanity's view: what was said is all there is
  const ctxVerdict = (await import('../../src/verify/gates/goal-match.js')).goalMatchGate({
    trajectory: u,
    tools: new Map(catalog.tools.map((x) => [x.name, x])),
  });
  assert.match(ctxVerdict.reason ?? '', /turn 1 was never reached/);
});

test('execution: a tool error, and a final answer that ignores the results', async () => {
  const t = copy(simple);
  t.trace[0] = { ...t.trace[0], isError: true, error: 'upstream 503' };
  expectRejected((await verdictOf(t)).first, 'execution', /returned a tool error: upstream 503/);
  const u = copy(simple);
  u.trace[0] = { ...u.trace[0], result: { id: 'note_77', title: 'Quarterly plan', temperature: 21.5 } };
  u.messages[u.messages.length - 1] = { role: 'assistant', content: 'All done, have a nice day!' };
  expectRejected((await verdictOf(u)).first, 'execution', /final answer states no value from the tool results/);
});

test('novelty: the same calls twice, a near-duplicate request, and persistence across cycles', async () => {
  const seen = new NoveltyIndex();
  const again = { ...copy(simple), id: 'again' };
  const r = await verifyBatch({ trajectories: [simple, again], tools: catalog.tools, seen });
  assert.equal(r.verified[0].accepted, true);
  expectRejected(
    r.verified[1].verdicts!.find((x) => !x.pass),
    'novelty',
    new RegExp(`duplicate: same calls as ${simple.id}`),
  );

  // Same long request with one word changed (a different city): different calls, near-identical text.
  const say = (city: string, days: string) =>
    `Hi, I am planning a long weekend away with my family and would love to know what to pack, so please look up the weather for ${city} ${days} and tell me whether we need umbrellas or sunscreen for the trip`;
  const make = (id: string, city: string) => {
    const t = copy(simple);
    t.id = id;
    t.goal.turns[0][0].arguments = { ...t.goal.turns[0][0].arguments, city };
    const days = 'days' in t.goal.turns[0][0].arguments ? `for ${t.goal.turns[0][0].arguments.days} days` : 'today';
    t.goal.request = say(city, days);
    t.messages[t.turnStarts![0]] = { role: 'user', content: t.goal.request };
    return t;
  };
  const first = await verifyBatch({ trajectories: [make('first', 'Quito')], tools: catalog.tools, seen });
  assert.equal(
    first.verified[0].verdicts!.find((x) => x.gate === 'novelty')?.pass,
    true,
    JSON.stringify(first.verified[0].verdicts),
  );
  const near = make('near', 'Lagos');
  const next = await verifyBatch({
    trajectories: [near],
    tools: catalog.tools,
    seen: NoveltyIndex.fromJSON(JSON.parse(JSON.stringify(seen.toJSON()))),
  });
  const v = next.verified[0].verdicts!.find((x) => x.gate === 'novelty')!;
  assert.equal(v.pass, false);
  assert.match(v.reason ?? '', /near-duplicate: request \d+% similar to first/);
});

test('novelty: a request copying a BFCL question is contaminated, named by its id', async () => {
  const contamination = await ContaminationIndex.fromBfclDir(new URL('./fixtures/bfcl', import.meta.url).pathname);
  assert.equal(contamination.size.questions, 10);
  const t = copy(simple);
  const start = t.turnStarts![0];
  t.goal.request = `${(t.messages[start] as { content: string }).content}\nAlso: Find the roots of a quadratic equation with coefficients a=1, b=-3, c=2.`;
  t.messages[start] = { role: 'user', content: t.goal.request };
  expectRejected(
    (await verdictOf(t, { contamination })).first,
    'novelty',
    /contaminated: \d+% of the request's 8-grams occur in evaluation item simple_python_3/,
  );
  // The clean original is not flagged.
  assert.equal((await verdictOf(simple, { contamination })).v.accepted, true);
});

test('a failed rollout of a sound goal is kept as an RL prompt with its reference calls', async () => {
  const t = copy(simple);
  const call = lastCall(t);
  call.function.arguments = JSON.stringify({ ...JSON.parse(call.function.arguments), city: 'Atlantis' });
  const { v, r } = await verdictOf(t);
  assert.equal(v.accepted, false);
  assert.equal(r.rlPrompts.length, 1);
  const p = r.rlPrompts[0];
  const goal = t.goal.turns[0][0];
  assert.deepEqual(p.reference[0][goal.name].city, [goal.arguments.city]);
  assert.equal(p.messages[p.messages.length - 1].role, 'user');
  assert.equal(p.split, v.split);
  assert.deepEqual(r.stats.rejectedByCategoryGate, { 'simple/goal_match': 1 });
});

test('the validation split is a stable ~15% by id', () => {
  const ids = Array.from({ length: 4000 }, (_, i) => `task-${i}`);
  const share = ids.filter((id) => splitOf(id) === 'validation').length / ids.length;
  assert.ok(share > 0.13 && share < 0.17, `validation share ${share}`);
  assert.deepEqual(
    ids.map((id) => splitOf(id)),
    ids.map((id) => splitOf(id)),
  );
});
