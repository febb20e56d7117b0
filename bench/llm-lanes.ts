// Do two synthesis lanes on one embedded model beat one? The same pairs of requests, first one after the
// other on a context with one sequence (how the roles run by default, `concurrency: 1`), then at once on a
// context with two sequences (`concurrency: 2`, which node-llama-cpp decodes in one batch), then at once on
// two contexts of one sequence each (`contexts: 2`, each decoding on its own threads). Prints aggregate
// completion tokens/s of each and the ratios, with every run so the spread shows.
// Run: npm run bench:llm-lanes -- [tokens=48] [repeats=3]. Benchmark on a quiet machine: another busy
// process on a core changes the embedded runtime's speed several times over.
import os from 'node:os';
import { createChatClient } from '../src/llm/client.js';
import { disposeLocalModels } from '../src/llm/local-client.js';
import { ensureLocalModel } from '../src/llm/local-model.js';
import type { ChatRequest } from '../src/domain/chat.js';

const tokens = Number(process.argv[2] ?? 48);
const repeats = Number(process.argv[3] ?? 3);
const modelPath = await ensureLocalModel();
const prompts = [
  'Write a long story about a lighthouse keeper.',
  'Describe, step by step, how to bake sourdough bread.',
];
const request = (content: string): ChatRequest => ({
  messages: [{ role: 'user', content }],
  maxTokens: tokens,
  temperature: 0,
});

async function aggregate(sequences: number, contexts = 1): Promise<number[]> {
  const client = createChatClient({ kind: 'local', modelPath, maxTokens: tokens, concurrency: sequences, contexts }, {
    role: `lanes-${sequences}x${contexts}`,
  } as never);
  await Promise.all(prompts.map((p) => client.chat({ ...request(p), maxTokens: 4 }))); // load outside the timed runs
  const runs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    // With one sequence the client queues the second request behind the first: one lane.
    const replies = await Promise.all(prompts.map((p) => client.chat(request(p))));
    const completion = replies.reduce((s, r) => s + r.usage.completionTokens, 0);
    runs.push(completion / ((performance.now() - start) / 1000));
  }
  await disposeLocalModels();
  return runs.sort((a, b) => a - b);
}

const median = (xs: number[]) => xs[Math.floor(xs.length / 2)];
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
console.log(
  `cores=${os.availableParallelism()} tokens/request=${tokens} repeats=${repeats} loadavg=${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(',')}`,
);
const one = await aggregate(1);
console.log(`1 sequence  (requests queue): median ${median(one).toFixed(1)} tok/s (runs ${fmt(one)})`);
const two = await aggregate(2);
console.log(`2 sequences (one batch)     : median ${median(two).toFixed(1)} tok/s (runs ${fmt(two)})`);
const apart = await aggregate(1, 2);
console.log(`2 contexts  (one each)      : median ${median(apart).toFixed(1)} tok/s (runs ${fmt(apart)})`);
for (const [name, runs] of [
  ['2 sequences', two],
  ['2 contexts', apart],
] as const)
  console.log(
    `ratio ${name} / 1: ${(median(runs) / median(one)).toFixed(2)}x (spread ${(runs[0] / one.at(-1)!).toFixed(2)}-${(runs.at(-1)! / one[0]).toFixed(2)}x)`,
  );
