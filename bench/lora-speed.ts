// How fast a trained LoRA policy decodes on the embedded runtime, against its base: (a) the base GGUF,
// (b) the base with the LoRA GGUF applied at run time (train.trainer.mergeAdapter: false), (c) the adapter
// merged into a GGUF of its own (the default export, trainer/inftool_trainer/export.py). Same prompts, same
// threads, plain-text greedy replies through the runtime's own client; decoding tokens/s is measured from
// the first streamed text to the end of the reply, so the prompt's evaluation is left out. The variants take
// turns within each round (in a rotating order), so a load that comes and goes hits all three alike; the
// ratios b/a and c/a are taken per round and prompt, and their spread is printed beside the median.
//
//   npm run bench:lora-speed -- [--tokens 48] [--repeats 5] [--threads N] [--base F --lora F --merged F] [--also F]...
//
// Each --also adds another GGUF of the same policy (another quantization of the merge, say) measured in the same
// rotation as a fourth, fifth... variant, with its ratio to the base and its greedy replies against (c)'s.
//
// Without --lora/--merged it makes them from a real, short training run on the base (default: the bundled
// SmolLM2-135M): the trainer's example set (python -m inftool_trainer.example_set), --sft-steps SFT steps
// (default 2) with the default LoRA (r=16 on every linear layer), exported once with mergeAdapter: false
// (final/adapter.gguf), once more with mergeAdapter: true, which finds SFT finished and only exports
// (final/model.gguf, Q8_0), and once more with mergedQuantization: base (the base's own types on its grid, timed
// as variant d). They land in --out (default bench/out/lora-speed/) as adapter.gguf, merged.gguf and
// merged-base-grid.gguf and are reused by later runs; delete them to train again. By hand, the first two:
//   trainer/.venv/bin/python -m inftool_trainer.example_set DATA
//   a TrainJob (src/train/job.ts) with baseModel {kind: gguf, path: BASE}, config.grpo.enabled false and
//   config.mergeAdapter false, run with `python -m inftool_trainer.train --job JOB`; keep final/adapter.gguf,
//   then run the same job with mergeAdapter true and keep final/model.gguf.
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { z } from 'zod';
import { defaultThreads, disposeLocalModels, LocalChatClient } from '../src/llm/local-client.js';
import { ensureLocalModel } from '../src/llm/local-model.js';
import type { ChatClient, ChatRequest } from '../src/domain/chat.js';
import { DEFAULT_TRAINER_PYTHON, TRAINER_DIR, runLocalTraining } from '../src/train/local-backend.js';
import type { TrainJobInput } from '../src/train/job.js';

const count = z.coerce.number().int().positive();
const OptionsSchema = z.object({
  tokens: count.default(48),
  repeats: count.default(5),
  threads: count.default(defaultThreads()),
  'sft-steps': count.default(2),
  base: z.string().optional(),
  lora: z.string().optional(),
  merged: z.string().optional(),
  out: z.string().default(resolve(import.meta.dirname, 'out', 'lora-speed')),
  also: z.array(z.string()).default([]),
});
const { values } = parseArgs({
  options: {
    ...Object.fromEntries(
      ['tokens', 'repeats', 'threads', 'sft-steps', 'base', 'lora', 'merged', 'out'].map((k) => [
        k,
        { type: 'string' as const },
      ]),
    ),
    also: { type: 'string', multiple: true },
  },
});
const opts = OptionsSchema.parse(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)));

const PROMPTS = [
  'Write a long story about a lighthouse keeper.',
  'Explain, step by step and in detail, how a bicycle gear system works.',
  'List as many fruits as you can, one per line, with a sentence about each.',
];

/** The LoRA GGUF and the merged GGUFs (Q8_0, the base's grid) of one short SFT run on `base` (see the header). */
async function trainedFiles(base: string): Promise<{ lora: string; merged: string; grid: string }> {
  const lora = join(opts.out, 'adapter.gguf');
  const merged = join(opts.out, 'merged.gguf');
  const grid = join(opts.out, 'merged-base-grid.gguf');
  if (existsSync(lora) && existsSync(merged) && existsSync(grid)) {
    console.log(`reusing ${lora}, ${merged} and ${grid} (delete them to train again)`);
    return { lora, merged, grid };
  }
  mkdirSync(opts.out, { recursive: true });
  const python = process.env.INFTOOL_TRAINER_PYTHON ?? DEFAULT_TRAINER_PYTHON;
  const data = z.object({ trajectoriesPath: z.string(), rlPromptsPath: z.string() }).parse(
    JSON.parse(
      execFileSync(python, ['-m', 'inftool_trainer.example_set', join(opts.out, 'data')], {
        cwd: TRAINER_DIR,
        encoding: 'utf8',
      }),
    ),
  );
  const job = (mergeAdapter: boolean, mergedQuantization: 'q8_0' | 'base' = 'q8_0'): TrainJobInput => ({
    rlPromptsPath: data.rlPromptsPath,
    trajectoriesPath: data.trajectoriesPath,
    baseModel: { kind: 'gguf', path: base },
    outputDir: join(opts.out, 'train'),
    config: {
      sft: { maxSteps: opts['sft-steps'], batchSize: 2, maxLength: 1024 },
      grpo: { enabled: false },
      exportGguf: true,
      mergeAdapter,
      mergedQuantization,
      device: 'cpu',
    },
  });
  const started = performance.now();
  const unmerged = await runLocalTraining({
    job: job(false),
    onProgress: (step, _r, loss) => console.log(`  sft step ${step}: loss ${loss?.toFixed(3)}`),
  });
  if (unmerged.model?.kind !== 'gguf' || !unmerged.model.loraPath)
    throw new Error(`the unmerged export gave no LoRA GGUF: ${JSON.stringify(unmerged.model)}`);
  copyFileSync(unmerged.model.loraPath, lora); // the second export replaces final/
  const again = await runLocalTraining({ job: job(true) });
  if (!again.model || again.model.kind !== 'gguf' || again.model.loraPath)
    throw new Error(`the merged export gave ${JSON.stringify(again.model)}`);
  copyFileSync(again.model.path, merged);
  const onGrid = await runLocalTraining({ job: job(true, 'base') });
  if (!onGrid.model || onGrid.model.kind !== 'gguf' || onGrid.model.loraPath)
    throw new Error(`the merged export on the base's grid gave ${JSON.stringify(onGrid.model)}`);
  copyFileSync(onGrid.model.path, grid);
  console.log(
    `trained ${unmerged.steps} SFT steps and exported three ways (LoRA, Q8_0 merge, merge on the base's grid) in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return { lora, merged, grid };
}

type Variant = { name: string; label: string; client: ChatClient };
type Run = { decode: number; tokens: number; firstMs: number; text: string };

async function measure(client: ChatClient, prompt: string): Promise<Run> {
  const request: ChatRequest = {
    messages: [{ role: 'user', content: prompt }],
    maxTokens: opts.tokens,
    temperature: 0,
  };
  const started = performance.now();
  let first: number | undefined;
  const res = await client.chat(request, { onText: () => void (first ??= performance.now()) });
  const end = performance.now();
  const tokens = res.usage.completionTokens;
  const decodeS = (end - (first ?? end)) / 1000;
  return {
    decode: tokens > 1 && decodeS > 0 ? (tokens - 1) / decodeS : NaN,
    tokens,
    firstMs: (first ?? end) - started,
    text: res.message.content ?? '',
  };
}

const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const spread = (xs: number[], digits: number) => {
  const s = xs.filter(Number.isFinite);
  return `median ${median(s).toFixed(digits)} (min ${Math.min(...s).toFixed(digits)}, max ${Math.max(...s).toFixed(digits)}, n=${s.length})`;
};
const mb = (f: string) => `${(statSync(f).size / 2 ** 20).toFixed(0)} MB`;

const base = resolve(opts.base ?? (await ensureLocalModel()));
const files =
  opts.lora && opts.merged
    ? { lora: resolve(opts.lora), merged: resolve(opts.merged), grid: undefined }
    : await trainedFiles(base);
const also = [
  ...(files.grid ? [{ file: files.grid, kind: 'merged, grid   ' }] : []),
  ...opts.also.map((file) => ({ file, kind: 'also           ' })),
];
const local = (modelPath: string, loraPath?: string): ChatClient =>
  new LocalChatClient(
    { kind: 'local', modelPath, loraPath, temperature: 0, maxTokens: opts.tokens, concurrency: 1, contextSize: 1024 },
    { role: 'bench', threads: opts.threads },
  );
const variants: Variant[] = [
  { name: 'a', label: `base            ${base.split('/').pop()} (${mb(base)})`, client: local(base) },
  {
    name: 'b',
    label: `base + LoRA     + ${files.lora.split('/').pop()} (${mb(files.lora)}) at run time`,
    client: local(base, files.lora),
  },
  {
    name: 'c',
    label: `merged          ${files.merged.split('/').pop()} (${mb(files.merged)})`,
    client: local(files.merged),
  },
  ...also.map(({ file, kind }, i) => ({
    name: String.fromCharCode('d'.charCodeAt(0) + i),
    label: `${kind} ${file.split('/').pop()} (${mb(resolve(file))})`,
    client: local(resolve(file)),
  })),
];

console.log(
  `cores=${os.availableParallelism()} threads=${opts.threads} tokens/reply=${opts.tokens} prompts=${PROMPTS.length} rounds=${opts.repeats} loadavg=${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(',')}`,
);
const promptTokens = new Map<string, number>();
for (const v of variants) {
  const res = await v.client.chat({ messages: [{ role: 'user', content: PROMPTS[0] }], maxTokens: 4, temperature: 0 }); // loads outside the timed runs
  promptTokens.set(v.name, res.usage.promptTokens);
}
if (promptTokens.get('a') !== promptTokens.get('c'))
  console.log(
    `WARNING: the merged GGUF renders the prompt in ${promptTokens.get('c')} tokens, the base in ${promptTokens.get('a')}`,
  );

const cell: Array<Record<string, Run>> = []; // one per round and prompt: each variant's run
for (let round = 0; round < opts.repeats; round++) {
  for (let p = 0; p < PROMPTS.length; p++) {
    const turn: Record<string, Run> = {};
    const k = (round * PROMPTS.length + p) % variants.length;
    for (const v of [...variants.slice(k), ...variants.slice(0, k)]) turn[v.name] = await measure(v.client, PROMPTS[p]);
    cell.push(turn);
    if (round === 0 && p === 0)
      for (const v of variants) console.log(`  ${v.name} replies: ${JSON.stringify(turn[v.name].text.slice(0, 70))}`);
  }
  console.log(
    `round ${round + 1}/${opts.repeats}: ` +
      variants
        .map((v) => `${v.name} ${median(cell.slice(-PROMPTS.length).map((t) => t[v.name].decode)).toFixed(1)}`)
        .join(', ') +
      ' tok/s',
  );
}

console.log('\ndecoding tokens/s per reply:');
for (const v of variants) {
  const all = cell.map((t) => t[v.name]);
  console.log(
    `  (${v.name}) ${v.label}\n      ${spread(
      all.map((r) => r.decode),
      1,
    )}; tokens/reply ${spread(
      all.map((r) => r.tokens),
      0,
    )}; to first text ${median(all.map((r) => r.firstMs)).toFixed(0)} ms`,
  );
}
console.log('ratios, per round and prompt:');
for (const v of variants.slice(1))
  console.log(
    `  ${v.name}/a: ${spread(
      cell.map((t) => t[v.name].decode / t.a.decode),
      2,
    )}`,
  );
// Greedy replies of the merged file and of base + LoRA should mostly agree (they differ only by rounding:
// the merged weights are requantized), and differ from the base's where the adapter changed something.
const same = (x: string, y: string) => cell.filter((t) => t[x].text === t[y].text).length;
const others = variants.slice(3).map((v) => `, ${v.name} and c ${same(v.name, 'c')}/${cell.length}`);
console.log(
  `identical replies: b and c ${same('b', 'c')}/${cell.length}, a and c ${same('a', 'c')}/${cell.length}${others.join('')}; loadavg at the end ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(',')}`,
);
await disposeLocalModels();
