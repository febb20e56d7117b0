// Goal demonstrations: a failed rollout's sound goal still teaches "this request, then exactly these calls",
// and the trainer renders such a row in the served format with the reply as the policy's tokens.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allGoalDemonstrations, goalDemonstrations, NO_TOOL_REPLY } from '../../src/verify/demonstrations.js';
import type { RlPrompt } from '../../src/domain/rl-prompt.js';
import type { ChatMessage } from '../../src/domain/chat.js';
import { DEFAULT_TRAINER_PYTHON, TRAINER_DIR } from '../../src/train/local-backend.js';
import { LocalArtifactStore, jsonlRows, putJsonl } from '../../src/store/artifact-store.js';
import { trainActivities } from '../../src/activities/train.js';
import { parseRunConfig } from '../../src/config.js';

const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Forecast for a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer' },
      },
      required: ['city'],
    },
  },
};
const prompt = (
  id: string,
  reference: RlPrompt['reference'],
  split: RlPrompt['split'] = 'train',
  category: RlPrompt['category'] = 'simple',
): RlPrompt => ({
  id,
  category,
  toolSetId: 'weather',
  split,
  tools: [weather],
  reference,
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Forecast for Lisbon in celsius, please.' },
  ],
});

test('a train-split turn-0 prompt becomes the request followed by the goal calls; optional omissions stay omitted', async () => {
  const prompts = [
    prompt(
      't-a/t0',
      [
        { get_weather: { city: ['Lisbon'], unit: ['celsius'], days: [''] } },
        { get_weather: { city: ['Porto'], unit: ['', 'celsius'], days: [3] } },
      ],
      'train',
      'parallel',
    ),
    prompt('t-b/t0', [], 'train', 'irrelevance'),
    prompt('t-c/t0', [{ get_weather: { city: ['Oslo'] } }], 'validation'), // held out: never trained on
    prompt('t-d/t1', [{ get_weather: { city: ['Oslo'] } }]), // a later turn's history is the rollout's own
    prompt('t-e/t0', [{ get_weather: { city: ['Lima'] } }]), // its trajectory was accepted: already in the SFT data
  ];
  const demos = await allGoalDemonstrations(prompts, new Set(['t-e']));
  assert.deepEqual(
    demos.map((d) => d.id),
    ['t-a/t0/demo', 't-b/t0/demo'],
  );
  const [calls, refusal] = demos;
  assert.equal(calls.accepted, true);
  assert.deepEqual(calls.messages.slice(0, 2), prompts[0].messages);
  const reply = calls.messages[2] as { tool_calls: Array<{ function: { name: string; arguments: string } }> };
  assert.deepEqual(
    reply.tool_calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)]),
    [
      ['get_weather', { city: 'Lisbon', unit: 'celsius' }],
      ['get_weather', { city: 'Porto', days: 3 }],
    ],
  );
  assert.deepEqual(refusal.messages[2], { role: 'assistant', content: NO_TOOL_REPLY });
});

const python = process.env.INFTOOL_TRAINER_PYTHON ?? DEFAULT_TRAINER_PYTHON;
test(
  'the trainer renders a demonstration in the runtime format, the reply as policy tokens',
  { skip: process.env.INFTOOL_SKIP_TRAINER === '1' || !existsSync(python) },
  async () => {
    const [demo] = await allGoalDemonstrations(
      [prompt('t-a/t0', [{ get_weather: { city: ['Lisbon'], unit: ['celsius'], days: [''] } }])],
      new Set(),
    );
    const script = [
      'import json, sys',
      'from inftool_trainer.chat_format import chat_format_for',
      'row = json.load(sys.stdin)',
      'fmt = chat_format_for("runtime-json", "gguf", "<|endoftext|>")',
      'print(json.dumps([[t, p] for t, p in fmt.render_segments(row["messages"], row["tools"])]))',
    ].join('\n');
    const segments = JSON.parse(
      execFileSync(python, ['-c', script], { cwd: TRAINER_DIR, input: JSON.stringify(demo), encoding: 'utf8' }),
    ) as Array<[string, boolean]>;
    const policy = segments
      .filter(([, p]) => p)
      .map(([t]) => t)
      .join('');
    assert.match(
      policy,
      /\{"tool_calls":\[\{"name":"get_weather","arguments":\{"city":"Lisbon","unit":"celsius","days":null\}\}\]\}/,
    );
    assert.ok(
      segments.some(([t, p]) => !p && t.includes('Forecast for Lisbon in celsius')),
      'the request is context, not a target',
    );
  },
);

test("the train stage puts demonstrations beside the accepted trajectories in the job's SFT data", async () => {
  const root = mkdtempSync(join(tmpdir(), 'demos-'));
  const store = new LocalArtifactStore(root);
  const trajectoriesRef = await putJsonl(store, { key: 'verify', name: 'trajectories.jsonl' }, [
    { id: 't-e', accepted: true, messages: [], tools: [] },
    { id: 't-a', accepted: false, messages: [], tools: [] },
  ]);
  const rlPromptsRef = await putJsonl(store, { key: 'verify', name: 'rl_prompts.jsonl' }, [
    prompt('t-e/t0', [{ get_weather: { city: ['Lima'] } }]),
    prompt('t-a/t0', [{ get_weather: { city: ['Lisbon'], unit: ['celsius'], days: [''] } }]),
  ]);
  const { prepareTrainJob } = trainActivities({ store, dataDir: root });
  const job = async (demonstrations: boolean) =>
    prepareTrainJob({
      runId: 'r',
      cycle: 0,
      policy: { kind: 'gguf', path: 'm.gguf' },
      rlPromptsRef,
      trajectoriesRef,
      config: parseRunConfig({ train: { backend: 'local', demonstrations, trainer: { sft: { maxSteps: 1 } } } }),
    });
  const plain = await job(false);
  assert.equal(plain?.trajectoriesPath, store.locate(trajectoriesRef), 'off: the verified trajectories as they are');
  const withDemos = await job(true);
  assert.match(withDemos!.trajectoriesPath ?? '', /sft\.jsonl$/);
  const rows = readFileSync(withDemos!.trajectoriesPath!, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string });
  assert.deepEqual(
    rows.map((r) => r.id),
    ['t-e', 't-a/t0/demo'],
    'the accepted trajectories (the trainer reads no other), then the demonstrations',
  );
  assert.notEqual(withDemos!.outputDir, plain!.outputDir, 'different data, different training run');
});

test("train.replayCycles: the SFT data holds the earlier cycles' accepted trajectories and demonstrations after this cycle's, up to the configured count", async () => {
  const root = mkdtempSync(join(tmpdir(), 'replay-'));
  const store = new LocalArtifactStore(root);
  const cycleData = async (c: number, city: string) => ({
    trajectoriesRef: await putJsonl(store, { key: `verify-${c}`, name: 'trajectories.jsonl' }, [
      { id: `c${c}-e`, accepted: true, messages: [], tools: [] },
      { id: `c${c}-a`, accepted: false, messages: [], tools: [] },
    ]),
    rlPromptsRef: await putJsonl(store, { key: `verify-${c}`, name: 'rl_prompts.jsonl' }, [
      prompt(`c${c}-e/t0`, [{ get_weather: { city: ['Lima'] } }]),
      prompt(`c${c}-a/t0`, [{ get_weather: { city: [city] } }]),
    ]),
  });
  const [c0, c1, c2] = [await cycleData(0, 'Lisbon'), await cycleData(1, 'Porto'), await cycleData(2, 'Braga')];
  const { prepareTrainJob } = trainActivities({ store, dataDir: root });
  const ids = async (replayCycles: number, replay?: (typeof c0)[]) => {
    const job = await prepareTrainJob({
      runId: 'r',
      cycle: 2,
      policy: { kind: 'gguf', path: 'm.gguf' },
      ...c2,
      ...(replay ? { replay } : {}),
      config: parseRunConfig({
        train: {
          backend: 'local',
          demonstrations: true,
          declineShare: 0,
          replayCycles,
          trainer: { sft: { maxSteps: 1 } },
        },
      }),
    });
    const path = job!.trajectoriesPath!;
    return readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
  };
  const own = ['c2-e', 'c2-a/t0/demo'];
  assert.deepEqual(await ids(0, [c1, c0]), own, "off: the cycle's own rows, whatever is carried");
  assert.deepEqual(await ids(2), own, "nothing carried yet (cycle 0): the cycle's own rows");
  assert.deepEqual(await ids(2, [c1, c0]), [...own, 'c1-e', 'c1-a/t0/demo', 'c0-e', 'c0-a/t0/demo']);
  assert.deepEqual(await ids(1, [c1, c0]), [...own, 'c1-e', 'c1-a/t0/demo'], 'at most replayCycles, newest first');
});

const notes = {
  type: 'function' as const,
  function: {
    name: 'create_note',
    description: 'Save a note',
    parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  },
};
const listNotes = {
  type: 'function' as const,
  function: { name: 'list_notes', description: 'List the saved notes', parameters: { type: 'object', properties: {} } },
};
const inSet = (p: RlPrompt, toolSetId: string, tools: RlPrompt['tools']): RlPrompt => ({ ...p, toolSetId, tools });
// The notes set has two tools; a weather prompt offers one, so its decline twin must pick one of them.
const twoSets = () => [
  prompt('w-1/t0', [{ get_weather: { city: ['Lisbon'] } }]),
  prompt('w-2/t0', [{ get_weather: { city: ['Porto'] } }]),
  inSet(prompt('n-1/t0', [{ create_note: { text: ['milk'] } }]), 'notes', [notes, listNotes]),
  inSet(prompt('n-2/t0', [{ create_note: { text: ['eggs'] } }]), 'notes', [notes, listNotes]),
  prompt('w-3/t0', [], 'train', 'irrelevance'),
];
const toolSetSize = (prompts: RlPrompt[], toolSetId: string) =>
  Math.max(...prompts.filter((p) => p.toolSetId === toolSetId).map((p) => p.tools.length));

test('declines keep their share: calling requests offered an unrelated tool set, answered without a call', async () => {
  const prompts = twoSets();
  const none = await allGoalDemonstrations(prompts, new Set());
  assert.equal(none.filter((d) => d.source === 'decline-demonstration').length, 0, 'off unless asked for');
  const demos = await allGoalDemonstrations(prompts, new Set(), { declineShare: 0.5 });
  const declines = demos.filter((d) => d.category === 'irrelevance');
  assert.ok(declines.length / demos.length >= 0.5, `${declines.length} of ${demos.length} decline`);
  const twins = demos.filter((d) => d.source === 'decline-demonstration');
  assert.ok(twins.length >= 2);
  for (const t of twins) {
    const original = demos.find((d) => d.id === t.id.replace(/\/decline$/, '/demo'))!;
    assert.deepEqual(t.messages.slice(0, -1), original.messages.slice(0, -1), 'the same request');
    assert.deepEqual(t.messages.at(-1), { role: 'assistant', content: NO_TOOL_REPLY });
    const offered = new Set(t.tools.map((x) => x.function.name));
    for (const call of original.messages.at(-1)!.role === 'assistant'
      ? ((original.messages.at(-1) as { tool_calls?: { function: { name: string } }[] }).tool_calls ?? [])
      : []) {
      assert.ok(!offered.has(call.function.name), `the tool it needed (${call.function.name}) is not offered`);
    }
    assert.notEqual(t.toolSetId, original.toolSetId);
    // As many tools as the calling row offered (one for a simple goal, as in every BFCL irrelevance item).
    assert.equal(t.tools.length, Math.min(original.tools.length, toolSetSize(prompts, t.toolSetId)), t.id);
  }
  assert.ok(
    twins.some((t) => t.tools.length === 1 && t.toolSetId === 'notes'),
    'a one-tool calling row gets a one-tool decline twin, though the other set has two',
  );
  assert.deepEqual(await allGoalDemonstrations(prompts, new Set(), { declineShare: 0.5 }), demos, 'deterministic');
});

test('the decline share counts the whole SFT set: accepted declining trajectories need fewer decline rows', async () => {
  const prompts = twoSets();
  const declinesFor = async (accepted: { calling: number; declining: number }) =>
    (await allGoalDemonstrations(prompts, new Set(), { declineShare: 0.3, accepted })).filter(
      (d) => d.source === 'decline-demonstration',
    ).length;
  // 5 demonstrations (1 of them an irrelevance goal): (0.3 * 5 - 1) / 0.7 -> 1 decline row.
  assert.equal(await declinesFor({ calling: 0, declining: 0 }), 1);
  // 3 accepted declining trajectories besides: 4 of 8 rows decline already, none added.
  assert.equal(await declinesFor({ calling: 0, declining: 3 }), 0);
  // 6 accepted calling trajectories: (0.3 * 11 - 1) / 0.7 -> 4, but only 4 calling demonstrations can lend a request.
  assert.equal(await declinesFor({ calling: 6, declining: 0 }), 4);
});

test('distractor rows: the same request and calls, with an unrelated tool set mixed into the offer', async () => {
  const prompts = twoSets();
  const demos = await allGoalDemonstrations(prompts, new Set(), { distractors: true });
  const mixed = demos.filter((d) => d.source === 'distractor-demonstration');
  assert.deepEqual(
    mixed.map((d) => d.id),
    ['w-1/t0/mixed', 'w-2/t0/mixed', 'n-1/t0/mixed', 'n-2/t0/mixed'],
    'one per calling demonstration, none for the irrelevance goal',
  );
  for (const m of mixed) {
    const original = demos.find((d) => d.id === m.id.replace(/\/mixed$/, '/demo'))!;
    assert.deepEqual(m.messages, original.messages, 'the request and the reply are unchanged');
    const names = m.tools.map((t) => t.function.name);
    for (const t of original.tools) assert.ok(names.includes(t.function.name), `its own ${t.function.name} offered`);
    assert.ok(names.length > original.tools.length, 'something unrelated offered besides');
    assert.equal(new Set(names).size, names.length, 'no tool name twice');
    assert.equal(m.category, 'multiple', 'a simple goal among several tools is a multiple one');
  }
  assert.deepEqual(await allGoalDemonstrations(prompts, new Set(), { distractors: true }), demos, 'deterministic');
});

test('a goal of several calls gets no distractor twin: the calling rows stay mostly single calls', async () => {
  const prompts = [
    ...twoSets(),
    prompt(
      'w-4/t0',
      [{ get_weather: { city: ['Lisbon'] } }, { get_weather: { city: ['Porto'] } }],
      'train',
      'parallel',
    ),
  ];
  const demos = await allGoalDemonstrations(prompts, new Set(), { distractors: true });
  assert.ok(
    demos.some((d) => d.id === 'w-4/t0/demo'),
    'the parallel goal is demonstrated',
  );
  assert.deepEqual(
    demos.filter((d) => d.source === 'distractor-demonstration').map((d) => d.id),
    ['w-1/t0/mixed', 'w-2/t0/mixed', 'n-1/t0/mixed', 'n-2/t0/mixed'],
  );
});

test("the train stage counts the accepted trajectories' declines in the SFT set's decline share", async () => {
  const root = mkdtempSync(join(tmpdir(), 'demos-'));
  const store = new LocalArtifactStore(root);
  const rlPromptsRef = await putJsonl(store, { key: 'verify', name: 'rl_prompts.jsonl' }, twoSets());
  const accepted = (id: string, reply: ChatMessage) => ({
    id,
    accepted: true,
    messages: [{ role: 'user', content: 'Weather in Oslo?' }, reply],
    tools: [weather],
  });
  const call: ChatMessage = {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'c', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
  };
  const decline: ChatMessage = { role: 'assistant', content: NO_TOOL_REPLY };
  const declineRows = async (name: string, reply: ChatMessage) => {
    const trajectories = ['z-1', 'z-2', 'z-3', 'z-4'].map((id) => accepted(id, reply));
    const trajectoriesRef = await putJsonl(store, { key: name, name: 'trajectories.jsonl' }, trajectories);
    const job = await trainActivities({ store, dataDir: root }).prepareTrainJob({
      runId: 'r',
      cycle: 0,
      policy: { kind: 'gguf', path: 'm.gguf' },
      rlPromptsRef,
      trajectoriesRef,
      config: parseRunConfig({
        train: { backend: 'local', demonstrations: true, declineShare: 0.3, trainer: { sft: { maxSteps: 1 } } },
      }),
    });
    return readFileSync(job!.trajectoriesPath!, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => (JSON.parse(l) as { source?: string }).source === 'decline-demonstration').length;
  };
  // 5 demonstrations (1 irrelevance goal) and 4 accepted trajectories. Calling ones: (0.3 * 9 - 1) / 0.7 -> 3 rows.
  assert.equal(await declineRows('calls', call), 3);
  // Declining ones: 5 of the 9 rows decline already, no decline row is added.
  assert.equal(await declineRows('declines', decline), 0);
});

test('demonstrations stream from a file of prompts in four passes, row for row what the array gives', async () => {
  const prompts = twoSets();
  const store = new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'inftool-demo-stream-')));
  const ref = await putJsonl(store, { key: 'prompts', name: 'rl_prompts.jsonl' }, prompts);
  let passes = 0;
  const rows = () => {
    passes++;
    return jsonlRows<RlPrompt>(store, ref);
  };
  const opts = { distractors: true, declineShare: 0.3, accepted: { calling: 1, declining: 0 } };
  const streamed = [];
  for await (const d of goalDemonstrations(rows, new Set(['w-2']), opts)) streamed.push(d);
  assert.deepEqual(streamed, await allGoalDemonstrations(prompts, new Set(['w-2']), opts));
  assert.ok(
    streamed.some((d) => d.source === 'decline-demonstration') &&
      streamed.some((d) => d.source === 'distractor-demonstration'),
  );
  assert.equal(passes, 4, 'tool sets, demonstrations, distractors, declines: the prompts are read, never held');
});
