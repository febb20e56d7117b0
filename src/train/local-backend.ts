// The `local` train backend: runs the Python trainer (trainer/inftool_trainer) as a child process on this
// machine, parses its JSON-lines progress, reports each step, resumes from a checkpoint, and dies on abort.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TrainerEventSchema, TrainJobSchema, type CurvePoint, type TrainJobInput, type TrainResult } from './job.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TRAINER_DIR = path.join(REPO_ROOT, 'trainer');
/** The venv trainer/setup.sh creates; $INFTOOL_TRAINER_PYTHON overrides it (e.g. a GPU machine's env). */
export const DEFAULT_TRAINER_PYTHON = path.join(TRAINER_DIR, '.venv', 'bin', 'python');

export type TrainProgress = {
  phase: 'sft' | 'grpo';
  step: number;
  reward: number | null;
  loss: number | null;
  checkpoint: string | null;
  point: CurvePoint;
};

export type RunLocalTrainingOptions = {
  job: TrainJobInput;
  /** Aborting kills the trainer process (SIGTERM, then SIGKILL after `killGraceMs`). */
  signal?: AbortSignal;
  /** Called once per optimizer step; the Temporal activity heartbeats with it. */
  onProgress?: (
    step: number,
    reward: number | null,
    loss: number | null,
    checkpoint: string | null,
    detail: TrainProgress,
  ) => void;
  /** A checkpoint folder from an earlier attempt's heartbeat; the trainer also finds the newest on its own. */
  resumeFrom?: string;
  python?: string;
  killGraceMs?: number;
  /** Where the trainer's stderr goes (its logs); default: dropped except the last 4 KB, kept for errors. */
  onStderr?: (chunk: string) => void;
};

export class TrainingError extends Error {
  constructor(
    message: string,
    readonly stderrTail: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = 'TrainingError';
  }
}

/** Runs one TrainJob to completion. Rejects with TrainingError (trainer's message + stderr tail) or AbortError. */
export async function runLocalTraining(opts: RunLocalTrainingOptions): Promise<TrainResult> {
  const job = TrainJobSchema.parse(opts.job);
  const python = opts.python ?? process.env.INFTOOL_TRAINER_PYTHON ?? DEFAULT_TRAINER_PYTHON;
  if (!existsSync(python))
    throw new TrainingError(
      `trainer python ${python} not found: run \`bash trainer/setup.sh\` (or set INFTOOL_TRAINER_PYTHON)`,
      '',
      null,
    );
  opts.signal?.throwIfAborted();

  await mkdir(job.outputDir, { recursive: true });
  const jobFile = path.join(job.outputDir, 'train-job.json');
  await writeFile(jobFile, JSON.stringify(job, null, 2));
  const args = ['-m', 'inftool_trainer.train', '--job', jobFile];
  if (opts.resumeFrom) args.push('--resume-from', opts.resumeFrom);

  const child = spawn(python, args, {
    cwd: TRAINER_DIR,
    env: { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderrTail = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4096);
    opts.onStderr?.(chunk);
  });

  const grace = opts.killGraceMs ?? 5_000;
  const onAbort = () => {
    child.kill('SIGTERM');
    setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), grace).unref();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, sig) => resolve({ code, sig }));
  });

  const curve: CurvePoint[] = [];
  let done: Extract<ReturnType<typeof TrainerEventSchema.parse>, { event: 'done' }> | undefined;
  let failure: string | undefined;
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      if (!line.trim()) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new TrainingError(
          `trainer printed a non-protocol line on stdout: ${line.slice(0, 200)}`,
          stderrTail,
          null,
        );
      }
      const ev = TrainerEventSchema.safeParse(parsed);
      if (!ev.success)
        throw new TrainingError(
          `trainer event does not match TrainerEventSchema (${ev.error.issues[0]?.path.join('.')}: ${ev.error.issues[0]?.message}): ${line.slice(0, 200)}`,
          stderrTail,
          null,
        );
      const e = ev.data;
      if (e.event === 'step') {
        const { event: _event, ...point } = e;
        curve.push(point);
        opts.onProgress?.(point.step, point.reward, point.loss, point.checkpoint, { ...point, point });
      } else if (e.event === 'done') done = e;
      else if (e.event === 'error') failure = e.message;
    }
    const { code, sig } = await exited;
    if (opts.signal?.aborted) throw opts.signal.reason ?? new DOMException('training aborted', 'AbortError');
    if (failure !== undefined) throw new TrainingError(`trainer failed: ${failure}`, stderrTail, code);
    if (code !== 0 || !done)
      throw new TrainingError(
        `trainer exited with ${sig ?? `code ${code}`} before reporting done; stderr tail:\n${stderrTail}`,
        stderrTail,
        code,
      );
    return { model: done.model, steps: done.steps, curve, policy: done.policy };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
