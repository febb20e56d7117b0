// The train activity in the SDK's MockActivityEnvironment: a retry resumes from the checkpoint the last
// attempt's heartbeat named, each step heartbeats its checkpoint, a finished job is answered from its result
// file, and a trainer that refuses its job fails the activity as non-retryable BadInput. The trainer process
// is a stand-in speaking the trainer's stdout line protocol (src/train/job.ts TrainerEventSchema) and
// recording its arguments: the real trainer's resume is tested in test/train/local-backend.test.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities, type TrainStageResult } from '../../src/activities/index.js';
import { LocalArtifactStore } from '../../src/store/artifact-store.js';
import { TrainJobSchema, type TrainJob } from '../../src/train/job.js';

let dir: string;
let activities: ReturnType<typeof createActivities>;
const saved = process.env.INFTOOL_TRAINER_PYTHON;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'inftool-train-activity-'));
  const fake = join(dir, 'fake-trainer');
  // Called as `<python> -m inftool_trainer.train --job FILE [--resume-from CHECKPOINT]`.
  writeFileSync(
    fake,
    `#!/usr/bin/env bash
printf '%s\\n' "$@" >> "${dir}/argv.txt"
if [ "$FAKE_TRAINER" = refuse ]; then
  echo '{"event":"error","message":"job.config.grpo.groupSize must be at least 2"}'; exit 2
fi
echo '{"event":"step","phase":"sft","step":5,"reward":null,"loss":0.5,"checkpoint":"${dir}/ck/step-5"}'
echo '{"event":"step","phase":"sft","step":6,"reward":null,"loss":0.4}'
echo '{"event":"done","model":{"kind":"gguf","path":"${dir}/model.gguf"},"steps":6}'
`,
  );
  chmodSync(fake, 0o755);
  process.env.INFTOOL_TRAINER_PYTHON = fake;
  activities = createActivities({ store: new LocalArtifactStore(join(dir, 'artifacts')), dataDir: dir });
});
after(() => {
  if (saved === undefined) delete process.env.INFTOOL_TRAINER_PYTHON;
  else process.env.INFTOOL_TRAINER_PYTHON = saved;
  delete process.env.FAKE_TRAINER;
  rmSync(dir, { recursive: true, force: true });
});

const job = (name: string): TrainJob =>
  TrainJobSchema.parse({
    rlPromptsPath: join(dir, 'prompts.jsonl'),
    baseModel: { kind: 'gguf', path: join(dir, 'base.gguf') },
    outputDir: join(dir, name),
    config: { sft: { enabled: false } },
  });
const argv = () => readFileSync(join(dir, 'argv.txt'), 'utf8').trim().split('\n');

test("a retry resumes from the checkpoint its predecessor's heartbeat named, and each step heartbeats its checkpoint", async () => {
  const env = new MockActivityEnvironment({
    heartbeatDetails: { step: 4, phase: 'sft', checkpoint: `${dir}/ck/step-4` },
  });
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  const result: TrainStageResult = await env.run(activities.runTrainJob, { job: job('resume') });

  assert.deepEqual(argv().slice(-2), ['--resume-from', `${dir}/ck/step-4`]);
  // A step without a checkpoint of its own keeps naming the last one, so a crash after it still resumes there.
  assert.deepEqual(
    beats.filter((b) => b && typeof b === 'object' && 'step' in b),
    [
      { step: 5, phase: 'sft', checkpoint: `${dir}/ck/step-5` },
      { step: 6, phase: 'sft', checkpoint: `${dir}/ck/step-4` },
    ],
  );
  assert.equal(result.steps, 6);
  assert.deepEqual(result.model, { kind: 'gguf', path: `${dir}/model.gguf` });
});

test('a job that already finished is answered from its result file, without starting the trainer again', async () => {
  const first = await new MockActivityEnvironment().run(activities.runTrainJob, { job: job('once') });
  const calls = argv().filter((a) => a === '--job').length;
  const again = await new MockActivityEnvironment().run(activities.runTrainJob, { job: job('once') });
  assert.deepEqual(again, JSON.parse(JSON.stringify(first)), 'the stored result, as history would carry it');
  assert.equal(argv().filter((a) => a === '--job').length, calls, 'the trainer was not started a second time');
  assert.ok(!argv().slice(-4).includes('--resume-from'), 'a first attempt has nothing to resume from');
});

test("a trainer that refuses its job (exit 2) fails the activity as non-retryable BadInput, with the trainer's reason", async () => {
  process.env.FAKE_TRAINER = 'refuse';
  try {
    const err = await new MockActivityEnvironment().run(activities.runTrainJob, { job: job('refused') }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.type, 'BadInput');
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /^runTrainJob: .*groupSize must be at least 2/);
  } finally {
    delete process.env.FAKE_TRAINER;
  }
});

test('malformed activity input fails as non-retryable BadInput naming the field', async () => {
  const err = await new MockActivityEnvironment()
    .run(activities.runTrainJob, { job: { ...job('bad'), outputDir: 7 } as unknown as TrainJob })
    .then(
      () => null,
      (e: unknown) => e,
    );
  assert.ok(err instanceof ApplicationFailure, String(err));
  assert.equal(err.type, 'BadInput');
  assert.match(err.message, /runTrainJob: malformed input:[\s\S]*outputDir/);
});
