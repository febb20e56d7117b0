import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  evaluationConcurrency,
  loadRunConfig,
  parseRunConfig,
  RunConfigSchema,
} from '../../src/config.js';
import { PlannerConfigSchema } from '../../src/plan/config.js';
import { TrainConfigSchema, TrainJobSchema } from '../../src/train/job.js';
import { lenientObjects } from '../../src/zod-strict.js';

test('an empty config gets the documented defaults', () => {
  const c = parseRunConfig({});
  assert.equal(c.cycles.max, 2);
  assert.equal(c.roles.assistant.kind, 'local');
  assert.equal(c.train.backend, 'local');
  assert.equal(c.temporal.taskQueue, 'inftool');
});

test('an invalid config is refused with the field path and the reason', () => {
  assert.throws(
    () => parseRunConfig({ cycles: { max: 0 }, synthesis: { categories: ['simple', 'nonsense'] } }),
    (err: Error) =>
      err instanceof ConfigError &&
      /cycles\.max: Number must be greater than 0/.test(err.message) &&
      /synthesis\.categories\.1: Invalid enum value/.test(err.message),
  );
  assert.throws(() => parseRunConfig({ unknownKey: 1 }), /unknownKey: unknown key 'unknownKey'/);
  assert.throws(
    () => parseRunConfig({ roles: { user: { kind: 'openai', baseURL: 'not a url', model: 'm' } } }),
    /roles\.user\.baseURL: Invalid url/,
  );
});

test('YAML and JSON files load; a broken file names itself', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  writeFileSync(join(dir, 'a.yaml'), 'name: abc\ncycles:\n  max: 3\n');
  writeFileSync(join(dir, 'b.json'), '{"name": "b", "seed": 3}');
  writeFileSync(join(dir, 'c.yaml'), 'name: [unclosed\n');
  assert.equal((await loadRunConfig(join(dir, 'a.yaml'))).cycles.max, 3);
  assert.equal((await loadRunConfig(join(dir, 'b.json'))).seed, 3);
  await assert.rejects(loadRunConfig(join(dir, 'c.yaml')), /c\.yaml is not valid YAML/);
  await assert.rejects(loadRunConfig(join(dir, 'missing.yaml')), /cannot read config .*missing\.yaml/);
});

// Each typo the issue found accepted (and its default silently used), plus the trainer's nested blocks.
const typos: Array<[string, Record<string, unknown>, string]> = [
  ['cycles.maxx', { cycles: { maxx: 3 } }, 'max'],
  ['synthesis.perCycel', { synthesis: { perCycel: 3 } }, 'perCycle'],
  ['train.trainer.sft.maxStep', { train: { trainer: { sft: { maxStep: 5 } } } }, 'maxSteps'],
  ['planner.flor', { planner: { flor: 0.1 } }, 'floor'],
  [
    'roles.user.apiKeyEnvv',
    { roles: { user: { kind: 'openai', baseURL: 'http://h:1/v1', model: 'm', apiKeyEnvv: 'KEY' } } },
    'apiKeyEnv',
  ],
  ['evaluate.limt', { evaluate: { limt: 3 } }, 'limit'],
  ['temporal.heartbeatSecond', { temporal: { heartbeatSecond: 3 } }, 'heartbeatSeconds'],
  [
    'roles.judge.timeoutMS',
    { roles: { judge: { kind: 'openai', baseURL: 'http://h:1/v1', model: 'm', timeoutMS: 5 } } },
    'timeoutMs',
  ],
  ['roles.assistant.modelpath', { roles: { assistant: { kind: 'local', modelpath: 'x.gguf' } } }, 'modelPath'],
  ['train.trainer.grpo.groupsize', { train: { trainer: { grpo: { groupsize: 2 } } } }, 'groupSize'],
  ['train.trainer.adapter.rank', { train: { trainer: { adapter: { kind: 'lora', rank: 8 } } } }, ''],
  [
    'train.trainer.reward.weights.functon_match',
    { train: { trainer: { reward: { weights: { functon_match: 1 } } } } },
    'function_match',
  ],
  ['planner.rollouts.easy', { planner: { rollouts: { easy: 1 } } }, 'easyAt'],
  ['planner.difficulty.perCylce', { planner: { difficulty: { perCylce: 0.2 } } }, 'perCycle'],
  ['specs.toolset', { specs: { toolset: ['a'] } }, 'toolSets'],
];

for (const [path, config, meant] of typos) {
  test(`a typo is refused with its path: ${path}`, () => {
    assert.throws(
      () => parseRunConfig(config),
      (err: Error) => {
        assert.ok(err instanceof ConfigError, String(err));
        const line = err.message.split('\n').find((l) => l.trim().startsWith(`${path}:`));
        assert.ok(line, `no line names ${path} in:\n${err.message}`);
        assert.match(line, /unknown key/);
        if (meant) assert.match(line, new RegExp(`did you mean '${meant}'`));
        return true;
      },
    );
  });
}

test('no object anywhere in the run config or the train job lets an unknown key through', () => {
  assert.deepEqual(lenientObjects(RunConfigSchema), []);
  assert.deepEqual(lenientObjects(TrainConfigSchema), []);
  assert.deepEqual(lenientObjects(TrainJobSchema), []);
  assert.deepEqual(lenientObjects(PlannerConfigSchema), []);
});

test('the trainer and planner blocks are checked but kept as written (the job and the planner fill defaults)', () => {
  const c = parseRunConfig({ train: { trainer: { sft: { maxSteps: 5 } } }, planner: { floor: 0.1 } });
  assert.deepEqual(c.train.trainer, { sft: { maxSteps: 5 } });
  assert.deepEqual(c.planner, { floor: 0.1 });
  // Values are still checked, not only keys.
  assert.throws(
    () => parseRunConfig({ train: { trainer: { sft: { maxSteps: 0 } } } }),
    /train\.trainer\.sft\.maxSteps: Number must be greater than 0/,
  );
  assert.throws(
    () => parseRunConfig({ planner: { floor: 2 } }),
    /planner\.floor: Number must be less than or equal to 1/,
  );
  assert.throws(() => parseRunConfig({ planner: [] }), /planner: Expected object/);
  // A phase switch inside the trainer block would be overridden by train.sft / train.grpo: refused, not ignored.
  assert.throws(
    () => parseRunConfig({ train: { trainer: { sft: { enabled: false } } } }),
    /train\.trainer\.sft\.enabled: set train\.sft instead/,
  );
});

test('evaluation asks as many BFCL entries at once as the policy endpoint answers, unless the config says', () => {
  const local = (assistant: Record<string, unknown>, evaluate: Record<string, unknown> = {}) =>
    parseRunConfig({ name: 't', roles: { assistant: { kind: 'local', ...assistant } }, evaluate });
  assert.equal(evaluationConcurrency(local({})), 1, 'one context of one sequence');
  assert.equal(evaluationConcurrency(local({ contexts: 2 })), 2, 'two contexts decode at once');
  assert.equal(evaluationConcurrency(local({ contexts: 2, concurrency: 3 })), 6);
  assert.equal(
    evaluationConcurrency(local({ contexts: 2 }, { concurrency: 1 })),
    1,
    'a configured concurrency is kept',
  );
  const openai = parseRunConfig({
    name: 't',
    roles: { assistant: { kind: 'openai', baseURL: 'http://h:1/v1', model: 'm', concurrency: 16 } },
  });
  assert.equal(evaluationConcurrency(openai), 16);
});
