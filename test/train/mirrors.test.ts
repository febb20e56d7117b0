// The TypeScript and Python sides of the train stage agree: src/train/job.ts (zod) and
// trainer/inftool_trainer/job.py (pydantic) fill the same defaults into the same jobs and both refuse an
// unknown key at any depth; the GPU worker's thinned curve numbers like the local backend's.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TRAINER_PYTHON, TRAINER_DIR } from '../../src/train/local-backend.js';
import { TrainJobSchema, type CurvePoint, type TrainJobInput } from '../../src/train/job.js';
import { curveForHistory } from '../../src/train/curve.js';

const python = process.env.INFTOOL_TRAINER_PYTHON ?? DEFAULT_TRAINER_PYTHON;
const skip = process.env.INFTOOL_SKIP_TRAINER === '1';

/** Each job through pydantic: the dumped job (camelCase, as the TS side writes it) or the error text. */
function pydantic(jobs: unknown[]): Array<{ ok: unknown } | { error: string }> {
  const script = [
    'import json, sys',
    'from inftool_trainer.job import BadJob, load_job',
    'out = []',
    'for j in json.load(sys.stdin):',
    '    try: out.append({"ok": load_job(j).model_dump(mode="json", by_alias=True, exclude_none=True)})',
    '    except BadJob as e: out.append({"error": str(e)})',
    'print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(
    execFileSync(python, ['-c', script], { cwd: TRAINER_DIR, input: JSON.stringify(jobs), encoding: 'utf8' }),
  );
}

const base = {
  rlPromptsPath: 'p.jsonl',
  trajectoriesPath: 't.jsonl',
  baseModel: { kind: 'gguf', path: 'm.gguf' },
  outputDir: 'out',
} as const;
const jobs: TrainJobInput[] = [
  base,
  { ...base, config: { sft: { maxSteps: 5 }, grpo: { enabled: false }, adapter: { kind: 'full' } } },
  {
    ...base,
    baseModel: { kind: 'hf', path: 'folder', adapterPath: 'a' },
    config: { adapter: { kind: 'lora', r: 4 }, reward: { weights: { function_match: 1 } }, threads: 2 },
  },
];

test('zod and pydantic fill the same defaults into the same train jobs', { skip: skip || !existsSync(python) }, () => {
  const fromPython = pydantic(jobs);
  jobs.forEach((job, i) => {
    const fromTs = JSON.parse(JSON.stringify(TrainJobSchema.parse(job)));
    assert.deepEqual(fromPython[i], { ok: fromTs }, `job ${i}`);
  });
});

test('both sides refuse the same unknown keys, named by path', { skip: skip || !existsSync(python) }, () => {
  const bad = [
    { ...base, config: { sft: { maxStep: 5 } } },
    { ...base, config: { reward: { weights: { functon_match: 1 } } } },
    { ...base, config: { adapter: { kind: 'lora', rank: 8 } } },
    { ...base, extra: 1 },
  ];
  const paths = ['config.sft.maxStep', 'config.reward.weights.functon_match', 'config.adapter.lora.rank', 'extra'];
  const fromPython = pydantic(bad);
  bad.forEach((job, i) => {
    const ts = TrainJobSchema.safeParse(job);
    assert.ok(!ts.success, `zod accepted job ${i}`);
    assert.equal(ts.error.issues[0].code, 'unrecognized_keys');
    const py = fromPython[i];
    assert.ok('error' in py, `pydantic accepted job ${i}`);
    assert.ok(py.error.includes(`/${paths[i].replaceAll('.', '/')}: Extra inputs are not permitted`), py.error);
  });
});

test(
  'a curve thinned by the Python worker reaches history exactly as the local backend thins it',
  { skip: skip || !existsSync(python) },
  () => {
    const full: CurvePoint[] = Array.from({ length: 5000 }, (_, i) => ({
      phase: i < 1000 ? 'sft' : 'grpo',
      step: i < 1000 ? i + 1 : i - 999,
      reward: i < 1000 ? null : (i % 7) / 7,
      loss: i / 5000,
      components: { acted: i % 2 },
      call_rate: i < 1000 ? null : 0.5,
      checkpoint: null,
    }));
    const script =
      'import json, sys\nfrom inftool_trainer.worker import thin_curve\nprint(json.dumps(thin_curve(json.load(sys.stdin))))';
    const thinned = JSON.parse(
      execFileSync(python, ['-c', script], { cwd: TRAINER_DIR, input: JSON.stringify(full), encoding: 'utf8' }),
    ) as CurvePoint[];
    assert.equal(thinned.length, 200);
    // What the workflow does with the remote result (src/workflows/cycle.ts) equals what the local activity stores.
    assert.deepEqual(curveForHistory(thinned), curveForHistory(full));
  },
);
