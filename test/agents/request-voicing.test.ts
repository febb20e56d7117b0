// Requests a person could have written: the usability check, the seeded voicing that replaces a weak
// model's request (every category, every bundled tool set), and the request sources the stats count.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startScriptedServer, type ChatCompletionBody, type ScriptedServer } from '../../src/llm/scripted-server.js';
import { createChatClient } from '../../src/llm/client.js';
import { loadExampleCatalog } from '../../src/specs/examples.js';
import { toolsOf, type Catalog } from '../../src/domain/catalog.js';
import { CATEGORIES, type Category } from '../../src/domain/category.js';
import { TrajectorySchema, type Trajectory } from '../../src/domain/trajectory.js';
import { type TaskSpec } from '../../src/domain/task.js';
import { UserSimulator, valuesToState } from '../../src/agents/user-simulator.js';
import { offTopicRequest, requestProblems, type RequestExpectation } from '../../src/agents/request-voicing.js';
import { planGoalSkeleton } from '../../src/agents/goal-skeleton.js';
import { seededRng } from '../../src/domain/rng.js';
import { synthesizeTrajectory } from '../../src/agents/synthesize.js';
import { mcpSessionFactory } from '../../src/agents/mcp-session.js';
import { verifyBatch } from '../../src/verify/verify-batch.js';
import { datasetCard } from '../../src/verify/dataset-card.js';
import { NoveltyIndex } from '../../src/verify/novelty-index.js';
import { scriptedRoles } from '../../src/agents/scripted-roles.js';

const kinds = (r: string, e: Partial<RequestExpectation> = {}) =>
  requestProblems(r, { values: [], functionNames: [], ...e }).map((p) => p.kind);

test('requestProblems: what a weak model writes is named, a natural request has no problem', () => {
  const fn = ['getPets', 'addPet', 'get_forecast', 'search'];
  assert.deepEqual(kinds('getPets', { functionNames: fn }), ['too_short', 'names_function']);
  assert.deepEqual(kinds('addPet{ Details: name a, tag object, please do it', { functionNames: fn }), [
    'json',
    'names_function',
  ]);
  assert.deepEqual(kinds('   '), ['empty']);
  assert.deepEqual(kinds('Please call get_forecast for Lisbon now', { functionNames: fn }), ['names_function']);
  assert.deepEqual(kinds('Give me {"city": "Lisbon"} please', { functionNames: fn }), ['json']);
  assert.deepEqual(kinds('Fetch the note <the id from create_note> please'), ['placeholder']);
  assert.deepEqual(kinds('State every one of these values exactly as written: Lisbon, 5.'), ['echo']);
  // A tool called `search` is also a plain word: saying "search" is not naming the function.
  assert.deepEqual(
    kinds('Can you search for a forecast in Lisbon for 5 days?', {
      functionNames: fn,
      values: [
        { where: 'get_forecast.city', value: 'Lisbon' },
        { where: 'get_forecast.days', value: 5 },
      ],
    }),
    [],
  );
  assert.deepEqual(
    kinds('Forecast for Lisbon, please, for a few days.', { values: [{ where: 'get_forecast.days', value: 5 }] }),
    ['missing_value'],
  );
  assert.deepEqual(kinds('Add the note for member 48213 please', { withheld: 48213 }), ['withheld']);
});

let server: ScriptedServer;
let catalog: Catalog;
let requestReply: (prompt: string) => string = () => 'getPets';
before(async () => {
  catalog = await loadExampleCatalog();
  server = await startScriptedServer({
    reply: (body: ChatCompletionBody) => {
      const name = (body.response_format as { json_schema?: { name?: string } } | undefined)?.json_schema?.name;
      const prompt = String(body.messages.at(-1)?.content ?? '');
      // What SmolLM2-135M tends to do: a goal that does not parse, a request that is a function name.
      if (name === 'goal') return { content: 'calls: getPets' };
      if (name === 'request') return { content: JSON.stringify({ request: requestReply(prompt) }) };
      return { status: 400, message: `unexpected ${name}` };
    },
  });
});
after(() => server.close());

const userClient = () =>
  createChatClient(
    { kind: 'openai', baseURL: server.baseURL, model: 'scripted-model', maxRetries: 0 },
    { role: 'user_simulator' },
  );
const task = (
  category: Category,
  toolSetId: string,
  seed: number,
  difficulty: TaskSpec['difficulty'] = 'medium',
): TaskSpec => ({ id: `v-${category}-${toolSetId}-${seed}`, cycle: 0, toolSetId, category, difficulty, seed });

/** Tool sets of the bundled examples that can express `category` (planGoalSkeleton throws otherwise). */
function setsFor(category: Category): string[] {
  return catalog.toolSets
    .map((s) => s.id)
    .filter((id) => {
      try {
        planGoalSkeleton(category, 'hard', toolsOf(catalog, id), seededRng(1));
        return true;
      } catch {
        return false;
      }
    });
}

test("every category on every bundled tool set: a weak model's request is replaced by a voicing that states every value and names no function", async () => {
  const frames = new Set<string>();
  let voiced = 0;
  for (const category of CATEGORIES) {
    for (const toolSetId of setsFor(category)) {
      for (const difficulty of ['easy', 'hard'] as const) {
        for (const seed of [1, 2]) {
          const tools = toolsOf(catalog, toolSetId);
          const user = new UserSimulator(userClient(), task(category, toolSetId, seed, difficulty));
          const { goal, skeleton } = await user.fixGoal(tools);
          assert.equal(goal.valueSource, category === 'irrelevance' ? undefined : 'schema');
          for (let turn = 0; turn < goal.turns.length; turn++) {
            const request = await user.voiceTurn(goal, turn, skeleton.offered);
            const calls =
              goal.lateTool && turn === 0
                ? goal.turns[goal.lateTool.turn]
                : goal.lateTool && turn === goal.lateTool.turn
                  ? []
                  : goal.turns[turn];
            const skip = turn === 0 && goal.withheld ? goal.withheld : undefined;
            const where = `${category}/${toolSetId}/${difficulty}/${seed} turn ${turn}: ${request}`;
            const problems = requestProblems(request, {
              values: valuesToState(calls, skip),
              functionNames: catalog.tools.map((t) => t.name),
              withheld: skip?.value,
            });
            assert.deepEqual(problems, [], where);
            assert.doesNotMatch(request, /Details:|\bfilled\b|undefined|\[object/, where);
            assert.equal(goal.requestSources![turn], 'template', where);
            frames.add(request.split(' ').slice(0, 2).join(' '));
            voiced++;
          }
          assert.equal(goal.requestSource, 'template');
          if (category === 'parallel') assert.ok(goal.turns[0].length >= 2);
        }
      }
    }
  }
  assert.ok(voiced > 60, `only ${voiced} requests voiced`);
  assert.ok(frames.size >= 12, `only ${frames.size} distinct openings: ${[...frames].join(' | ')}`);
});

test('the voicing is reproducible: same task id and seed, same goal and request', async () => {
  const run = async () => {
    const user = new UserSimulator(userClient(), task('parallel_multiple', 'city-library', 4, 'hard'));
    const { goal, skeleton } = await user.fixGoal(toolsOf(catalog, 'city-library'));
    await user.voiceTurn(goal, 0, skeleton.offered);
    return goal;
  };
  const a = await run();
  assert.deepEqual(await run(), a);
  assert.ok(a.requestSources?.[0] === 'template' && a.turns[0].length >= 2);
});

test('a model request that reads well but leaves out a value keeps its text, gets the value appended, and says so', async () => {
  requestReply = () => 'Hi there, I would like the weather report for my trip please.';
  try {
    const user = new UserSimulator(userClient(), task('simple', 'weather', 3));
    const { goal, skeleton } = await user.fixGoal(toolsOf(catalog, 'weather'));
    // The model states the first value itself; the rest are appended.
    const first = valuesToState(goal.turns[0])[0];
    requestReply = () => `Hi there, I would like the weather report for ${first.value} please.`;
    const request = await user.voiceTurn(goal, 0, skeleton.offered);
    assert.ok(request.startsWith(`Hi there, I would like the weather report for ${first.value} please.`), request);
    assert.deepEqual(
      requestProblems(request, {
        values: valuesToState(goal.turns[0]),
        functionNames: skeleton.offered.map((t) => t.name),
      }),
      [],
    );
    const expected = valuesToState(goal.turns[0]).length > 1 ? 'model-repaired' : 'model';
    assert.equal(goal.requestSources![0], expected, request);
  } finally {
    requestReply = () => 'getPets';
  }
});

test('irrelevance: the off-topic voicing varies and avoids what the tools do', () => {
  const weather = toolsOf(catalog, 'weather');
  const asks = new Set(Array.from({ length: 30 }, (_, i) => offTopicRequest(weather, seededRng(i))));
  assert.ok(asks.size >= 12, `only ${asks.size} distinct off-topic requests`);
  const library = toolsOf(catalog, 'city-library');
  for (let i = 0; i < 30; i++) assert.doesNotMatch(offTopicRequest(library, seededRng(i)), /\bfilm|book/i);
});

test('stats and the dataset card count who wrote the requests; old artifacts without sources still parse', async () => {
  const scripted = await startScriptedServer({ reply: scriptedRoles() });
  try {
    const client = () =>
      createChatClient({ kind: 'openai', baseURL: scripted.baseURL, model: 'scripted-model', maxRetries: 0 });
    const synth = (t: TaskSpec, user = client()) =>
      synthesizeTrajectory({
        task: t,
        tools: toolsOf(catalog, t.toolSetId),
        roles: { user, assistant: client() },
        mcp: mcpSessionFactory(catalog, t.toolSetId, { kind: 'simulated', seed: t.seed }),
      });
    const modelWritten = await synth({ ...task('multi_turn_base', 'notes', 5), id: 't-multi_turn_base-notes-5' }); // the scripted user writes every turn
    const templated = await synth(task('simple', 'weather', 8), userClient()); // the weak model: templated
    assert.deepEqual(
      modelWritten.goal.requestSources,
      ['model', 'model', 'model'].slice(0, modelWritten.goal.turns.length),
    );
    assert.equal(templated.goal.requestSource, 'template');
    // An artifact from before sources were recorded.
    const old = structuredClone(modelWritten) as Record<string, any>;
    for (const k of ['requestSources', 'requestSource', 'valueSource']) delete old.goal[k];
    const parsed: Trajectory = TrajectorySchema.parse(JSON.parse(JSON.stringify(old)));

    const { verified, rlPrompts, stats } = await verifyBatch({
      trajectories: [modelWritten, templated, parsed],
      tools: catalog.tools,
      seen: new NoveltyIndex(),
    });
    const turns = modelWritten.goal.turns.length;
    assert.deepEqual(stats.requestSources, { model: turns, template: 1, unrecorded: 1 });
    assert.deepEqual(stats.valueSources, { schema: 2, unrecorded: 1 });
    assert.equal(stats.acceptedByRequestSource.model, 1, JSON.stringify(verified.map((v) => v.verdicts)));
    const card = datasetCard({ verified, rlPrompts, stats });
    assert.deepEqual(card.json.requestSources, stats.requestSources);
    const total = turns + 2;
    assert.match(
      card.markdown,
      new RegExp(
        `Requests \\(${total}\\): the user-simulator model wrote ${turns} \\(${((100 * turns) / total).toFixed(1)}%\\) as is`,
      ),
    );
    assert.match(card.markdown, new RegExp(`1 \\(${(100 / total).toFixed(1)}%\\) were templated`));
  } finally {
    await scripted.close();
  }
});
