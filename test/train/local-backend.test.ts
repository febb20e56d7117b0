// The `local` train backend against the real Python trainer on a tiny random-init model: progress events
// are parsed and reported, the result carries the curve and the next policy, abort kills the process.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { DEFAULT_TRAINER_PYTHON, TRAINER_DIR, TrainingError, runLocalTraining } from '../../src/train/local-backend.js';
import type { TrainJobInput } from '../../src/train/job.js';

const run = promisify(execFile);
const python = process.env.INFTOOL_TRAINER_PYTHON ?? DEFAULT_TRAINER_PYTHON;

describe(
  'runLocalTraining (local backend, real trainer process)',
  { skip: process.env.INFTOOL_SKIP_TRAINER === '1' },
  () => {
    let dir: string;
    let world: { model: string; rlPromptsPath: string; trajectoriesPath: string };
    const job = (outputDir: string, grpoSteps: number): TrainJobInput => ({
      rlPromptsPath: world.rlPromptsPath,
      baseModel: { kind: 'hf', path: world.model },
      outputDir,
      config: {
        sft: { enabled: false },
        grpo: { maxSteps: grpoSteps, groupSize: 2, maxCompletionLength: 8, maxPromptLength: 512 },
        adapter: { kind: 'lora', r: 4, alpha: 8, targetModules: ['q_proj', 'v_proj'] },
        checkpointEvery: 1,
        exportGguf: false,
        device: 'cpu',
        threads: 2,
      },
    });

    before(async () => {
      assert.ok(
        existsSync(python),
        `trainer venv missing at ${python}: run \`bash trainer/setup.sh\` first (or INFTOOL_SKIP_TRAINER=1)`,
      );
      dir = await mkdtemp(path.join(tmpdir(), 'inftool-train-'));
      const { stdout } = await run(python, ['-m', 'inftool_trainer.tiny_fixture', dir], { cwd: TRAINER_DIR });
      world = JSON.parse(stdout.trim().split('\n').pop()!);
    });
    after(async () => dir && rm(dir, { recursive: true, force: true }));

    it('reports every GRPO step and returns the curve and the next policy', async () => {
      const seen: Array<[number, number | null, number | null, string | null]> = [];
      const out = path.join(dir, 'run');
      const result = await runLocalTraining({ job: job(out, 2), onProgress: (s, r, l, c) => seen.push([s, r, l, c]) });
      assert.deepEqual(
        seen.map((s) => s[0]),
        [1, 2],
      );
      for (const [, reward, loss, checkpoint] of seen) {
        assert.ok(Number.isFinite(reward) && Number.isFinite(loss));
        assert.ok(
          checkpoint && existsSync(path.join(checkpoint, 'trainer_state.json')),
          `checkpoint ${checkpoint} on disk`,
        );
      }
      assert.equal(result.steps, 2);
      assert.equal(result.curve.length, 2);
      assert.ok('argument_match' in result.curve[0].components && result.curve[0].call_rate !== null);
      assert.equal(result.model, null); // exportGguf: false
      assert.deepEqual(result.policy, { kind: 'hf', path: world.model, adapterPath: path.join(out, 'final') });
    });

    it('abort kills the trainer mid-run; a rerun with resumeFrom continues the step counter', async () => {
      const out = path.join(dir, 'abort');
      const ac = new AbortController();
      let last: string | null = null;
      await assert.rejects(
        runLocalTraining({
          job: job(out, 40),
          signal: ac.signal,
          killGraceMs: 500,
          onProgress: (step, _r, _l, checkpoint) => {
            last = checkpoint;
            if (step >= 1) ac.abort();
          },
        }),
        (err: Error) => err.name === 'AbortError',
      );
      // The promise settles only after the child has exited: no checkpoint appears afterwards.
      const before = (await readdir(path.join(out, 'grpo'))).filter((n) => n.startsWith('checkpoint-')).sort();
      await new Promise((r) => setTimeout(r, 1500));
      const afterKill = (await readdir(path.join(out, 'grpo'))).filter((n) => n.startsWith('checkpoint-')).sort();
      assert.deepEqual(afterKill, before);
      assert.ok(last);

      const steps: number[] = [];
      const resumed = await runLocalTraining({ job: job(out, 6), resumeFrom: last!, onProgress: (s) => steps.push(s) });
      assert.ok(steps[0] > 1, `resumed at step ${steps[0]}, after checkpoint ${last}`);
      assert.equal(resumed.steps, 6);
    });

    it("a bad job fails with the trainer's own error message", async () => {
      const bad = { ...job(path.join(dir, 'bad'), 1), rlPromptsPath: path.join(dir, 'missing.jsonl') };
      await assert.rejects(
        runLocalTraining({ job: bad }),
        (err: Error) => err instanceof TrainingError && /missing\.jsonl does not exist/.test(err.message),
      );
    });
  },
);
